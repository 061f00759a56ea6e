// The uid pool's I/O: host-wide claims (one O_EXCL file per uid holding the
// claiming runner's pid and start time, under a root-only directory, so two
// runners on one host never hand out the same uid at once), and the cleanup
// of a uid before it goes back: kill its processes, find the files it left in
// the shared temporary directories, and remove them *as that uid*.
//
// Root never follows a path an agent controls: the scan uses lstat and never
// descends through a symlink; removal runs `rm` with the agent's own uid
// (setpriv), so a symlink or a swapped directory can only ever lead it to
// what that uid could delete anyway.
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { claimVerdict, parseClaim, statStartTime, statusUids, type ClaimSeen } from "./uid-pool.js";

export const DEFAULT_CLAIMS_DIR = "/run/officeos/uids";
/** Shared temporary directories an agent may leave files in (its own TMPDIR is its task dir). */
export const SHARED_TMP = ["/tmp", "/var/tmp", "/dev/shm"];

/** The start time of a live process `pid`; null when there is none (a zombie counts as dead). */
export async function procStartTime(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (stat === null || /\) Z /.test(stat.slice(stat.lastIndexOf(")")))) return null;
  return statStartTime(stat);
}

/** This process's claim line. */
async function myClaim(): Promise<string> {
  return `${process.pid} ${(await procStartTime(process.pid)) ?? "0"}\n`;
}

export class HostClaims {
  private line = "";

  constructor(readonly dir: string = DEFAULT_CLAIMS_DIR) {}

  /** Creates the directory (0700, root's) and checks nobody else could have planted it. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const st = await lstat(this.dir);
    if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? 0) || (st.mode & 0o022) !== 0)
      throw new Error(
        `uid claims directory ${this.dir} must be a directory owned by this user and writable by it alone`,
      );
    this.line = await myClaim();
  }

  private path(uid: number): string {
    return join(this.dir, String(uid));
  }

  /** Claims `uid` host-wide; false when another live runner holds it. A claim whose holder is dead is taken over. */
  async claim(uid: number): Promise<boolean> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fh = await open(
          this.path(uid),
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          await fh.writeFile(this.line);
        } finally {
          await fh.close();
        }
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
      const seen = await this.inspect(uid);
      const v = claimVerdict(seen, process.pid);
      if (v === "busy") return false;
      // Dead holder: remove its claim and race for it again through O_EXCL (another runner may win).
      await unlink(this.path(uid)).catch(() => undefined);
    }
    return false;
  }

  private async inspect(uid: number): Promise<ClaimSeen> {
    const text = await readFile(this.path(uid), {
      encoding: "utf8",
      flag: constants.O_RDONLY | constants.O_NOFOLLOW,
    }).catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? null : ""));
    if (text === null) return { kind: "absent" };
    const c = parseClaim(text);
    if (!c) return { kind: "garbled" };
    const start = await procStartTime(c.pid);
    return { kind: "held", pid: c.pid, alive: start !== null && start === c.startTime };
  }

  async release(uid: number): Promise<void> {
    // Only our own claim: a file that no longer holds our line belongs to someone else now.
    const text = await readFile(this.path(uid), {
      encoding: "utf8",
      flag: constants.O_RDONLY | constants.O_NOFOLLOW,
    }).catch(() => null);
    if (text === this.line) await unlink(this.path(uid)).catch(() => undefined);
  }
}

// ---- processes of a uid -------------------------------------------------------------

export async function processesOf(uid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const status = await readFile(`/proc/${name}/status`, "utf8").catch(() => null);
    if (status !== null && statusUids(status).includes(uid)) out.push(Number(name));
  }
  return out;
}

export async function signalUid(uid: number, signal: NodeJS.Signals): Promise<number> {
  const pids = await processesOf(uid);
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      /* gone */
    }
  }
  return pids.length;
}

/** SIGKILLs every process of `uid` until none is left (or gives up); returns how many are left. */
export async function killUid(uid: number, rounds = 100): Promise<number> {
  for (let i = 0; i < rounds; i++) {
    if ((await signalUid(uid, "SIGKILL")) === 0) return 0;
    await new Promise((r) => setTimeout(r, 10));
  }
  return (await processesOf(uid)).length;
}

// ---- files of a uid -----------------------------------------------------------------

/**
 * Topmost paths under `roots` owned by `uid`, found with lstat only: a
 * symlink is reported (it is the uid's) but never followed; a directory of
 * someone else is searched only when it is a shared temporary one (sticky, world-writable).
 */
export async function strayFiles(
  uid: number,
  roots: readonly string[] = SHARED_TMP,
  budget = { n: 100_000 },
): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > 32) return;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      if (budget.n-- <= 0) return;
      const p = join(dir, name);
      const st = await lstat(p).catch(() => null);
      if (!st) continue;
      if (st.uid === uid) found.push(p);
      // The uid can only have made entries where it may write: a directory of its own (reported
      // whole above) or one anybody may write to (its group is its own gid, used by nobody else).
      // Only shared temporary directories (world-writable and sticky, like /tmp itself) are
      // searched: a world-writable directory without the sticky bit is someone's deliberate
      // drop box (a test's output dir), and what agents leave there is that someone's.
      else if (st.isDirectory() && (st.mode & 0o1003) === 0o1003) await walk(p, depth + 1);
    }
  };
  for (const r of roots) {
    const st = await lstat(r).catch(() => null);
    if (st?.isDirectory()) await walk(r, 0);
  }
  return found;
}

/** Runs argv as uid:gid (no groups, no new privileges); resolves with the exit code. */
export function runAs(uid: number, gid: number, argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(
      "setpriv",
      [`--reuid=${uid}`, `--regid=${gid}`, "--clear-groups", "--no-new-privs", "--", ...argv],
      { stdio: "ignore", env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" }, cwd: "/" },
    );
    c.once("error", () => resolve(127));
    c.once("close", (code) => resolve(code ?? 128));
  });
}

/** Removes `paths` with the rights of `uid` alone (rm never follows symlinks it removes). */
export async function removeAs(uid: number, gid: number, paths: readonly string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += 200)
    await runAs(uid, gid, ["rm", "-rf", "--one-file-system", "--", ...paths.slice(i, i + 200)]);
}

/** Empties `dir` with the rights of `uid` alone (find -delete does not follow symlinks). */
export async function emptyDirAs(uid: number, gid: number, dir: string): Promise<void> {
  // A directory the agent made unwritable would stop find; it may fix its own modes (chmod -R skips symlinks).
  await runAs(uid, gid, ["chmod", "-R", "u+rwX", "--", dir]);
  await runAs(uid, gid, ["find", dir, "-xdev", "-mindepth", "1", "-delete"]);
}
