// npm run bench [-- --quick]
// First, the scheduler's lease decision in-process (bench/scheduler.ts, bundled
// to bench/out/scheduler.mjs by scripts/build.mjs and run as a child process
// with --expose-gc): queue-index heap, pick() cost, naive-scan baseline.
// Then dispatch latency (submit -> a runner's parked long-poll holds the task) beside
// the platform floor (a bare Durable Object long-poll wake), measured in the
// same run on the same local workerd; and throughput submit -> lease ->
// complete with 4 runners. Then the checkpoint benchmarks (bench/checkpoints.ts,
// bundled to bench/out/checkpoints.mjs): LangGraph.js's savers against our
// records in-process before wrangler starts, and full and delta checkpoints
// through the HTTP path beside the bare Durable Object floor in the same run.
// Writes bench/results.json and bench/results.md and refreshes the table in
// README.md.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { api, bootstrapTenant, ROOT, startControlPlane, startRunner } from "../scripts/lib/stack.mjs";
import { LEASE_BATCH, renderResults, withResults } from "./render.mjs";

const quick = process.argv.includes("--quick");
const startedAt = performance.now();
const stage = (what) =>
  process.stderr.write(`bench: ${what} (${((performance.now() - startedAt) / 1000).toFixed(0)} s)\n`);
const loadAtStart = loadavg();
const N_DISPATCH = quick ? 100 : 1000;
const N_THROUGHPUT = quick ? 300 : 3000;
const N_BATCH = quick ? 1000 : 5000; // tasks a batched throughput row moves, ours and BullMQ's alike
const RUNNER_COUNTS = [1, 4, 16];
const IDLE_S = quick ? 3 : 30; // how long the real runner process idles in long-poll while measured
const IDLE_SETTLE_S = quick ? 2 : 5; // after "runner ready": its first poll parks, V8 collects start-up garbage
const WARMUP = quick ? 20 : 100;
const PARK_SETTLE_MS = 3; // time given to a new poll to park before the wake is sent, on both sides

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return {
    n: s.length,
    p50: q(50),
    p90: q(90),
    p99: q(99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    max: s[s.length - 1],
  };
}

const socketError = (e) => e?.cause?.code === "UND_ERR_SOCKET";

/** POST JSON; `alsoOk` statuses (a 409 for an outcome sent again) return their body instead of throwing. */
async function post(url, key, body, alsoOk = [], extraHeaders = {}) {
  const send = () =>
    fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...extraHeaders },
      body: JSON.stringify(body),
    });
  let r;
  try {
    r = await send();
  } catch (e) {
    // A keep-alive connection the local proxy closed while idle, picked for this request just then
    // (seen once on a loaded machine): once more on a fresh one.
    if (!socketError(e)) throw e;
    process.stderr.write(`bench: ${url}: ${e.cause.message}; sent again\n`);
    r = await send();
  }
  const j = await r.json();
  if (!r.ok && !alsoOk.includes(r.status)) throw new Error(`${url}: ${r.status} ${JSON.stringify(j)}`);
  return j;
}

async function floorLatency(url, n, releasePath = "/release") {
  const out = [];
  for (let i = 0; i < n + WARMUP; i++) {
    let t1 = 0;
    // Settles true when woken, false when its connection was lost; never rejects (it is awaited late).
    const parked = fetch(`${url}/park`).then(
      async (r) => (await r.text(), (t1 = now()), true),
      (e) => {
        if (!socketError(e)) throw e;
        process.stderr.write(`bench: floor park lost (${e.cause.message}); sample dropped\n`);
        return false;
      },
    );
    parked.catch(() => undefined);
    await sleep(PARK_SETTLE_MS);
    const t0 = now();
    const rel = await fetch(`${url}${releasePath}`).then(
      (r) => r.text(),
      (e) => (socketError(e) ? "lost" : Promise.reject(e)),
    );
    if (rel === "1") {
      if ((await parked) && i >= WARMUP) out.push(t1 - t0);
      continue;
    }
    // The park had not arrived yet (a loaded machine) or a connection was lost: wake it once it is
    // there, and drop the sample, so nothing is left parked for the next one.
    let done = false;
    void parked.then(() => (done = true));
    while (!done) {
      const again = await fetch(`${url}/release`).then(
        (r) => r.text(),
        () => "lost",
      );
      if (again === "1") break;
      await sleep(5);
    }
    await parked;
    i--;
  }
  return out;
}

