// The peer: BullMQ (the most used Redis job queue in Node) against a real
// redis-server this script starts on a free port, on the same machine as our
// side and in the same `npm run bench` run.
//   node bench/bullmq.mjs [--quick] [--n N] [--workers 1,4,16]
// prints one JSON object on stdout ({bullmq: {...}}), progress on stderr.
// - pickup: queue.add() -> an idle Worker's processor starts (the Worker
//   blocked in Redis, in this process, concurrency 1), p50/p99;
// - throughput: jobs added with addBulk in chunks of 500 (as our side submits
//   500 tasks a call), processed by W Worker *processes* (children of this
//   one) with a no-op processor, at concurrency 1 and 50; the clock runs from
//   the first addBulk to the moment Redis counts all N jobs completed.
// Redis runs in memory only (no RDB snapshots, no AOF), on its own port and temp dir.
//   node bench/bullmq.mjs --worker <port> <queue> <concurrency> is one worker process.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { stats } from "./stats.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
// Options, not a client: BullMQ then opens and closes its own connections.
const connection = (port) => ({ host: "127.0.0.1", port, maxRetriesPerRequest: null });

if (argv[0] === "--worker") {
  // One worker process: a no-op processor; says "ready" once connected and blocking.
  const [, port, queue, concurrency] = argv;
  const worker = new Worker(queue, async () => null, {
    connection: connection(Number(port)),
    concurrency: Number(concurrency),
  });
  await worker.waitUntilReady();
  process.stdout.write("ready\n");
  process.on("SIGTERM", () => void worker.close().then(() => process.exit(0)));
} else await main();

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once("error", rej);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

async function startRedis(dir) {
  const port = await freePort();
  // No snapshots: nothing forks mid-run, and shutdown has nothing to save (a failed save makes
  // redis-server refuse SIGTERM once the temp dir is gone).
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  for (let i = 0; i < 100; i++) {
    const c = new Redis({
      host: "127.0.0.1",
      port,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    c.on("error", () => undefined); // not up yet: the loop tries again
    try {
      await c.connect();
      const info = await c.info("server");
      c.disconnect();
      return { port, child, version: /redis_version:(\S+)/.exec(info)?.[1] ?? "?" };
    } catch {
      c.disconnect();
      await sleep(50);
    }
  }
  child.kill("SIGKILL");
  throw new Error("redis-server did not start");
}

async function pickup(port, n, warmup) {
  const name = `pickup-${Date.now()}`;
  const queue = new Queue(name, { connection: connection(port) });
  let started = null;
  const worker = new Worker(
    name,
    async () => {
      started?.(now());
      return null;
    },
    { connection: connection(port), concurrency: 1 },
  );
  await worker.waitUntilReady();
  await queue.waitUntilReady();
  const out = [];
  for (let i = 0; i < n + warmup; i++) {
    const t1p = new Promise((r) => (started = r));
    await sleep(3); // the same settle time our side gives a parked poll
    const t0 = now();
    await queue.add("job", { i });
    const t1 = await t1p;
    if (i >= warmup) out.push(t1 - t0);
  }
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return stats(out);
}

async function throughput(port, n, workers, concurrency) {
  const name = `tp-${workers}-${concurrency}-${Date.now()}`;
  const queue = new Queue(name, { connection: connection(port) });
  await queue.waitUntilReady();
  const children = [];
  await Promise.all(
    Array.from({ length: workers }, () => {
      const child = spawn(
        process.execPath,
        [fileURLToPath(import.meta.url), "--worker", String(port), name, String(concurrency)],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      children.push(child);
      return new Promise((res, rej) => {
        child.stdout.on("data", (d) => d.toString().includes("ready") && res());
        child.once("exit", (code) => rej(new Error(`bullmq worker exited with ${code} before it was ready`)));
      });
    }),
  );
  const t0 = now();
  for (let i = 0; i < n; i += 500)
    await queue.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, j) => ({ name: "job", data: { i: i + j } })));
  let done = 0;
  while ((done = await queue.getCompletedCount()) < n) await sleep(2);
  const seconds = (now() - t0) / 1000;
  await Promise.all(children.map((c) => new Promise((r) => (c.once("exit", r), c.kill("SIGTERM")))));
  await queue.obliterate({ force: true });
  await queue.close();
  return { tasks: n, workers, concurrency, worker_processes: workers, seconds, tasks_per_s: n / seconds };
}

async function main() {
  const quick = argv.includes("--quick");
  const n = Number(arg("--n", quick ? 1000 : 5000));
  const workerCounts = arg("--workers", "1,4,16").split(",").map(Number);
  const dir = mkdtempSync(join(tmpdir(), "officeos-bullmq-"));
  const redis = await startRedis(dir);
  try {
    process.stderr.write(`bullmq: redis-server ${redis.version} on port ${redis.port}\n`);
    const pick = await pickup(redis.port, quick ? 100 : 1000, quick ? 20 : 100);
    process.stderr.write(`bullmq: pickup p50 ${pick.p50.toFixed(2)} ms\n`);
    const rows = [];
    for (const w of workerCounts)
      for (const c of [1, 50]) {
        const r = await throughput(redis.port, n, w, c);
        process.stderr.write(`bullmq: ${w} worker processes, concurrency ${c}: ${r.tasks_per_s.toFixed(0)} jobs/s\n`);
        rows.push(r);
      }
    const pkg = (p) => JSON.parse(readFileSync(join(HERE, "..", "node_modules", p, "package.json"), "utf8")).version;
    process.stdout.write(
      JSON.stringify({
        bullmq: {
          versions: { bullmq: pkg("bullmq"), ioredis: pkg("ioredis"), redis_server: redis.version },
          pickup_ms: pick,
          throughput: rows,
          method:
            "redis-server started by the bench on a free port, in memory only (--save \"\" --appendonly no); pickup: queue.add() -> an idle in-process Worker's processor starts, 3 ms settle before each add; throughput: addBulk in chunks of 500, W worker processes with a no-op processor, until Redis counts N completed (completed jobs kept, BullMQ's default)",
        },
      }),
    );
  } finally {
    await new Promise(
      (r) => (
        redis.child.once("exit", r),
        redis.child.kill("SIGTERM"),
        setTimeout(() => (redis.child.kill("SIGKILL"), r()), 5000).unref()
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}
