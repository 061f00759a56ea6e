// One agent's process tree on the host: its task dir and token file, the argv
// that isolates it (cgroup join → namespaces → setpriv → agent), the signals
// that reach the whole tree, and the cleanup after it. TaskRun decides when;
// this file knows how.
//
// Root never follows a path the agent controls: the task dir is created fresh
// by root inside root's own task root (so nothing of the agent's is in the way),
// its token file is opened O_CREAT|O_EXCL|O_NOFOLLOW before the agent exists,
// and the dir is emptied afterwards with the agent's own uid (setpriv find
// -delete), never by root walking it.
import { spawn, type ChildProcess } from "node:child_process";
import { constants as fsc } from "node:fs";
import { chmod, lchown, lstat, mkdir, open } from "node:fs/promises";
import { constants as osc } from "node:os";
import { join } from "node:path";
import type { TaskCgroup } from "./cgroup.js";
import type { Identity } from "./identity.js";
import { removeTaskDir } from "./runner-state.js";
import { sandboxArgv, type Isolation } from "./sandbox.js";
import type { BwrapPolicy } from "./sandbox-bwrap.js";
import { seccompProgram } from "./seccomp.js";
import { emptyDirAs, signalUid } from "./uid-claims.js";

export const TOKEN_FILE_NAME = ".officeos-task-token";

const isRoot = (): boolean => process.getuid?.() === 0;

/** Creates the task dir (0700, the agent's; `mount` puts its disk on it) and the token file in it (0600, the agent's); returns its path. */
export async function prepareTaskDir(
  workDir: string,
  token: string,
  id: Identity | null,
  mount?: () => Promise<void>,
): Promise<string> {
  const left = await lstat(workDir).catch(() => null);
  if (left) await removeTaskDir({ path: workDir, uid: left.uid, gid: left.gid }, emptyDirAs);
  await mkdir(workDir, { mode: 0o700 });
  // disk_mb: the task's own file system goes on the fresh dir before anything is written into it.
  if (mount) await mount();
  if (id && isRoot()) await lchown(workDir, id.uid, id.gid);
  await chmod(workDir, 0o700);
  const file = join(workDir, TOKEN_FILE_NAME);
  const fh = await open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(token);
    if (id && isRoot()) await fh.chown(id.uid, id.gid);
  } finally {
    await fh.close();
  }
  return file;
}

export async function removeWorkDir(workDir: string, id: Identity | null): Promise<void> {
  const st = await lstat(workDir).catch(() => null);
  if (!st?.isDirectory()) return;
  await removeTaskDir({ path: workDir, uid: st.uid, gid: st.gid }, id && isRoot() ? emptyDirAs : null);
}

/**
 * Whether the task token may also sit in the agent's environment: only where
 * no other task can read it in /proc/<pid>/environ — the agent has a uid of its
 * own (environ is readable by its uid and root alone), or a pid namespace of its
 * own (no sibling sees its pid at all).
 */
export function tokenInEnv(id: Identity | null, iso: Isolation): boolean {
  return (id?.own ?? false) || iso.kind !== "none";
}

export interface SpawnPlan {
  cmd: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  id: Identity | null;
  iso: Isolation;
  taskRoot: string;
  workDir: string;
  cgroup: TaskCgroup | null;
  /** bwrap: the mount policy, the runtime socket and port for the forwarder, the task's device nodes. */
  sandbox?:
    | {
        policy: BwrapPolicy;
        runtimeSocket: string;
        runtimePort: number;
        egressSocket: string | null;
        devices: readonly (readonly [string, string])[];
      }
    | null
    | undefined;
}

export class AgentProcess {
  private constructor(
    readonly child: ChildProcess,
    private readonly plan: SpawnPlan,
  ) {}

  static spawn(p: SpawnPlan): AgentProcess {
    const drop = p.id && isRoot() ? { uid: p.id.uid, gid: p.id.gid } : null;
    const seccomp = p.iso.kind === "bwrap" ? seccompProgram() : null;
    const sb = p.sandbox;
    let [cmd, args] = sandboxArgv(
      p.iso,
      {
        drop,
        workRoot: p.taskRoot,
        workDir: p.workDir,
        cwd: p.cwd,
        policy: sb?.policy,
        runtimeSocket: sb?.runtimeSocket ?? null,
        runtimePort: sb?.runtimePort,
        egressSocket: sb?.egressSocket ?? null,
        devices: sb?.devices,
        seccomp: seccomp !== null,
      },
      p.cmd,
      p.args,
    );
    if (p.cgroup) [cmd, args] = p.cgroup.wrap(cmd, args);
    // A process group of its own: SIGTERM reaches the whole tree, not just the wrapper. bwrap reads its
    // seccomp program from fd 3 (SECCOMP_FD) before it starts the agent.
    const child = spawn(cmd, args, {
      cwd: p.cwd,
      env: p.env,
      stdio: ["pipe", "pipe", "pipe", seccomp ? "pipe" : "ignore"],
      detached: true,
    });
    const fd3 = child.stdio[3];
    if (seccomp && fd3 && "end" in fd3) fd3.end(seccomp);
    return new AgentProcess(child, p);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** `signal` to every process of the task: its process group, its cgroup, and its uid when the uid is its alone. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const pid = this.child.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, signal);
      } catch {
        /* group gone */
      }
    }
    // In the bwrap sandbox everything lives in the task's pid namespace and dies with its init: a SIGTERM
    // goes to the process group alone (the forwarder, in a session of its own, must outlive it).
    if (signal !== "SIGKILL" && this.plan.iso.kind === "bwrap") return;
    await this.plan.cgroup?.signalAll(signal).catch(() => 0);
    if (this.plan.id?.own && isRoot()) await signalUid(this.plan.id.uid, signal);
  }

  /**
   * The exit as the agent saw it: the namespace's init exits with 128+n when
   * the agent died of signal n (pid 1 cannot re-raise it on itself).
   */
  static exitOf(
    code: number | null,
    signal: NodeJS.Signals | null,
    iso: Isolation,
  ): { code: number | null; signal: NodeJS.Signals | null } {
    if (signal || code === null || iso.kind === "none" || code <= 128) return { code, signal };
    const name = Object.entries(osc.signals).find(([, n]) => n === code - 128)?.[0] as NodeJS.Signals | undefined;
    return name ? { code: null, signal: name } : { code, signal };
  }
}
