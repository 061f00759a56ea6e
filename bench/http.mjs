// The HTTP measurements of `npm run bench` (bench/run.mjs): dispatch latency beside the bare Durable
// Object floor, throughput one call per task and batched, and one idle runner process's footprint.
// Sizes follow `--quick` on the command line, as in run.mjs.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ROOT, startRunner } from "../scripts/lib/stack.mjs";
import { LEASE_BATCH } from "./render.mjs";

const quick = process.argv.includes("--quick");
export const IDLE_S = quick ? 3 : 30; // how long the real runner process idles in long-poll while measured
export const IDLE_SETTLE_S = quick ? 2 : 5; // after "runner ready": its first poll parks, V8 collects start-up garbage
export const WARMUP = quick ? 20 : 100;
export const PARK_SETTLE_MS = 3; // time given to a new poll to park before the wake is sent, on both sides

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();

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

export async function floorLatency(url, n, releasePath = "/release") {
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

export async function dispatchLatency(url, keys, runnerId, n, round) {
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
export async function throughput(url, keys, runnerIds, n) {
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
export async function batchedThroughput(url, keys, runnerIds, n) {
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
export async function runnerOverhead(url, keys, dir) {
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

export function jsonChild(args, key) {
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
