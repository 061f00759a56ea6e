// The cost of starting one agent process the way the runner does it
// (agent-runner/src/task-run.ts): a task cgroup created and limited by
// TaskCgroup (cgroup v2 or v1; rlimits when neither is usable), the command
// wrapped to join it, spawned; the clock stops when the process's first
// runtime-API request (GET /task) reaches a loopback HTTP server here. Beside
// it, in the same rounds, the baseline: the same `node -e` program spawned
// plainly. Prints one JSON object on stdout ({agent_spawn: {...}}).
//   node bench/out/agent-spawn.mjs [--quick]
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { detectCgroups, TaskCgroup } from "../agent-runner/src/cgroup.js";
import { stats } from "./stats.mjs";

const quick = process.argv.includes("--quick");
const N = quick ? 20 : 100;
const WARMUP = quick ? 3 : 10;
const now = (): number => performance.now();

const arrivals = new Map<string, (t: number) => void>();
const server = createServer((req, res) => {
  const t = now();
  const id = /^\/task\/(\w+)$/.exec(req.url ?? "")?.[1];
  if (id) arrivals.get(id)?.(t);
  res.writeHead(200, { "content-type": "application/json" }).end("{}");
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

/** The agent: its first act is the runtime API call an SDK agent makes (GET /task). */
const program =
  "fetch(process.env.OFFICEOS_RUNTIME_API + '/task/' + process.env.OFFICEOS_TASK_ID).then((r) => r.text()).then(() => process.exit(0))";

async function once(id: string, cgroup: boolean, setup: Awaited<ReturnType<typeof detectCgroups>>): Promise<number> {
  const arrived = new Promise<number>((r) => arrivals.set(id, r));
  const t0 = now();
  let cmd = process.execPath;
  let args = ["-e", program];
  let cg: TaskCgroup | null = null;
  if (cgroup) {
    cg = await TaskCgroup.create(setup, `bench-${id}`, { cpuMillis: 1000, memoryMb: 256, pidsMax: 512 });
    [cmd, args] = cg.wrap(cmd, args);
  }
  const child = spawn(cmd, args, {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", OFFICEOS_RUNTIME_API: base, OFFICEOS_TASK_ID: id },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const t1 = await Promise.race([
    arrived,
    exited.then((code) => Promise.reject(new Error(`agent exited with ${code} before its first call`))),
  ]);
  await exited;
  arrivals.delete(id);
  await cg?.destroy();
  return t1 - t0;
}

const setup = await detectCgroups({ mode: "auto", root: "/sys/fs/cgroup", name: "officeos-bench" });
const plain: number[] = [];
const ours: number[] = [];
for (let i = 0; i < N + WARMUP; i++) {
  const a = await once(`p${i}`, false, setup);
  const b = await once(`c${i}`, true, setup);
  if (i >= WARMUP) plain.push(a), ours.push(b);
}
server.close();
const cg = stats(ours);
const bl = stats(plain);
process.stdout.write(
  JSON.stringify({
    agent_spawn: {
      mode: setup.mode,
      ...(setup.mode === "rlimit" ? { why_no_cgroups: setup.reason } : {}),
      in_cgroup_ms: cg,
      plain_spawn_ms: bl,
      overhead_p50_ms: cg.p50 - bl.p50,
      ratio_p50: cg.p50 / bl.p50,
      method: `${N} spawns a side after ${WARMUP} warm-up, interleaved; from the spawn decision (cgroup creation and limit writes included) to the agent's first runtime-API request (GET /task over loopback HTTP, Node fetch) arriving; agent: node -e; limits cpu 1000m, memory 256 MB, pids 512; cgroup removed after each exit, untimed`,
    },
  }),
);
