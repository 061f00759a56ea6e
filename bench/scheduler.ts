// node --expose-gc bench/out/scheduler.mjs [--quick]   (bundled from bench/scheduler.ts by scripts/build.mjs)
//
// The scheduler's lease decision, measured in-process on the pure core
// (src/drf/queue-index.ts, src/drf/pick.ts, src/drf/share.ts, src/scheduler/fit.ts):
// heap held by the queue index, the cost of one pick() for a random runner, the
// same decision applied to the index, and a naive full scan of the queue as the
// baseline. Prints one JSON object on stdout (progress goes to stderr);
// bench/run.mjs runs this first and merges it into bench/results.json under
// `scheduler`.
import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";
import { performance } from "node:perf_hooks";
import type { Resources } from "../src/api/schemas.js";
import { pick, type Pick, type PickContext, type RunnerView } from "../src/drf/pick.js";
import { QueueIndex, type QueuedTask } from "../src/drf/queue-index.js";
import { addResources, fitsResources, fitsStatically } from "../src/scheduler/fit.js";
import { seeded as mulberry32 } from "../test/unit/random.js";
import { NOW_MS, hexIdCodes, makeAgents, makeRunners, makeAccounts, fillIndex } from "./scheduler-input.js";

// The heap figure needs a forced collection; re-run under --expose-gc when started without it.
if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, ["--expose-gc", ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
  });
  process.exit(r.status ?? 1);
}
const gc = globalThis.gc as () => void;

const quick = process.argv.includes("--quick");
const BATCH = 100;
/** The naive scan takes milliseconds a decision at 100 000 tasks: smaller batches keep enough of them for a p99. */
const NAIVE_BATCH = 10;
/** Decisions timed one by one to split pick()'s cost by outcome (task found / nothing fits). */
const N_SPLIT = quick ? 1_000 : 2_000;
const ROUNDS = 4; // indexed and naive alternate in rounds so drift on the machine hits both alike
const log = (s: string) => process.stderr.write(`[scheduler bench] ${s}\n`);

interface Size {
  name: string;
  tasks: number;
  agents: number;
  runners: number;
  /** Decisions timed: pick alone, pick + apply, naive scan. */
  n: { pick: number; apply: number; naive: number };
}

const ALL_SIZES: Size[] = quick
  ? [{ name: "A", tasks: 10_000, agents: 200, runners: 1_000, n: { pick: 4_000, apply: 2_000, naive: 1_000 } }]
  : [
      { name: "A", tasks: 10_000, agents: 200, runners: 1_000, n: { pick: 40_000, apply: 20_000, naive: 4_000 } },
      // Only the task axis ×10: growth in queued tasks alone.
      {
        name: "A_tasks_x10",
        tasks: 100_000,
        agents: 200,
        runners: 1_000,
        n: { pick: 40_000, apply: 20_000, naive: 1_000 },
      },
      { name: "B", tasks: 100_000, agents: 2_000, runners: 10_000, n: { pick: 5_000, apply: 3_000, naive: 600 } },
    ];
// --size=NAME runs one size only (for profiling); the growth ratios then stay null.
const only = process.argv.find((a) => a.startsWith("--size="))?.slice("--size=".length);
const SIZES = only ? ALL_SIZES.filter((s) => s.name === only) : ALL_SIZES;
if (SIZES.length === 0) throw new Error(`no size named ${only}; sizes: ${ALL_SIZES.map((s) => s.name).join(", ")}`);

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// ---- the naive baseline ---------------------------------------------------

/** No index, no DRF: the first queued task in (priority desc, seq) order that passes the same checks pick() applies. */
function naivePick(queue: readonly QueuedTask[], runner: RunnerView, ctx: PickContext): QueuedTask | null {
  for (let i = 0; i < queue.length; i++) {
    const t = queue[i] as QueuedTask;
    if (
      fitsStatically(t.agent, t.req, runner.shape) &&
      !ctx.busyInstances.has(t.instance) &&
      !(t.avoid.includes(runner.id) && ctx.otherRunnerFits(t, runner.id)) &&
      fitsResources(t.req.resources, runner.free)
    )
      return t;
  }
  return null;
}

// ---- timing ---------------------------------------------------------------

interface Stats {
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
  decisions: number;
  batches: number;
}

