// A task's `disk_mb`: its work dir is a file system of its own, an ext4 image of that size
// loop-mounted (nosuid, nodev) on the task dir, so a disk bomb fills the image and nothing
// else. Not a tmpfs: tmpfs pages are charged to the memory cgroup and would turn a disk bomb
// into an OOM kill. At the agent's exit the runner asks the file system itself (statfs): a full
// one is `resource_exhausted`, not guessed from the exit code. The image lives in the runner's
// state dir (0700, hidden from agents) and is removed with the task; a runner killed before
// cleaning up leaves it for its successor's sweep of that dir (and the mount, for the host's).
import { execFile } from "node:child_process";
import { chmod, chown, open, rm, statfs } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TaskDisk {
  image: string;
  dir: string;
  mb: number;
}

/**
 * Below this much free space the work dir counts as full: 1 MiB or 1% of it, whichever is more. A write
 * that does not fit fails whole (ENOSPC) and leaves a few hundred KB free; ext4 keeps some for itself.
 */
const FULL_BELOW_BYTES = 1 << 20;

export async function mountTaskDisk(
  image: string,
  dir: string,
  mb: number,
  owner: { uid: number; gid: number } | null,
): Promise<TaskDisk> {
  const fh = await open(image, "wx", 0o600);
  try {
    await fh.truncate(mb * 1024 * 1024);
  } finally {
    await fh.close();
  }
  try {
    await run("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", "nodiscard", image], { timeout: 60_000 });
    await run("mount", ["-o", "loop,nosuid,nodev", image, dir], { timeout: 60_000 });
  } catch (e) {
    await rm(image, { force: true });
    throw new Error(`disk_mb: could not make the task's ${mb} MB work dir: ${(e as Error).message.split("\n")[0]}`);
  }
  // The new file system's root is root's: it becomes the task dir, the agent's, 0700.
  if (owner) await chown(dir, owner.uid, owner.gid);
  await chmod(dir, 0o700);
  return { image, dir, mb };
}

/** Whether the task's file system is full now (statfs, as root: what is left for anyone). */
export async function diskFull(d: TaskDisk | null): Promise<boolean> {
  if (!d) return false;
  const st = await statfs(d.dir).catch(() => null);
  return st !== null && st.bavail * st.bsize < Math.max(FULL_BELOW_BYTES, (st.blocks * st.bsize) / 100);
}

export async function unmountTaskDisk(d: TaskDisk): Promise<void> {
  // The tree is gone by now; a lazy unmount still detaches a mount something holds open.
  await run("umount", [d.dir], { timeout: 60_000 }).catch(() => run("umount", ["-l", d.dir], { timeout: 60_000 }));
  await rm(d.image, { force: true });
}
