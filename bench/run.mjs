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
// docs/benchmarks.md.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { api, bootstrapTenant, ROOT, startControlPlane } from "../scripts/lib/stack.mjs";
import {
  batchedThroughput,
  dispatchLatency,
  floorLatency,
  IDLE_S,
  jsonChild,
  now,
  PARK_SETTLE_MS,
  runnerOverhead,
  throughput,
  WARMUP,
} from "./http.mjs";
import { renderResults, withResults } from "./render.mjs";
import { stats } from "./stats.mjs";

const quick = process.argv.includes("--quick");
const startedAt = performance.now();
const stage = (what) =>
  process.stderr.write(`bench: ${what} (${((performance.now() - startedAt) / 1000).toFixed(0)} s)\n`);
const loadAtStart = loadavg();
const N_DISPATCH = quick ? 100 : 1000;
const N_THROUGHPUT = quick ? 300 : 3000;
const N_BATCH = quick ? 1000 : 5000; // tasks a batched throughput row moves, ours and BullMQ's alike
const RUNNER_COUNTS = [1, 4, 16];

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
// Issue #16: the same spawn through the sandbox (bwrap, seccomp, the forwarder) against a plain one.
stage("agent spawn in the bwrap sandbox, beside a plain spawn");
const sandboxSpawn = await jsonChild(
  [join(ROOT, "bench/out/sandbox-spawn.mjs"), ...(quick ? ["--quick"] : [])],
  "sandbox_spawn",
);
process.stderr.write(
  `sandbox spawn: p50 ${sandboxSpawn.sandbox_ms?.p50} ms against plain ${sandboxSpawn.plain_ms?.p50} ms (+${sandboxSpawn.added_p50_ms} ms)\n`,
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

// wrangler dev answers 503 with this body when it reloaded the Worker under a request it could not
// replay (once in CI, at a registration; the cause is not known). The bench's API calls are registrations
// and deletions, harmless when repeated, so they are tried again, and the reloads are counted in the results.
const RELOADED = "Your worker restarted mid-request";
let reloads = 0;
const benchApi =
  (url, key) =>
  async (...args) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await api(url, key)(...args);
      } catch (e) {
        // A deletion the reload interrupted may have landed: its repeat finds nothing to delete.
        if (attempt > 1 && e.status === 404 && args[0] === "DELETE") return null;
        if (e.status !== 503 || !String(e.body).startsWith(RELOADED) || attempt >= 4) throw e;
        reloads++;
        process.stderr.write(`bench: wrangler reloaded the Worker under ${args[0]} ${args[1]}; trying again\n`);
      }
    }
  };

let results;
try {
  const keys = await bootstrapTenant(cp.url, ADMIN, "bench");
  const reg = (name) =>
    benchApi(cp.url, keys.runnerKey)("POST", "/v1/runners", {
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
  await benchApi(cp.url, keys.runnerKey)("DELETE", `/v1/runners/${soloRunner}`);
  const floorStats = stats(floorSamples);
  const floorWriteStats = stats(floorWriteSamples);
  const dispatchStats = stats(dispatchSamples);

  stage("throughput, one call per task");
  const runnerIds = await Promise.all([1, 2, 3, 4].map((i) => reg(`bench-${i}`)));
  const tp = await throughput(cp.url, keys, runnerIds, N_THROUGHPUT);
  for (const id of runnerIds) await benchApi(cp.url, keys.runnerKey)("DELETE", `/v1/runners/${id}`);

  stage("throughput, batched");
  // Batched throughput with 1, 4 and 16 runners, each count in a tenant of its own.
  const batched = [];
  for (const count of RUNNER_COUNTS) {
    const k = await bootstrapTenant(cp.url, ADMIN, `bench-batch-${count}`);
    const regK = (name) =>
      benchApi(cp.url, k.runnerKey)("POST", "/v1/runners", {
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
    wrangler_reloads: reloads,
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
    sandbox_spawn: sandboxSpawn,
    scheduler,
    checkpoints: { http: checkpointsHttp, peer: checkpointsPeer },
  };
} catch (e) {
  // The Worker's own log says why a request failed: print its end before the stack trace.
  const log = readFileSync(wranglerLog, "utf8").split("\n").slice(-40).join("\n");
  process.stderr.write(`bench: failed; the last lines of ${wranglerLog}:\n${log}\n`);
  throw e;
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
const readmePath = join(ROOT, "docs/benchmarks.md");
const readme = existsSync(readmePath) ? withResults(readFileSync(readmePath, "utf8"), md) : null;
if (readme !== null && !quick) writeFileSync(readmePath, readme);
process.stdout.write(md);