function stats(perDecisionUs: number[], totalMs: number, decisions: number): Stats {
  const s = [...perDecisionUs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
  return {
    p50: q(50),
    p99: q(99),
    mean: (totalMs * 1000) / decisions,
    min: s[0] as number,
    max: s[s.length - 1] as number,
    decisions,
    batches: s.length,
  };
}

/** Runs decisions `from`..`to` (indices into the runner sequence) in batches, timing each batch. */
function timeBatches(from: number, to: number, decide: (i: number) => void, out: number[], batch = BATCH): number {
  let total = 0;
  for (let b = from; b < to; b += batch) {
    const end = Math.min(to, b + batch);
    const t0 = performance.now();
    for (let i = b; i < end; i++) decide(i);
    const dt = performance.now() - t0;
    total += dt;
    out.push((dt * 1000) / (end - b));
  }
  return total;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const roundStats = (s: Stats) => ({
  ...s,
  p50: r3(s.p50),
  p99: r3(s.p99),
  mean: r3(s.mean),
  min: r3(s.min),
  max: r3(s.max),
});

// ---- one size -------------------------------------------------------------

function runSize(size: Size, seed: number) {
  const t0 = performance.now();
  const rng = mulberry32(seed);
  const agents = makeAgents(size.agents, rng);
  const runners = makeRunners(size.runners, agents, rng);
  let capacity: Resources = {};
  for (const r of runners) capacity = addResources(capacity, r.shape.capacity);
  const accounts = makeAccounts(agents, capacity, rng);
  const nDecisions = Math.max(size.n.pick, size.n.apply, size.n.naive);
  const seqRunners = Uint32Array.from({ length: nDecisions }, () => Math.floor(rng() * runners.length));

  // Heap held by the index and its tasks (agents, accounts and runners exist before the first reading).
  const before = heapUsed();
  const index = new QueueIndex();
  const tb = performance.now();
  // Tasks share one requirements object per distinct stored text, as the TenantDO interns them.
  fillIndex(index, size.tasks, agents, seed + 1, true);
  const buildMs = performance.now() - tb;
  const indexBytes = heapUsed() - before;
  // Same tasks each with its own parsed requirements, for comparison.
  const before2 = heapUsed();
  let shared: QueueIndex | null = new QueueIndex();
  fillIndex(shared, size.tasks, agents, seed + 1, false);
  const sharedBytes = heapUsed() - before2;
  shared = null;
  gc();

  const ctx: PickContext = {
    accounts,
    capacity,
    busyInstances: new Set(),
    otherRunnerFits: () => false,
    nowMs: NOW_MS,
    starvationMs: Infinity,
  };
  const queue = [...index.oldest(index.size)].sort((a, b) => b.priority - a.priority || a.seq - b.seq);
  let groups = 0;
  for (const cls of index.classesDesc()) for (const g of cls.agents.values()) groups += g.size;

  // Outcome per decision (0 none, 1 task), to check both sides agree on whether anything fits.
  const pickGot = new Uint8Array(nDecisions);
  const naiveGot = new Uint8Array(nDecisions);
  const runnerAt = (i: number) => runners[seqRunners[i] as number] as RunnerView;
  const pickOne = (i: number) => {
    pickGot[i] = pick(index, runnerAt(i), ctx).kind === "task" ? 1 : 0;
  };
  const naiveOne = (i: number) => {
    naiveGot[i] = naivePick(queue, runnerAt(i), ctx) ? 1 : 0;
  };

  // Warm-up (JIT) on both paths, outside the figures.
  for (let i = 0; i < Math.min(2_000, size.n.pick); i++) pickOne(i);
  for (let i = 0; i < Math.min(200, size.n.naive); i++) naiveOne(i);

  // Pick alone and the naive scan, over the same fixed state and runner sequence, in alternating rounds.
  const pickUs: number[] = [];
  const naiveUs: number[] = [];
  let pickMs = 0;
  let naiveMs = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // Round boundaries on whole batches.
    const span = (n: number, b: number) =>
      [
        b * Math.floor((r * n) / ROUNDS / b),
        r === ROUNDS - 1 ? n : b * Math.floor(((r + 1) * n) / ROUNDS / b),
      ] as const;
    const [p0, p1] = span(size.n.pick, BATCH);
    pickMs += timeBatches(p0, p1, pickOne, pickUs);
    const [n0, n1] = span(size.n.naive, NAIVE_BATCH);
    naiveMs += timeBatches(n0, n1, naiveOne, naiveUs, NAIVE_BATCH);
  }
  let disagree = 0;
  let none = 0;
  for (let i = 0; i < size.n.naive; i++) {
    if (pickGot[i] !== naiveGot[i]) disagree++;
    if (pickGot[i] === 0) none++;
  }
  if (disagree > 0)
    throw new Error(`${size.name}: pick and the naive scan disagree on whether anything fits in ${disagree} decisions`);
  // Every task pick returns must fit its runner.
  for (let i = 0; i < Math.min(500, nDecisions); i++) {
    const r = runnerAt(i);
    const p: Pick = pick(index, r, ctx);
    if (
      p.kind === "task" &&
      !(fitsStatically(p.task.agent, p.task.req, r.shape) && fitsResources(p.task.req.resources, r.free))
    )
      throw new Error(`${size.name}: pick returned ${p.task.id}, which does not fit ${r.id}`);
  }

  // pick() alone, one decision at a time, split by outcome: a runner that some task fits
  // versus one nothing fits (that decision looks at every class, agent and group).
  const split = { task: [] as number[], none: [] as number[] };
  for (let i = 0; i < Math.min(N_SPLIT, nDecisions); i++) {
    const r = runnerAt(i);
    const t0 = performance.now();
    const p = pick(index, r, ctx);
    split[p.kind === "task" ? "task" : "none"].push((performance.now() - t0) * 1000);
  }
  const splitStats = (xs: number[]) => {
    if (xs.length === 0) return null;
    const st = stats(xs, xs.reduce((a, b) => a + b, 0) / 1000, xs.length);
    return { p50: r3(st.p50), p99: r3(st.p99), mean: r3(st.mean), max: r3(st.max), decisions: xs.length };
  };

  // Pick and apply it: the picked task leaves the index and a fresh arrival of the same
  // agent, class and requirements joins at the tail, so the queue size stays constant.
  // The whole batch is timed, and inside it the apply step on its own.
  const idRng = mulberry32(seed + 2);
  const freshIds = Array.from({ length: size.n.apply }, () => String.fromCharCode(...hexIdCodes("task_", 20, idRng)));
  let nextSeq = size.tasks + 1;
  let applyOnlyMs = 0;
  let applied = 0;
  const applyOne = (i: number) => {
    const p = pick(index, runnerAt(i), ctx);
    if (p.kind !== "task") return;
    const t = p.task;
    const id = freshIds[i] as string;
    const a0 = performance.now();
    index.remove(t.id);
    index.add({
      id,
      seq: nextSeq++,
      agent: t.agent,
      priority: t.priority,
      instance: id,
      req: t.req,
      avoid: [],
      queuedAtMs: NOW_MS,
    });
    applyOnlyMs += performance.now() - a0;
    applied++;
  };
  const applyUs: number[] = [];
  const applyOnlyUs: number[] = [];
  let applyMs = 0;
  for (let b = 0; b < size.n.apply; b += BATCH) {
    const [m0, n0] = [applyOnlyMs, applied];
    applyMs += timeBatches(b, Math.min(size.n.apply, b + BATCH), applyOne, applyUs);
    if (applied > n0) applyOnlyUs.push(((applyOnlyMs - m0) * 1000) / (applied - n0));
  }
  if (index.size !== size.tasks) throw new Error(`${size.name}: queue size drifted to ${index.size}`);

  const pickStats = stats(pickUs, pickMs, size.n.pick);
  const applyStats = stats(applyUs, applyMs, size.n.apply);
  const naiveStats = stats(naiveUs, naiveMs, size.n.naive);
  const out = {
    name: size.name,
    tasks: size.tasks,
    agents: size.agents,
    runners: size.runners,
    placement_groups: groups,
    priority_classes: [...index.classesDesc()].map((c) => c.priority),
    index_heap_mb: r2(indexBytes / 2 ** 20),
    index_heap_bytes_per_task: Math.round(indexBytes / size.tasks),
    index_heap_mb_unshared_requirements: r2(sharedBytes / 2 ** 20),
    index_build_ms: r2(buildMs),
    pick_us: roundStats(pickStats),
    pick_apply_us: roundStats(applyStats),
    apply_only_us: roundStats(stats(applyOnlyUs, applyOnlyMs, applied)),
    pick_us_by_outcome: { task: splitStats(split.task), none: splitStats(split.none) },
    naive_us: roundStats(naiveStats),
    ratio_naive_over_pick: r2(naiveStats.mean / pickStats.mean),
    ratio_naive_over_pick_p50: r2(naiveStats.p50 / pickStats.p50),
    none_share: r3(none / size.n.naive),
    seconds: r2((performance.now() - t0) / 1000),
  };
  log(
    `${size.name}: ${size.tasks} tasks × ${size.agents} agents × ${size.runners} runners: index ${out.index_heap_mb} MB, ` +
      `pick p50 ${out.pick_us.p50} µs p99 ${out.pick_us.p99} µs mean ${out.pick_us.mean} µs, pick+apply mean ${out.pick_apply_us.mean} µs, ` +
      `naive mean ${out.naive_us.mean} µs (×${out.ratio_naive_over_pick}), ${out.seconds} s`,
  );
  return out;
}

// ---- main -----------------------------------------------------------------

const started = performance.now();
// One seed for every size: A and A_tasks_x10 then share agents, runners, accounts and the runner
// sequence, and A's tasks are the first 10 000 of A_tasks_x10's, so only the task axis differs.
const sizes = SIZES.map((s) => runSize(s, 1000));
const byName = new Map(sizes.map((s) => [s.name, s]));
const ratio = (a: string, b: string, f: (s: (typeof sizes)[number]) => number) => {
  const x = byName.get(a);
  const y = byName.get(b);
  return x && y ? r2(f(x) / f(y)) : null;
};
const result = {
  date: new Date().toISOString(),
  quick,
  sizes,
  growth: {
    pick_mean_B_over_A: ratio("B", "A", (s) => s.pick_us.mean),
    pick_mean_tasks_x10_over_A: ratio("A_tasks_x10", "A", (s) => s.pick_us.mean),
    pick_apply_mean_B_over_A: ratio("B", "A", (s) => s.pick_apply_us.mean),
    pick_apply_mean_tasks_x10_over_A: ratio("A_tasks_x10", "A", (s) => s.pick_apply_us.mean),
    naive_mean_B_over_A: ratio("B", "A", (s) => s.naive_us.mean),
    naive_mean_tasks_x10_over_A: ratio("A_tasks_x10", "A", (s) => s.naive_us.mean),
  },
  aims: { pick_mean_us_at_A: 100, index_heap_mb_at_100k_tasks: 32 },
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "?",
    node: process.version,
    total_mem_gb: r2(totalmem() / 2 ** 30),
  },
  method: {
    runtime:
      "one Node process (--expose-gc), the pure scheduling core bundled by esbuild from src/; no Durable Object, no SQLite, no I/O",
    input:
      "seeded random: agents with 1–3 requirement variants (cpu 250–2000 m, memory 256–4096 MB; 25% with a region node_selector, 10% also a pool selector, 10% GPU affinity + toleration), classes 0/5/10; tasks spread over agents with Zipf s=0.6; runners eu/us/ap, 10% GPU (tainted), 30% with the browser capability, 5% dedicated to 5 agents; free = capacity × U(0,1) per kind, 10% of runners nearly full (nothing fits); accounts weight 1–4, 70% holding an allocation; busyInstances empty, otherRunnerFits false, starvationMs Infinity, nowMs fixed",
    index_heap:
      "global.gc() twice, process.memoryUsage().heapUsed before and after filling a QueueIndex; counts the index and its tasks only (agents, accounts and runners exist before). Each task has its own id/instance strings and points at one requirements object per distinct requirements text, as the TenantDO interns them; index_heap_mb_unshared_requirements: the same tasks each with its own parsed copy",
    timing: `performance.now() around batches of ${BATCH} decisions (${NAIVE_BATCH} for the naive scan) for runners drawn at random; per-decision µs = batch time / batch size; p50/p99/min/max over batches, mean = total time / decisions; JIT warm-up excluded; indexed and naive alternate in ${ROUNDS} rounds over the same runner sequence`,
    pick_us: "pick() alone over a fixed state (the decision is not applied)",
    pick_us_by_outcome: `pick() alone timed one decision at a time (performance.now() around each call) for the first ${N_SPLIT} runners of the sequence, split by outcome: a task found, or nothing fits the runner (that decision ranks every class and checks every placement group)`,
    pick_apply_us:
      "pick() and applying it to the index: index.remove(picked) and index.add of a fresh arrival (same agent, class and requirements, next seq), so the queue size stays constant; accounts and runner free vectors are left unchanged; timed per batch like pick_us. apply_only_us: the remove + add step alone (performance.now() around it, per applied decision, grouped by the same batches)",
    naive_us:
      "baseline: scan of a flat array of every queued task pre-sorted by (priority desc, seq) with the checks pick() applies (fitsStatically, busy instance, avoid, fitsResources on free), returning the first fit; DRF ignored; keeping that array sorted is not timed. Checked against pick(): both find a task for exactly the same runners",
  },
  seconds: r2((performance.now() - started) / 1000),
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
