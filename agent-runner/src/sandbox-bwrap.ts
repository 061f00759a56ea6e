// The bwrap sandbox, stated as data: what an agent sees of the host file system,
// its namespaces, capabilities and seccomp filter, and the forwarder that carries
// the runtime API into its network namespace. Pure: argv in, argv out.
//
// Mount policy, in order (a later mount covers an earlier one):
//   /                      read-only bind of the host root (nodev: only --dev's nodes work)
//   /dev                   bwrap's minimal /dev (null, zero, full, random, urandom, tty, pts) + the task's GPUs
//   /proc                  the pid namespace's own
//   /tmp /var/tmp /dev/shm private tmpfs, `tmp_mb` each, 1777: gone with the task; their pages are
//                          charged to the task's memory cgroup (they count toward memory_mb)
//   /run (= /var/run) /root /home   empty tmpfs, root's, 0755: no host socket (a read-only bind would not
//                          stop connect() on a Unix socket), no home directory
//   sandbox.ro_paths       read-only binds (interpreters, virtualenvs, model caches) — may re-expose a
//                          path under a hidden one
//   sandbox.rw_paths       writable binds the operator names (none by default)
//   the runner's work root empty tmpfs: runner state, other tasks' dirs gone
//   the runner's config    /dev/null bound over it, when it is still visible
//   the task's work dir    writable bind: the only writable host place
//   /run/officeos/runtime.sock   the runtime API's Unix socket (the forwarder's upstream)
// Namespaces: all but the user namespace as root (the agent's uid must stay a host uid), all of them
// (user included, nested ones disabled) as not root. Capabilities: every one dropped.
import { dirname, posix } from "node:path";

export const RUNTIME_SOCKET_IN_SANDBOX = "/run/officeos/runtime.sock";
export const EGRESS_SOCKET_IN_SANDBOX = "/run/officeos/egress.sock";
/** The port the egress proxy is served on inside (any port is free in the sandbox's network namespace). */
export const EGRESS_PORT_IN_SANDBOX = 3128;
const HIDDEN_HOMES = ["/root", "/home"];
const SHARED_TMP = ["/tmp", "/var/tmp", "/dev/shm"];
const SMALL = 1 << 20;

export interface BwrapPolicy {
  /** Extra read-only binds (`sandbox.ro_paths`). */
  roPaths: readonly string[];
  /** Extra writable binds (`sandbox.rw_paths`). */
  rwPaths: readonly string[];
  /** Size of each private /tmp, /var/tmp, /dev/shm. */
  tmpMb: number;
  /** Files that must not be seen (the runner's config file). */
  hideFiles: readonly string[];
}

export interface BwrapTarget {
  /** Root runner: the uid/gid setpriv drops to; null: stay the runner's user inside a user namespace. */
  drop: { uid: number; gid: number } | null;
  workRoot: string;
  workDir: string;
  /** The runtime API's Unix socket on the host; null: no forwarder (the detection probe). */
  runtimeSocket: string | null;
  /** The port the forwarder listens on at 127.0.0.1 inside, the same as the runtime API's outside. */
  runtimePort: number;
  /** The task's egress proxy socket on the host (egress-proxy.ts); null: none. */
  egressSocket: string | null;
  /** Device nodes to bind as they are (the task's GPUs and the NVIDIA control nodes): [host path, path inside]. */
  devices: readonly (readonly [string, string])[];
  /** The fd (in the bwrap process) that carries the compiled seccomp program; null: none. */
  seccompFd: number | null;
  /** Existence on the host, for the binds that must be skipped when absent (injectable for tests). */
  exists: (p: string) => boolean;
}

type Mount = { dest: string; shows: boolean };

/** Whether `p` is visible through the mounts so far: the deepest mount covering it decides. */
export function visibleThrough(mounts: readonly Mount[], p: string): boolean {
  let best: Mount | null = null;
  for (const m of mounts)
    if (
      (p === m.dest || p.startsWith(m.dest === "/" ? "/" : `${m.dest}/`)) &&
      (!best || m.dest.length >= best.dest.length)
    )
      best = m;
  return best?.shows ?? false;
}

/**
 * The host paths an agent's own files live in that the mount policy hides, before the runner binds the
 * agent's command directory and cwd (agentPaths in task-spawn.ts): /tmp, /home, /root, /run and the
 * runner's work root cover them, and `ro_paths`/`rw_paths` bring back only what they name. An agent
 * whose command lies there sees its own directory and nothing beside it (its node_modules, its
 * virtualenv's lib), so the runner warns at start rather than leaving a "Cannot find module" to the task.
 */
