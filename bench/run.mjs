// npm run bench [-- --quick]
// First, the scheduler's lease decision in-process (bench/scheduler.ts, bundled
// to bench/out/scheduler.mjs by scripts/build.mjs and run as a child process
// with --expose-gc): queue-index heap, pick() cost, naive-scan baseline.
// Then dispatch latency (submit -> a runner's parked long-poll holds the task) beside
// the platform floor (a bare Durable Object long-poll wake), measured in the
// same run on the same local workerd; and throughput submit -> lease ->
// complete with 4 runners. Writes bench/results.json and bench/results.md and
// refreshes the table in README.md.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { api, bootstrapTenant, ROOT, startControlPlane } from "../scripts/lib/stack.mjs";

const quick = process.argv.includes("--quick");
const N_DISPATCH = quick ? 100 : 1000;
const N_THROUGHPUT = quick ? 300 : 3000;
const WARMUP = quick ? 20 : 100;
const PARK_SETTLE_MS = 3; // time given to a new poll to park before the wake is sent, on both sides

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return { n: s.length, p50: q(50), p90: q(90), p99: q(99), mean: s.reduce((a, b) => a + b, 0) / s.length, max: s[s.length - 1] };
}

async function post(url, key, body) {
  const r = await fetch(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const j = await r.json();
  if (!r.ok) throw new Error(`${url}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

async function floorLatency(url, n, releasePath = "/release") {
  const out = [];
  for (let i = 0; i < n + WARMUP; i++) {
    let t1 = 0;
    const parked = fetch(`${url}/park`).then(async (r) => (await r.text(), (t1 = now())));
    await sleep(PARK_SETTLE_MS);
    const t0 = now();
    const rel = await (await fetch(`${url}${releasePath}`)).text();
    if (rel !== "1") throw new Error("floor: nothing was parked");
    await parked;
    if (i >= WARMUP) out.push(t1 - t0);
  }
  return out;
}

async function dispatchLatency(url, keys, runnerId, n) {
  const out = [];
  for (let i = 0; i < n + WARMUP; i++) {
    let t1 = 0;
    const poll = post(`${url}/v1/runners/${runnerId}/lease`, keys.runnerKey, { max_tasks: 1, wait_ms: 10_000 }).then((j) => ((t1 = now()), j));
    await sleep(PARK_SETTLE_MS);
    const t0 = now();
    const { task } = await post(`${url}/v1/tasks`, keys.submitKey, { agent: "echo", input: { i } });
    const { leases } = await poll;
    if (leases.length !== 1 || leases[0].task.id !== task.id) throw new Error(`dispatch: runner got ${JSON.stringify(leases).slice(0, 200)}`);
    if (i >= WARMUP) out.push(t1 - t0);
    await post(`${url}/v1/tasks/${task.id}/complete`, keys.runnerKey, { epoch: leases[0].epoch, result: null });
  }
  return out;
}

async function throughput(url, keys, runnerIds, n) {
  let done = 0;
  let submitted = 0;
  const t0 = now();
  let finish;
  const allDone = new Promise((r) => (finish = r));
  const stop = { v: false };
  const runnerLoop = async (id) => {
    while (!stop.v) {
      const { leases } = await post(`${url}/v1/runners/${id}/lease`, keys.runnerKey, { max_tasks: 32, wait_ms: 1000 });
      await Promise.all(
        leases.map(async (l) => {
          await post(`${url}/v1/tasks/${l.task.id}/complete`, keys.runnerKey, { epoch: l.epoch, result: null });
          if (++done === n) finish();
        }),
      );
    }
  };
  const loops = runnerIds.map(runnerLoop);
  const submitter = async () => {
    while (submitted < n) {
      submitted++;
      await post(`${url}/v1/tasks`, keys.submitKey, { agent: "echo", input: null });
    }
  };
  await Promise.all(Array.from({ length: 16 }, submitter));
  await allDone;
  const seconds = (now() - t0) / 1000;
  stop.v = true;
  await Promise.all(loops);
  return { tasks: n, runners: runnerIds.length, seconds, tasks_per_s: n / seconds };
}

// The scheduler bench runs alone, before wrangler starts, so nothing else competes for the cores.
function schedulerBench() {
  const bundle = join(ROOT, "bench/out/scheduler.mjs");
  if (!existsSync(bundle)) throw new Error("bench/out/scheduler.mjs is missing: run `node scripts/build.mjs` first (`npm run bench` does)");
  const r = spawnSync(process.execPath, ["--expose-gc", bundle, ...(quick ? ["--quick"] : [])], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"], // progress on stderr, the JSON on stdout
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`scheduler bench exited with ${r.status ?? r.signal}`);
  return JSON.parse(r.stdout);
}
const scheduler = schedulerBench();

const dir = mkdtempSync(join(tmpdir(), "officeos-bench-"));
const ADMIN = "bench-operator";
const floor = await startControlPlane({ config: join(ROOT, "bench/floor/wrangler.toml"), persistTo: join(dir, "floor") });
const cp = await startControlPlane({ persistTo: join(dir, "state"), adminToken: ADMIN });
let results;
try {
  const keys = await bootstrapTenant(cp.url, ADMIN, "bench");
  const reg = (name) => api(cp.url, keys.runnerKey)("POST", "/v1/runners", { name, capacity: { cpu: 1e9, memory_mb: 1e9 }, lease_ttl_ms: 60_000 }).then((r) => r.runner.id);
  const soloRunner = await reg("bench-solo");

  // Interleave the two sides in rounds so drift on the machine hits both alike.
  const floorSamples = [];
  const floorWriteSamples = [];
  const dispatchSamples = [];
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    floorSamples.push(...(await floorLatency(floor.url, N_DISPATCH / rounds)));
    floorWriteSamples.push(...(await floorLatency(floor.url, N_DISPATCH / rounds, "/release-write")));
    dispatchSamples.push(...(await dispatchLatency(cp.url, keys, soloRunner, N_DISPATCH / rounds)));
  }
  await api(cp.url, keys.runnerKey)("DELETE", `/v1/runners/${soloRunner}`);
  const floorStats = stats(floorSamples);
  const floorWriteStats = stats(floorWriteSamples);
  const dispatchStats = stats(dispatchSamples);

  const runnerIds = await Promise.all([1, 2, 3, 4].map((i) => reg(`bench-${i}`)));
  const tp = await throughput(cp.url, keys, runnerIds, N_THROUGHPUT);

  results = {
    date: new Date().toISOString(),
    quick,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? "?", node: process.version },
    method: {
      runtime: "wrangler dev (local workerd), SQLite-backed Durable Objects persisted to a temp dir",
      client: "Node fetch with keep-alive from the bench process; the runner side speaks the runner HTTP protocol (lease long-poll, complete) without spawning agent processes",
      park_settle_ms: PARK_SETTLE_MS,
      warmup: WARMUP,
    },
    dispatch_ms: dispatchStats,
    floor_ms: floorStats,
    floor_with_write_ms: floorWriteStats,
    ratio_p50: dispatchStats.p50 / floorStats.p50,
    ratio_p99: dispatchStats.p99 / floorStats.p99,
    throughput: tp,
    scheduler,
  };
} finally {
  await cp.stop();
  await floor.stop();
  rmSync(dir, { recursive: true, force: true });
}

const f = (x) => x.toFixed(2);
const us = (x) => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(x < 10 ? 1 : 0)} µs`);
const num = (x) => x.toLocaleString("en-US");
const sizeRows = scheduler.sizes
  .map(
    (s) =>
      `| ${s.name}: ${num(s.tasks)} tasks × ${num(s.agents)} agents × ${num(s.runners)} runners | ${s.index_heap_mb.toFixed(1)} MB | ${us(s.pick_us.p50)} | ${us(s.pick_us.p99)} | ${us(s.pick_us.mean)} | ` +
      `${s.pick_us_by_outcome.task ? us(s.pick_us_by_outcome.task.mean) : "–"} / ${s.pick_us_by_outcome.none ? us(s.pick_us_by_outcome.none.mean) : "–"} | ${us(s.pick_apply_us.mean)} | ${us(s.naive_us.mean)} | ${s.ratio_naive_over_pick.toFixed(1)}× |`,
  )
  .join("\n");
const g = scheduler.growth;
const growth = [
  g.pick_mean_B_over_A !== null ? `B / A ${g.pick_mean_B_over_A.toFixed(2)}×` : null,
  g.pick_mean_tasks_x10_over_A !== null ? `tasks ×10 alone ${g.pick_mean_tasks_x10_over_A.toFixed(2)}×` : null,
].filter(Boolean);
const schedulerMd = `| scheduler lease decision (in-process) | index heap | pick p50 | pick p99 | pick mean | mean: task found / nothing fits | pick + apply mean | naive scan mean | naive / pick |
|---|---|---|---|---|---|---|---|---|
${sizeRows}

pick() for a runner drawn at random, over a fixed queue; p50/p99 over batches of 100 decisions; pick + apply also removes the picked task from the index and adds a fresh arrival. Naive scan: the first fitting task in (priority desc, seq) order over a flat list of every queued task, DRF ignored.${growth.length ? ` Growth of the pick mean: ${growth.join(", ")}.` : ""} Aims: under 100 µs a decision at A; 100 000 queued tasks indexed in under 32 MB.
`;
const md = `| figure | p50 | p90 | p99 | note |
|---|---|---|---|---|
| dispatch: submit → parked runner long-poll holds the task | ${f(results.dispatch_ms.p50)} ms | ${f(results.dispatch_ms.p90)} ms | ${f(results.dispatch_ms.p99)} ms | ${results.dispatch_ms.n} tasks |
| platform floor: bare Durable Object long-poll wake | ${f(results.floor_ms.p50)} ms | ${f(results.floor_ms.p90)} ms | ${f(results.floor_ms.p99)} ms | ${results.floor_ms.n} wakes, same run |
| floor + one durable SQLite write before the wake | ${f(results.floor_with_write_ms.p50)} ms | ${f(results.floor_with_write_ms.p90)} ms | ${f(results.floor_with_write_ms.p99)} ms | what any durable dispatch pays |
| ratio dispatch / floor | ${f(results.ratio_p50)}× | | ${f(results.ratio_p99)}× | aim ≤ 1.5× at p50 |

| throughput | tasks/s | note |
|---|---|---|
| submit → lease → complete, ${results.throughput.runners} runners | ${results.throughput.tasks_per_s.toFixed(0)} | ${results.throughput.tasks} tasks, 16 concurrent submitters, one task per submit call |

${schedulerMd}
Measured ${results.date.slice(0, 10)} on ${results.machine.cores} cores (${results.machine.cpu}), Node ${results.machine.node}${quick ? ", **quick run**" : ""}; local workerd through \`wrangler dev\`; the scheduler rows in one Node process on the pure core (\`bench/scheduler.ts\`), before wrangler starts.
`;
writeFileSync(join(ROOT, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(ROOT, "bench/results.md"), md);
const readmePath = join(ROOT, "README.md");
try {
  const readme = readFileSync(readmePath, "utf8");
  const re = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (re.test(readme) && !quick) writeFileSync(readmePath, readme.replace(re, `$1${md}$2`));
} catch {
  /* no README yet */
}
process.stdout.write(md);
