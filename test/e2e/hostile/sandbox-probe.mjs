// A hostile agent that looks for ways out of its sandbox (test/e2e/sandbox.test.ts). It runs as
// a real agent process under a real runner; every probe answers `escaped: true` when it got
// through. It first writes files into the shared temporary directories and checkpoints their
// paths, then waits for the test (which looks for them on the host) to drop a go file into its
// input's directory, then runs the rest and posts every probe's result.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname, join } from "node:path";

const api = process.env.OFFICEOS_RUNTIME_API;
const token = readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();
const call = async (method, path, body) => {
  const r = await fetch(api + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
};

const task = (await call("GET", "/task")).body;
const input = task.input;
const tag = `officeos-probe-${task.task_id}`;
const written = [];
for (const d of ["/tmp", "/var/tmp", "/dev/shm"]) {
  const p = join(d, tag);
  try {
    writeFileSync(p, "left by a sandboxed agent");
    written.push(p);
  } catch {
    /* not writable: nothing to find on the host either */
  }
}
await call("PUT", "/checkpoint", { app_state: { written } });
while (!existsSync(input.go)) await new Promise((r) => setTimeout(r, 50));

/** Connects and says so: true when a connection was made within 3 s. */
const reaches = (opts) =>
  new Promise((resolve) => {
    const s = connect(opts);
    const t = setTimeout(() => (s.destroy(), resolve(false)), 3000);
    s.once("connect", () => (clearTimeout(t), s.destroy(), resolve(true)));
    s.once("error", () => (clearTimeout(t), resolve(false)));
  });

const status = readFileSync("/proc/self/status", "utf8");
const field = (name) => new RegExp(`^${name}:\\s*(\\S+)`, "m").exec(status)?.[1] ?? "?";
const workRoot = dirname(process.env.HOME);
let rootList;
try {
  rootList = readdirSync("/root");
} catch (e) {
  rootList = e.code;
}
const probes = {
  // The runner's state (its pid file, its runtime socket) sits in <work root>/.state.
  runner_state: existsSync(join(workRoot, ".state")),
  // The runner's config file (0600 root's: unreadable, but there).
  runner_config: (() => {
    try {
      return statSync(input.config).isFile();
    } catch {
      return false;
    }
  })(),
  // Another task's dir (the test made one in the work root, as a sibling's would be).
  other_task: existsSync(input.sibling),
  root_home: !(Array.isArray(rootList) && rootList.length === 0),
  host_loopback: await reaches({ host: "127.0.0.1", port: input.tcp_port }),
  host_address: input.host_ip ? await reaches({ host: input.host_ip, port: input.tcp_port }) : false,
  run_socket: await reaches({ path: input.run_socket }),
  abstract_socket: await reaches({ path: `\0${input.abstract}` }),
  capabilities: field("CapEff") !== "0000000000000000" || field("CapBnd") !== "0000000000000000",
  no_seccomp: field("Seccomp") === "0",
  user_namespace: spawnSync("unshare", ["--user", "--map-root-user", "true"]).status === 0,
  write_outside: (() => {
    try {
      writeFileSync(input.outside, "x");
      return true;
    } catch {
      return false;
    }
  })(),
};
// The runtime API itself still works from inside: the result goes through it.
const r = await call("POST", "/result", { result: { probes, written, uid: process.getuid() } });
if (r.status !== 200) process.exit(3);