async function dispatchLatency(url, keys, runnerId, n, round) {
  const out = [];
  for (let i = 0; i < n + WARMUP; i++) {
    let t1 = 0;
    const poll = post(`${url}/v1/runners/${runnerId}/lease`, keys.runnerKey, { max_tasks: 1, wait_ms: 10_000 }).then(
      (j) => ((t1 = now()), j),
    );
    poll.catch(() => undefined);
    await sleep(PARK_SETTLE_MS);
    const t0 = now();
    // The key makes the submit safe to send again (post() does, once, on a connection the proxy closed).
    const { task } = await post(`${url}/v1/tasks`, keys.submitKey, {
      agent: "echo",
      input: { i },
      idempotency_key: `dispatch-${round}-${i}`,
    });
    const { leases } = await poll;
    if (leases.length !== 1 || leases[0].task.id !== task.id)
      throw new Error(`dispatch: runner got ${JSON.stringify(leases).slice(0, 200)}`);
    if (i >= WARMUP) out.push(t1 - t0);
    await post(`${url}/v1/tasks/${task.id}/complete`, keys.runnerKey, { epoch: leases[0].epoch, result: null }, [409], {
      "officeos-lease-token": leases[0].lease_token,
    });
  }
  return out;
}

/**
 * Submit -> lease -> complete of `n` tasks through `runnerIds`, timed from the first submit to the
 * n-th completion. Each runner loop leases up to `maxTasks` a poll and hands the leases to
 * `complete`, which answers how many it completed; `submitAll` submits the n tasks.
 */
async function moveTasks(url, keys, runnerIds, n, { maxTasks, complete, submitAll }) {
  let done = 0;
  let polls = 0;
  const t0 = now();
  let finish;
  const allDone = new Promise((r) => (finish = r));
  const stop = { v: false };
  const runnerLoop = async (id) => {
    while (!stop.v) {
      const { leases } = await post(`${url}/v1/runners/${id}/lease`, keys.runnerKey, {
        max_tasks: maxTasks,
        wait_ms: 1000,
      });
      polls++;
      if (leases.length === 0) continue;
      const completed = await complete(id, leases); // read `done` only after the await: loops run concurrently
      done += completed;
      if (done >= n) finish();
    }
  };
  const loops = runnerIds.map(runnerLoop);
  await submitAll();
  await allDone;
  const seconds = (now() - t0) / 1000;
  stop.v = true;
  await Promise.all(loops);
  return { tasks: n, runners: runnerIds.length, seconds, tasks_per_s: n / seconds, polls };
}

// One call per submit (16 submitters at once) and one per complete.
async function throughput(url, keys, runnerIds, n) {
  let submitted = 0;
  const submitter = async () => {
    while (submitted < n) {
      submitted++;
      await post(`${url}/v1/tasks`, keys.submitKey, { agent: "echo", input: null });
    }
  };
  const { polls: _polls, ...r } = await moveTasks(url, keys, runnerIds, n, {
    maxTasks: 32,
    complete: async (_id, leases) => {
      await Promise.all(
        leases.map((l) =>
          post(`${url}/v1/tasks/${l.task.id}/complete`, keys.runnerKey, { epoch: l.epoch, result: null }, [409], {
            "officeos-lease-token": l.lease_token,
          }),
        ),
      );
      return leases.length;
    },
    submitAll: () => Promise.all(Array.from({ length: 16 }, submitter)),
  });
  return r;
}