export function hiddenByPolicy(policy: BwrapPolicy, workRoot: string, paths: readonly string[]): string[] {
  const mounts: Mount[] = [{ dest: "/", shows: true }];
  for (const d of [...SHARED_TMP, "/run", "/var/run", ...HIDDEN_HOMES]) mounts.push({ dest: d, shows: false });
  for (const p of [...policy.roPaths, ...policy.rwPaths]) mounts.push({ dest: posix.normalize(p), shows: true });
  mounts.push({ dest: posix.normalize(workRoot), shows: false });
  return paths.filter((p) => !visibleThrough(mounts, posix.normalize(p)));
}

/** `--dir` for every ancestor of `p` (bwrap would make missing ones 0700 root's, untraversable for the agent). */
function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let d = dirname(p); d !== "/" && d !== "."; d = dirname(d)) out.unshift("--perms", "0755", "--dir", d);
  return out;
}

/**
 * pid 1 inside, given PORT SOCKET CWD EGRESS_PORT EGRESS_SOCKET: enters CWD, starts the forwarders
 * (127.0.0.1:PORT → the runtime socket; 127.0.0.1:EGRESS_PORT → the task's egress proxy), waits until each listens
 * (its line in /proc/net/tcp, state 0A), then runs the agent as INIT_SCRIPT does. socat exits on SIGTERM
 * whatever its disposition, so it runs in a session of its own, out of the agent's process group: the
 * runner's SIGTERM (to the group) leaves the runtime API reachable while the agent winds down (it may
 * still checkpoint); it ends with the namespace.
 */
export function forwarderInit(init: string): string {
  return [
    'fwd() { setsid socat TCP-LISTEN:"$1",bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:"$2" & f=$!',
    'h=$(printf "0100007F:%04X 00000000:0000 0A" "$1"); n=0',
    'until grep -q "$h" /proc/net/tcp; do n=$((n+1)); kill -0 "$f" 2>/dev/null && [ "$n" -lt 2000 ] ||',
    '{ echo "officeos-init: a forwarder (socat) did not start on port $1" >&2; exit 125; }; sleep 0.005; done; }',
    'cd "$3" || exit 125; [ -z "$2" ] || fwd "$1" "$2"; [ -z "$5" ] || fwd "$4" "$5"; shift 5',
    init,
  ].join("\n");
}

/** bwrap's argv up to and including `--`; the caller appends setpriv and the init. */
export function bwrapArgs(policy: BwrapPolicy, t: BwrapTarget): string[] {
  const a: string[] = [];
  const mounts: Mount[] = [];
  const mount = (dest: string, shows: boolean, ...args: string[]) => (a.push(...args), mounts.push({ dest, shows }));
  mount("/", true, "--ro-bind", "/", "/");
  a.push("--dev", "/dev", "--proc", "/proc");
  const tmp = String(policy.tmpMb * SMALL);
  for (const d of SHARED_TMP) mount(d, false, "--perms", "1777", "--size", tmp, "--tmpfs", d);
  mount("/run", false, "--size", String(SMALL), "--tmpfs", "/run");
  for (const d of HIDDEN_HOMES) if (t.exists(d)) mount(d, false, "--size", String(SMALL), "--tmpfs", d);
  for (const p of policy.roPaths) if (t.exists(p)) mount(p, true, ...ancestors(p), "--ro-bind", p, p);
  for (const p of policy.rwPaths) if (t.exists(p)) mount(p, true, ...ancestors(p), "--bind", p, p);
  mount(t.workRoot, false, ...ancestors(t.workRoot), "--size", String(SMALL), "--tmpfs", t.workRoot);
  for (const f of policy.hideFiles)
    if (t.exists(f) && visibleThrough(mounts, posix.normalize(f))) a.push("--ro-bind", "/dev/null", f);
  mount(t.workDir, true, ...ancestors(t.workDir), "--bind", t.workDir, t.workDir);
  if (t.runtimeSocket)
    a.push(...ancestors(RUNTIME_SOCKET_IN_SANDBOX), "--bind", t.runtimeSocket, RUNTIME_SOCKET_IN_SANDBOX);
  if (t.egressSocket)
    a.push(...ancestors(EGRESS_SOCKET_IN_SANDBOX), "--bind", t.egressSocket, EGRESS_SOCKET_IN_SANDBOX);
  for (const [host, inside] of t.devices) a.push("--dev-bind-try", host, inside);
  a.push("--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try");
  if (t.drop)
    // setpriv needs SETUID/SETGID to drop to the task's uid and SETPCAP to empty the bounding set; the uid
    // change clears the rest, and no_new_privs keeps a setuid binary from bringing any back.
    a.push("--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP");
  else a.push("--unshare-user", "--disable-userns", "--cap-drop", "ALL");
  if (t.seccompFd !== null) a.push("--seccomp", String(t.seccompFd));
  // bwrap holds no capabilities by now, so it cannot enter the agent's 0700 dir: the init does, as the agent.
  a.push("--die-with-parent", "--chdir", "/", "--");
  return a;
}
