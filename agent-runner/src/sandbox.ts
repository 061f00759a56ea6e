// How an agent process is isolated beyond its uid, chosen once at start by
// trying each way with `true`:
//   root:     bwrap with the full sandbox (sandbox-bwrap.ts: mount policy, every namespace but
//             the user one, network included, capabilities dropped, seccomp denylist), then
//             `setpriv` to the task's uid/gid with no groups, no capabilities and no_new_privs;
//             when bwrap cannot, `unshare --pid --fork --mount-proc` (pid namespace only, warned
//             loudly); plain setpriv (uid separation alone) when neither can;
//   not root: the same bwrap sandbox inside a user namespace (nested ones disabled), else
//             `unshare --user --pid`, else nothing (said plainly).
// In a pid namespace the agent would be pid 1, which ignores every signal it has no
// handler for (SIGTERM included): a small shell init runs as pid 1 instead, forwards
// SIGTERM/SIGINT/HUP to the agent and exits with its status; when it exits the kernel
// kills everything left in the namespace. bwrap itself dies of a SIGTERM (and its
// --die-with-parent then SIGKILLs the agent), so it runs with TERM/INT/HUP ignored and
// the init gets them back at their default (`env --ignore-signal` / `--default-signal`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bwrapArgs,
  EGRESS_PORT_IN_SANDBOX,
  EGRESS_SOCKET_IN_SANDBOX,
  forwarderInit,
  RUNTIME_SOCKET_IN_SANDBOX,
  type BwrapPolicy,
} from "./sandbox-bwrap.js";
import { seccompProgram } from "./seccomp.js";
import type { IsolationLevel } from "../../src/scheduler/fit.js";

export type SandboxMode = "auto" | "unshare" | "bwrap" | "off";

export type Isolation =
  | { kind: "unshare"; userns: boolean }
  | { kind: "bwrap"; userns: boolean }
  | { kind: "none"; reason: string };

/** pid 1 inside the namespace: forwards TERM/INT/HUP, keeps the agent's stdin (fd 3 dance: `&` would give it /dev/null). */
export const INIT_SCRIPT =
  'trap \'kill -TERM "$c" 2>/dev/null\' TERM INT HUP; exec 3<&0; "$@" <&3 3<&- & c=$!; exec 3<&-; while :; do wait "$c"; s=$?; kill -0 "$c" 2>/dev/null || exit "$s"; done';

export type { IsolationLevel };

/** The level achieved: bwrap (the full sandbox), unshare (pid namespace only), uid (own uid per task), none. */
export function isolationLevel(i: Isolation, ownUids: boolean): IsolationLevel {
  if (i.kind === "bwrap" || i.kind === "unshare") return i.kind;
  return ownUids ? "uid" : "none";
}

export function describeIsolation(i: Isolation): string {
  if (i.kind === "none") return `no namespaces: ${i.reason}`;
  if (i.kind === "bwrap")
    return `bwrap sandbox${i.userns ? " in a user namespace" : ""}: read-only root, private /tmp, no network but the runtime API, no capabilities, seccomp denylist, no_new_privs`;
  return `${i.userns ? "user and pid namespace" : "pid namespace"} (unshare), no_new_privs; files and network of the host visible`;
}

/** The fd number bwrap reads the seccomp program from (spawned with it as stdio[3]). */
export const SECCOMP_FD = 3;
const SIGNALS = "TERM,INT,HUP";

export interface SandboxTarget {
  /** The uid/gid to drop to (root runner); null: stay the runner's user. */
  drop: { uid: number; gid: number } | null;
  /** bwrap: the runner's work root is hidden except this task's directory. */
  workRoot?: string | undefined;
  workDir?: string | undefined;
  cwd?: string | undefined;
  /** bwrap: the mount policy's knobs (sandbox.ro_paths, …). */
  policy?: BwrapPolicy | undefined;
  /** bwrap: the runtime API's Unix socket and port, for the in-namespace forwarder. */
  runtimeSocket?: string | null | undefined;
  runtimePort?: number | undefined;
  /** bwrap: the task's egress proxy socket, served inside at 127.0.0.1:EGRESS_PORT_IN_SANDBOX. */
  egressSocket?: string | null | undefined;
  /** bwrap: device nodes the task may use (its GPUs), [host path, path inside]. */
  devices?: readonly (readonly [string, string])[] | undefined;
  /** bwrap: whether a seccomp program comes on fd SECCOMP_FD. */
  seccomp?: boolean | undefined;
}

export const DEFAULT_POLICY: BwrapPolicy = { roPaths: [], rwPaths: [], tmpMb: 64, hideFiles: [] };