// Batched: tasks submitted 500 a call (POST /v1/tasks/batch), leased up to LEASE_BATCH a poll,
// completed in one POST /v1/runners/{id}/report a poll. The runners are loops in this process
// speaking the runner protocol (no agent processes), as BullMQ's side runs a no-op processor.
async function batchedThroughput(url, keys, runnerIds, n) {
  let calls = 0;
  const r = await moveTasks(url, keys, runnerIds, n, {
    maxTasks: LEASE_BATCH,
    complete: async (id, leases) => {
      calls++;
      const { items } = await post(`${url}/v1/runners/${id}/report`, keys.runnerKey, {
        reports: leases.map((l) => ({
          task_id: l.task.id,
          epoch: l.epoch,
          lease_token: l.lease_token,
          outcome: "complete",
          result: null,
        })),
      });
      // A 409 can only be an outcome already applied by a report post() sent again.
      const bad = items.find((i) => i.status !== 200 && i.status !== 409);
      if (bad) throw new Error(`report: ${JSON.stringify(bad)}`);
      return items.filter((i) => i.status === 200).length;
    },
    submitAll: async () => {
      for (let i = 0; i < n; i += 500) {
        const { items } = await post(`${url}/v1/tasks/batch`, keys.submitKey, {
          tasks: Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ agent: "echo", input: { i: i + j } })),
        });
        calls++;
        if (items.some((it) => it.status !== 201)) throw new Error("batch submit: an item was refused");
      }
    },
  });
  const { polls, ...rest } = r;
  return { ...rest, http_calls: calls + polls, calls_per_task: (calls + polls) / n };
}

/** utime + stime (clock ticks) and VmRSS / VmHWM (kB) of a process, from /proc. */
function procSample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { ticks: Number(fields[11]) + Number(fields[12]), at: now(), rss_kb: kb("VmRSS"), hwm_kb: kb("VmHWM") };
}

// One real runner process (agent-runner/dist/officeos-runner.mjs) registered and idle in its
// long-poll (20 s polls, heartbeats every lease_ttl/3): its RSS and CPU over IDLE_S seconds.
async function runnerOverhead(url, keys, dir) {
  const r = startRunner({ dir, name: "bench-idle", url, key: keys.runnerKey });
  try {
    await r.waitForLog((e) => e.msg === "runner ready", 60_000);
    await sleep(IDLE_SETTLE_S * 1000);
    const a = procSample(r.child.pid);
    await sleep(IDLE_S * 1000);
    const b = procSample(r.child.pid);
    const clk = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
    const cpuS = (b.ticks - a.ticks) / clk;
    const wallS = (b.at - a.at) / 1000;
    return {
      idle_seconds: wallS,
      cpu_seconds: cpuS,
      cpu_percent_of_core: (100 * cpuS) / wallS,
      rss_mb: b.rss_kb / 1024,
      peak_rss_mb: b.hwm_kb / 1024,
      clk_tck: clk,
    };
  } finally {
    await r.stop();
  }
}

