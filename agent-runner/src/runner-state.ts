// This runner's own places on the host, and what a killed predecessor left in
// them. Layout under `work_dir` (0711: an agent may enter its own dir, not list others):
//   .state/<name>/runner.pid   0700 dirs, 0600 file: "<pid> <start time>" of the live runner
//   <name>-<task>-<epoch>/     one 0700 dir per task, owned by the task's uid
// and task cgroups `<name>-<task>-<epoch>` under `cgroup_parent`. A clean stop
// removes the pid file and the state dir: nothing is left to sweep. At start the
// runner reads the pid file: a live holder (same pid and start time) means
// another runner with this name and work_dir is running, and this one
// refuses; a dead one means whatever is under our name is stale and goes —
// never anything of another name, so runners sharing `cgroup_parent` or
// `work_dir` leave each other alone.
import { constants } from "node:fs";
import { chmod, lstat, mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { procStartTime } from "./uid-claims.js";
import { parseClaim } from "./uid-pool.js";

export interface RunnerPaths {
  stateDir: string;
  pidFile: string;
  /** Parent of this runner's task dirs (shared with other runners of this work_dir). */
  taskRoot: string;
  /** This runner's task dirs are `<taskRoot>/<taskPrefix><task>-<epoch>`. */
  taskPrefix: string;
}

export function runnerPaths(workDir: string, name: string): RunnerPaths {
  const stateDir = join(workDir, ".state", name);
  return { stateDir, pidFile: join(stateDir, "runner.pid"), taskRoot: workDir, taskPrefix: `${name}-` };
}

/** Task ids start with "task_": `<name>-task_` cannot match a runner named `<name>-x`'s dirs. */
export const TASK_ID_PREFIX = "task_";

/**
 * mkdir -p with `mode`, then checks the directory is ours and gets `mode`. A symlink is refused
 * unless `follow` (the configured work_dir itself: the operator's path, not an agent's).
 */
export async function ensureDir(path: string, mode: number, follow = false): Promise<void> {
  await mkdir(path, { recursive: true, mode });
  const st = follow ? await stat(path) : await lstat(path);
  if (!st.isDirectory()) throw new Error(`${path} is not a directory`);
  if (st.uid !== (process.getuid?.() ?? st.uid))
    throw new Error(`${path} is owned by uid ${st.uid}, not by this runner`);
  if ((st.mode & 0o777) !== mode) {
    await chmod(path, mode);
  }
}

export type Predecessor = { kind: "none" } | { kind: "dead"; pid: number } | { kind: "alive"; pid: number };

export async function readPredecessor(pidFile: string): Promise<Predecessor> {
  const text = await readFile(pidFile, { encoding: "utf8", flag: constants.O_RDONLY | constants.O_NOFOLLOW }).catch(
    () => null,
  );
  if (text === null) return { kind: "none" };
  const c = parseClaim(text);
  if (!c) return { kind: "dead", pid: 0 };
  if (c.pid === process.pid) return { kind: "dead", pid: c.pid };
  const start = await procStartTime(c.pid);
  return start !== null && start === c.startTime ? { kind: "alive", pid: c.pid } : { kind: "dead", pid: c.pid };
}

/** Writes our pid file (0600) atomically: a temp file, then rename. */
export async function writePidFile(pidFile: string): Promise<void> {
  const tmp = `${pidFile}.${process.pid}.tmp`;
  await unlink(tmp).catch(() => undefined);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await fh.writeFile(`${process.pid} ${(await procStartTime(process.pid)) ?? "0"}\n`);
  } finally {
    await fh.close();
  }
  await rename(tmp, pidFile);
}

/** A clean stop: our pid file, our state dir, and `.state` when no other runner has one. */
export async function removePidFile(p: RunnerPaths): Promise<void> {
  const text = await readFile(p.pidFile, "utf8").catch(() => "");
  if (!text.startsWith(`${process.pid} `)) return;
  await unlink(p.pidFile).catch(() => undefined);
  await rmdir(p.stateDir).catch(() => undefined);
  await rmdir(dirname(p.stateDir)).catch(() => undefined);
}

/** Task dirs of this runner's name under `taskRoot` (all stale at its start): paths and owners. Others' are not looked at. */
export async function staleTaskDirs(p: RunnerPaths): Promise<{ path: string; uid: number; gid: number }[]> {
  const out: { path: string; uid: number; gid: number }[] = [];
  const prefix = `${p.taskPrefix}${TASK_ID_PREFIX}`;
  for (const name of await readdir(p.taskRoot).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const path = join(p.taskRoot, name);
    const st = await lstat(path).catch(() => null);
    // Agents cannot write the task root: anything there is the runner's own; lstat, never followed.
    if (st?.isDirectory()) out.push({ path, uid: st.uid, gid: st.gid });
  }
  return out;
}

/**
 * Removes a task dir. Its contents belong to the agent: when the runner is root
 * and the dir is another uid's, they are removed with that uid's rights
 * (`empty`), then the dir itself (its parent is ours: no race on that path).
 */
export async function removeTaskDir(
  dir: { path: string; uid: number; gid: number },
  empty: ((uid: number, gid: number, path: string) => Promise<void>) | null,
): Promise<boolean> {
  const me = process.getuid?.() ?? -1;
  if (empty && me === 0 && dir.uid !== 0) {
    await empty(dir.uid, dir.gid, dir.path);
    // What the agent's own rights could not remove stays (and is reported): root does not walk it.
    return rmdir(dir.path).then(
      () => true,
      () => false,
    );
  }
  // Our own uid's files (non-root runner, or a dir never handed to an agent): rm never follows symlinks.
  return rm(dir.path, { recursive: true, force: true }).then(
    () => true,
    () => false,
  );
}
