// How an agent process is isolated beyond its uid, chosen once at start by
// trying each way with `true`:
//   root:     `unshare --pid --fork --mount-proc` (own pid namespace and /proc), then
//             `setpriv` to the task's uid/gid with no groups and no_new_privs;
//             bwrap the same way when unshare cannot; plain setpriv when neither can;
//   not root: bwrap with a user and pid namespace (the runner's work root hidden but for
//             the task's own dir), else `unshare --user --pid`, else nothing (said plainly).
// In a pid namespace the agent would be pid 1, which ignores every signal it has no
// handler for (SIGTERM included): a small shell init runs as pid 1 instead, forwards
// SIGTERM/SIGINT/HUP to the agent and exits with its status; when it exits the kernel
// kills everything left in the namespace.
import { spawn } from "node:child_process";

export type SandboxMode = "auto" | "unshare" | "bwrap" | "off";

export type Isolation =
  | { kind: "unshare"; userns: boolean }
  | { kind: "bwrap"; userns: boolean }
  | { kind: "none"; reason: string };

/** pid 1 inside the namespace: forwards TERM/INT/HUP, keeps the agent's stdin (fd 3 dance: `&` would give it /dev/null). */
export const INIT_SCRIPT =
  'trap \'kill -TERM "$c" 2>/dev/null\' TERM INT HUP; exec 3<&0; "$@" <&3 3<&- & c=$!; exec 3<&-; while :; do wait "$c"; s=$?; kill -0 "$c" 2>/dev/null || exit "$s"; done';

export function describeIsolation(i: Isolation): string {
  if (i.kind === "none") return `no namespaces: ${i.reason}`;
  return `${i.userns ? "user and pid namespace" : "pid namespace"} (${i.kind}), no_new_privs`;
}

export interface SandboxTarget {
  /** The uid/gid to drop to (root runner); null: stay the runner's user. */
  drop: { uid: number; gid: number } | null;
  /** Non-root bwrap: the runner's work root is hidden except this task's directory. */
  workRoot?: string | undefined;
  workDir?: string | undefined;
}

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
  const hide = iso.userns && t.workRoot && t.workDir ? ["--tmpfs", t.workRoot, "--bind", t.workDir, t.workDir] : [];
  const user = iso.userns ? ["--unshare-user"] : [];
  return [
    "bwrap",
    [
      "--dev-bind",
      "/",
      "/",
      ...hide,
      "--proc",
      "/proc",
      "--unshare-pid",
      ...user,
      "--die-with-parent",
      "--",
      ...setpriv,
      ...init,
    ],
  ];
}

function works(argv: [string, string[]]): Promise<string | null> {
  return new Promise((resolve) => {
    let err = "";
    const c = spawn(argv[0], argv[1], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    });
    c.stderr.on("data", (d: Buffer) => (err += d.toString()));
    c.once("error", (e) => resolve(e.message));
    c.once("close", (code) => resolve(code === 0 ? null : err.trim().split("\n")[0] || `exit ${code}`));
  });
}

/** Tries the ways `mode` allows, in order, with `true` as the agent. */
export async function detectIsolation(mode: SandboxMode, root: boolean): Promise<Isolation> {
  if (mode === "off") return { kind: "none", reason: "sandbox is off in the runner config" };
  const order: Isolation[] = [];
  const userns = !root;
  if (mode === "auto")
    order.push(
      ...(root
        ? [{ kind: "unshare", userns } as const, { kind: "bwrap", userns } as const]
        : [{ kind: "bwrap", userns } as const, { kind: "unshare", userns } as const]),
    );
  else order.push({ kind: mode, userns });
  const why: string[] = [];
  for (const iso of order) {
    const probe = sandboxArgv(iso, { drop: root ? { uid: 65534, gid: 65534 } : null }, "/bin/true", []);
    const err = await works(probe);
    if (err === null) return iso;
    why.push(`${iso.kind}: ${err}`);
  }
  return { kind: "none", reason: why.join("; ") };
}