function jsonChild(args, key) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code !== 0) return reject(new Error(`${args.join(" ")} exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(out)[key]);
      } catch (e) {
        reject(e);
      }
    });
  });
}

// The scheduler bench runs alone, before wrangler starts, so nothing else competes for the cores.
function schedulerBench() {
  const bundle = join(ROOT, "bench/out/scheduler.mjs");
  if (!existsSync(bundle))
    throw new Error("bench/out/scheduler.mjs is missing: run `node scripts/build.mjs` first (`npm run bench` does)");
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
stage("scheduler core, in-process");
const scheduler = schedulerBench();

// The checkpoint bench: its `peer` part (in-process, LangGraph.js savers) before wrangler starts too,
// its `http` part against the running stack. Both print one JSON object on stdout, progress on stderr.
const checkpointsBundle = join(ROOT, "bench/out/checkpoints.mjs");
if (!existsSync(checkpointsBundle))
  throw new Error("bench/out/checkpoints.mjs is missing: run `node scripts/build.mjs` first (`npm run bench` does)");
function checkpointsBench(part, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [checkpointsBundle, part, ...(quick ? ["--quick"] : [])], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code !== 0) return reject(new Error(`checkpoint bench (${part}) exited with ${code ?? signal}`));
      try {
        resolve(JSON.parse(out)[part]);
      } catch (e) {
        reject(e);
      }
    });
  });
}
stage("checkpoints beside LangGraph, in-process");
const checkpointsPeer = await checkpointsBench("peer");

// The peers that need no control plane, before wrangler starts: BullMQ against its own redis-server
// (same task count and worker counts as our throughput rows), and one agent spawn in its cgroup.
stage("BullMQ against its own redis-server");
const bullmq = await jsonChild(
  [
    join(ROOT, "bench/bullmq.mjs"),
    "--n",
    String(N_BATCH),
    "--workers",
    RUNNER_COUNTS.join(","),
    ...(quick ? ["--quick"] : []),
  ],
  "bullmq",
);
stage("agent spawn in its cgroup");
const agentSpawn = await jsonChild(
  [join(ROOT, "bench/out/agent-spawn.mjs"), ...(quick ? ["--quick"] : [])],
  "agent_spawn",
);

stage("starting wrangler dev");
const dir = mkdtempSync(join(tmpdir(), "officeos-bench-"));
const ADMIN = "bench-operator";
const floor = await startControlPlane({
  config: join(ROOT, "bench/floor/wrangler.toml"),
  persistTo: join(dir, "floor"),
});
// wrangler's own output goes to bench/out/wrangler.log (git-ignored), to read when a run fails.
const wranglerLog = join(ROOT, "bench/out/wrangler.log");
writeFileSync(wranglerLog, "");
// Per-key rate limits (issue #7) are off: the bench measures the scheduler, not the limiter.
const cp = await startControlPlane({
  persistTo: join(dir, "state"),
  adminToken: ADMIN,
  vars: { OFFICEOS_RATE_RPS: "0", OFFICEOS_RUNNER_RATE_RPS: "0" },
  log: (t) => appendFileSync(wranglerLog, t),
});

let results;
try {
  const keys = await bootstrapTenant(cp.url, ADMIN, "bench");
  const reg = (name) =>
    api(cp.url, keys.runnerKey)("POST", "/v1/runners", {
      name,
      capacity: { cpu: 1e9, memory_mb: 1e9 },
      lease_ttl_ms: 60_000,
    }).then((r) => r.runner.id);
  const soloRunner = await reg("bench-solo");

  stage("dispatch beside the floor");
  // Interleave the two sides in rounds so drift on the machine hits both alike.
  const floorSamples = [];
  const floorWriteSamples = [];
  const dispatchSamples = [];
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    floorSamples.push(...(await floorLatency(floor.url, N_DISPATCH / rounds)));
    floorWriteSamples.push(...(await floorLatency(floor.url, N_DISPATCH / rounds, "/release-write")));
    dispatchSamples.push(...(await dispatchLatency(cp.url, keys, soloRunner, N_DISPATCH / rounds, r)));
  }
  await api(cp.url, keys.runnerKey)("DELETE", `/v1/runners/${soloRunner}`);
  const floorStats = stats(floorSamples);
  const floorWriteStats = stats(floorWriteSamples);
  const dispatchStats = stats(dispatchSamples);

  stage("throughput, one call per task");
  const runnerIds = await Promise.all([1, 2, 3, 4].map((i) => reg(`bench-${i}`)));
  const tp = await throughput(cp.url, keys, runnerIds, N_THROUGHPUT);
  for (const id of runnerIds) await api(cp.url, keys.runnerKey)("DELETE", `/v1/runners/${id}`);

  stage("throughput, batched");
  // Batched throughput with 1, 4 and 16 runners, each count in a tenant of its own.
  const batched = [];
  for (const count of RUNNER_COUNTS) {
    const k = await bootstrapTenant(cp.url, ADMIN, `bench-batch-${count}`);
    const regK = (name) =>
      api(cp.url, k.runnerKey)("POST", "/v1/runners", {
        name,
        capacity: { cpu: 1e9, memory_mb: 1e9 },
        lease_ttl_ms: 60_000,
      }).then((r) => r.runner.id);
    const ids = await Promise.all(Array.from({ length: count }, (_, i) => regK(`batch-${count}-${i}`)));
    batched.push(await batchedThroughput(cp.url, k, ids, N_BATCH));
    process.stderr.write(
      `ours batched, ${count} runners: ${batched[batched.length - 1].tasks_per_s.toFixed(0)} tasks/s\n`,
    );
  }

  stage(`one idle runner process for ${IDLE_S} s`);
  const runnerIdle = await runnerOverhead(cp.url, keys, dir);
  stage("checkpoints over HTTP");

  // Checkpoints, in a tenant of their own, beside the floor.
  const cpKeys = await bootstrapTenant(cp.url, ADMIN, "bench-checkpoints");
  const checkpointsHttp = await checkpointsBench("http", {
    OFFICEOS_BENCH_CP_URL: cp.url,
    OFFICEOS_BENCH_FLOOR_URL: floor.url,
    OFFICEOS_BENCH_RUNNER_KEY: cpKeys.runnerKey,
    OFFICEOS_BENCH_SUBMIT_KEY: cpKeys.submitKey,
  });

  results = {
    date: new Date().toISOString(),
    quick,
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? "?",
      node: process.version,
      loadavg_at_start: loadAtStart,
      loadavg_at_end: loadavg(),
    },
    duration_s: (now() - startedAt) / 1000,
    method: {
      runtime: "wrangler dev (local workerd), SQLite-backed Durable Objects persisted to a temp dir",
      client:
        "Node fetch with keep-alive from the bench process; the runner side speaks the runner HTTP protocol (lease long-poll, complete) without spawning agent processes",
      park_settle_ms: PARK_SETTLE_MS,
      warmup: WARMUP,
    },
    dispatch_ms: dispatchStats,
    floor_ms: floorStats,
    floor_with_write_ms: floorWriteStats,
    ratio_p50: dispatchStats.p50 / floorStats.p50,
    ratio_p99: dispatchStats.p99 / floorStats.p99,
    throughput: tp,
    throughput_batched: batched,
    bullmq,
    peer_ratios: {
      dispatch_p50_ours_over_bullmq: dispatchStats.p50 / bullmq.pickup_ms.p50,
      dispatch_p99_ours_over_bullmq: dispatchStats.p99 / bullmq.pickup_ms.p99,
      throughput: batched.map((o) => {
        const peer = (c) => bullmq.throughput.find((b) => b.workers === o.runners && b.concurrency === c);
        return {
          runners: o.runners,
          ours_over_bullmq_c50: o.tasks_per_s / peer(50).tasks_per_s,
          ours_over_bullmq_c1: o.tasks_per_s / peer(1).tasks_per_s,
        };
      }),
    },
    runner_idle: runnerIdle,
    agent_spawn: agentSpawn,
    scheduler,
    checkpoints: { http: checkpointsHttp, peer: checkpointsPeer },
  };
} finally {
  await cp.stop();
  await floor.stop();
  rmSync(dir, { recursive: true, force: true });
}

// Inline against spilled checkpoint records (bench/spill.mjs starts its own redis-server, bridge and
// control planes, so it runs after the main stack is down). It is what the default spill threshold is
// chosen from.
stage("checkpoint spill to Redis");
results.spill = await new Promise((resolve, reject) => {
  const child = spawn(process.execPath, [join(ROOT, "bench/spill.mjs"), ...(quick ? ["--quick"] : [])], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.on("error", reject);
  child.on("exit", (code) =>
    code === 0 ? resolve(JSON.parse(out).spill) : reject(new Error(`spill bench exited with ${code}`)),
  );
});
const md = renderResults(results);
results.duration_s = (now() - startedAt) / 1000;
process.stderr.write(`bench: ${results.duration_s.toFixed(0)} s in all${quick ? " (quick)" : ""}\n`);
// A quick run is a smoke test: its figures go to bench/out (git-ignored), never over the committed results.
const outBase = quick ? join(ROOT, "bench/out/results-quick") : join(ROOT, "bench/results");
writeFileSync(`${outBase}.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${outBase}.md`, md);
const readmePath = join(ROOT, "README.md");
const readme = existsSync(readmePath) ? withResults(readFileSync(readmePath, "utf8"), md) : null;
if (readme !== null && !quick) writeFileSync(readmePath, readme);
process.stdout.write(md);
