// What the bwrap sandbox costs (issue #16): an agent spawned the way the runner spawns it under
// bwrap — task cgroup, bwrap with the mount policy and seccomp filter, setpriv to a task uid, the
// init and the runtime-API forwarder (socat) — against the same agent spawned plainly (cgroup only,
// setpriv to the same uid). The clock stops when the agent's first runtime-API request (GET /task)
// reaches the server here; then the agent times 20 more round trips itself (inside: through the
// forwarder and the Unix socket; outside: straight to loopback) and posts them. Prints one JSON
// object ({sandbox_spawn: {...}}). Needs root, bwrap and socat.
//   node bench/out/sandbox-spawn.mjs [--quick]
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, chownSync } from "node:fs";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectCgroups, TaskCgroup } from "../agent-runner/src/cgroup.js";
import { DEFAULT_POLICY, detectIsolation, sandboxArgv, SECCOMP_FD } from "../agent-runner/src/sandbox.js";
import { seccompProgram } from "../agent-runner/src/seccomp.js";

const quick = process.argv.includes("--quick");
const N = quick ? 15 : 60;
const WARMUP = quick ? 2 : 5;
const UID = 61999;
const now = (): number => performance.now();

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(q(50)), p99: r(q(99)), max: r(s[s.length - 1] as number) };
}

if (process.getuid?.() !== 0) {
  console.log(JSON.stringify({ sandbox_spawn: { skipped: "needs root" } }));
  process.exit(0);
}
const iso = await detectIsolation("bwrap", true);
if (iso.kind !== "bwrap") {
  console.log(
    JSON.stringify({ sandbox_spawn: { skipped: `bwrap unusable: ${iso.kind === "none" ? iso.reason : iso.kind}` } }),
  );
  process.exit(0);
}

const arrivals = new Map<string, (t: number) => void>();
const trips = new Map<string, number[]>();
const server = createServer((req, res) => {
  const t = now();
  const m = /^\/task\/(\w+)(\/done)?$/.exec(req.url ?? "");
  if (m?.[2]) {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => (trips.set(m[1] as string, JSON.parse(body) as number[]), res.end("{}")));
    return;
  }
  if (m) arrivals.get(m[1] as string)?.(t);
  res.writeHead(200, { "content-type": "application/json" }).end("{}");
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const port = (server.address() as AddressInfo).port;
const root = mkdtempSync(join(tmpdir(), "officeos-bench-sandbox-"));
const sock = join(root, "runtime.sock");
const unix = createNetServer((s) => server.emit("connection", s));
await new Promise<void>((r) => unix.listen(sock, () => r()));
const { chmodSync } = await import("node:fs");
chmodSync(sock, 0o666);

const program = `const u = process.env.OFFICEOS_RUNTIME_API + "/task/" + process.env.OFFICEOS_TASK_ID;
(async () => { await (await fetch(u)).text(); const t = []; for (let i = 0; i < 20; i++) { const a = performance.now(); await (await fetch(u + "x")).text(); t.push(performance.now() - a); }
await fetch(u + "/done", { method: "POST", body: JSON.stringify(t) }); process.exit(0); })();`;

const setup = await detectCgroups({ mode: "auto", root: "/sys/fs/cgroup", name: "officeos-bench" });

async function once(id: string, boxed: boolean): Promise<number> {
  const work = join(root, `t-${id}`);
  mkdirSync(work, { mode: 0o700 });
  chownSync(work, UID, UID);
  const arrived = new Promise<number>((r) => arrivals.set(id, r));
  const t0 = now();
  const cg = await TaskCgroup.create(setup, `bench-sb-${id}`, { cpuMillis: 1000, memoryMb: 256, pidsMax: 512 });
  const seccomp = boxed ? seccompProgram() : null;
  const target = {
    drop: { uid: UID, gid: UID },
    workRoot: root,
    workDir: work,
    cwd: work,
    policy: DEFAULT_POLICY,
    runtimeSocket: sock,
    runtimePort: port,
    seccomp: seccomp !== null,
  };
  let [cmd, args] = boxed
    ? sandboxArgv(iso, target, process.execPath, ["-e", program])
    : sandboxArgv({ kind: "none", reason: "baseline" }, target, process.execPath, ["-e", program]);
  [cmd, args] = cg.wrap(cmd, args);
  const child = spawn(cmd, args, {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      OFFICEOS_RUNTIME_API: `http://127.0.0.1:${port}`,
      OFFICEOS_TASK_ID: id,
    },
    stdio: ["ignore", "ignore", "inherit", seccomp ? "pipe" : "ignore"],
  });
  const fd = child.stdio[SECCOMP_FD];
  if (seccomp && fd && "end" in fd) fd.end(seccomp);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const t1 = await Promise.race([
    arrived,
    exited.then((code) => Promise.reject(new Error(`agent exited with ${code} before its first call`))),
  ]);
  await exited;
  arrivals.delete(id);
  await cg.destroy();
  rmSync(work, { recursive: true, force: true });
  return t1 - t0;
}

const plain: number[] = [];
const boxed: number[] = [];
for (let i = 0; i < N + WARMUP; i++) {
  // Alternate so drift on a shared machine hits both alike.
  const a = await once(`p${i}`, false);
  const b = await once(`b${i}`, true);
  if (i >= WARMUP) plain.push(a), boxed.push(b);
}
const tripsOf = (prefix: string) => [...trips.entries()].filter(([k]) => k.startsWith(prefix)).flatMap(([, v]) => v);
const p = stats(plain);
const b = stats(boxed);
console.log(
  JSON.stringify({
    sandbox_spawn: {
      plain_ms: p,
      sandbox_ms: b,
      added_p50_ms: Math.round((b.p50 - p.p50) * 100) / 100,
      runtime_round_trip_ms: { outside: stats(tripsOf("p")), inside: stats(tripsOf("b")) },
      cgroups: setup.mode,
    },
  }),
);
server.close();
unix.close();
rmSync(root, { recursive: true, force: true });
process.exit(0);