/** argv that runs `cmd args` isolated as `iso` says. Pure. */
export function sandboxArgv(
  iso: Isolation,
  t: SandboxTarget,
  cmd: string,
  args: readonly string[],
): [string, string[]] {
  const drop = t.drop ? [`--reuid=${t.drop.uid}`, `--regid=${t.drop.gid}`, "--clear-groups"] : [];
  const setpriv = ["setpriv", ...drop, "--no-new-privs", "--"];
  const init = ["/bin/sh", "-c", INIT_SCRIPT, "officeos-init", cmd, ...args];
  if (iso.kind === "none") return ["setpriv", [...setpriv.slice(1), cmd, ...args]];
  if (iso.kind === "unshare") {
    const user = iso.userns
      ? ["--user", `--map-user=${process.getuid?.() ?? 0}`, `--map-group=${process.getgid?.() ?? 0}`]
      : [];
    return ["unshare", [...user, "--pid", "--fork", "--mount-proc", "--kill-child", "--", ...setpriv, ...init]];
  }
  const workDir = t.workDir ?? "/nonexistent-officeos-task";
  const bw = bwrapArgs(t.policy ?? DEFAULT_POLICY, {
    drop: t.drop,
    workRoot: t.workRoot ?? "/nonexistent-officeos-root",
    workDir,
    runtimeSocket: t.runtimeSocket ?? null,
    runtimePort: t.runtimePort ?? 0,
    egressSocket: t.egressSocket ?? null,
    devices: t.devices ?? [],
    seccompFd: t.seccomp ? SECCOMP_FD : null,
    exists: existsSync,
  });
  const caps = t.drop ? ["--inh-caps=-all", "--bounding-set=-all"] : [];
  const inner = ["setpriv", ...drop, ...caps, "--no-new-privs", "--", "env", `--default-signal=${SIGNALS}`];
  const fwd = [
    String(t.runtimePort ?? 0),
    t.runtimeSocket ? RUNTIME_SOCKET_IN_SANDBOX : "",
    t.cwd ?? workDir,
    String(EGRESS_PORT_IN_SANDBOX),
    t.egressSocket ? EGRESS_SOCKET_IN_SANDBOX : "",
  ];
  return [
    "env",
    [
      `--ignore-signal=${SIGNALS}`,
      "bwrap",
      ...bw,
      ...inner,
      "/bin/sh",
      "-c",
      forwarderInit(INIT_SCRIPT),
      "officeos-init",
      ...fwd,
      cmd,
      ...args,
    ],
  ];
}

function works(argv: [string, string[]], seccomp: Buffer | null): Promise<string | null> {
  return new Promise((resolve) => {
    let err = "";
    const c = spawn(argv[0], argv[1], {
      stdio: ["ignore", "ignore", "pipe", seccomp ? "pipe" : "ignore"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    const fd3 = c.stdio[3];
    if (seccomp && fd3 && "end" in fd3) fd3.end(seccomp);
    c.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    c.once("error", (e) => resolve(e.message));
    c.once("close", (code) => resolve(code === 0 ? null : err.trim().split("\n")[0] || `exit ${code}`));
  });
}

/** Probe port for the forwarder: any port is free in a fresh network namespace. */
const PROBE_PORT = 65000;

/**
 * Tries the ways `mode` allows, in order, with `true` as the agent; bwrap with the whole policy,
 * the seccomp filter and the forwarder, so a sandbox that would fail at a task's start fails here.
 */
export async function detectIsolation(
  mode: SandboxMode,
  root: boolean,
  policy: BwrapPolicy = DEFAULT_POLICY,
): Promise<Isolation> {
  if (mode === "off") return { kind: "none", reason: "sandbox is off in the runner config" };
  const order: Isolation[] = [];
  const userns = !root;
  if (mode === "auto") order.push({ kind: "bwrap", userns }, { kind: "unshare", userns });
  else order.push({ kind: mode, userns });
  const why: string[] = [];
  const dir = await mkdtemp(join(tmpdir(), "officeos-probe-"));
  try {
    for (const iso of order) {
      const seccomp = iso.kind === "bwrap" ? seccompProgram() : null;
      const probe = sandboxArgv(
        iso,
        {
          drop: root ? { uid: 65534, gid: 65534 } : null,
          workRoot: dir,
          workDir: dir,
          cwd: "/",
          policy,
          runtimeSocket: "/dev/null",
          runtimePort: PROBE_PORT,
          seccomp: seccomp !== null,
        },
        "/bin/true",
        [],
      );
      const err = await works(probe, seccomp);
      if (err === null) return iso;
      why.push(`${iso.kind}: ${err}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { kind: "none", reason: why.join("; ") };
}
