// The uid pool's decisions, pure (tested alone in test/unit/uid-pool.test.ts):
// which uid to try next, what to make of another runner's claim on it, and
// when a uid may go back to the pool. The I/O (claim files, /proc, /tmp)
// lives in uid-claims.ts; identity.ts puts the two together.
//
// Every running task gets a uid of its own from the configured range, so a
// sibling's /proc/<pid>/environ, its files and its processes (signal, ptrace)
// are out of reach by plain Unix permissions, with or without Yama.

export interface UidRange {
  first: number;
  last: number;
}

/** Per uid, what this runner knows locally. Absent: free as far as this runner knows. */
export type LocalUid =
  /** Held by a running task. */
  | { kind: "held"; task: string }
  /** Its task ended but processes or files of it were left behind: not reusable until cleaned. */
  | { kind: "quarantined"; since: number; why: string };

/**
 * The uids to try, in order: round-robin from `cursor` so a uid just released
 * is the last to be reused (stray state of a task has the longest to be seen),
 * skipping those this runner holds or quarantines.
 */
export function candidates(
  range: UidRange,
  local: ReadonlyMap<number, LocalUid>,
  cursor: number,
  limit = 64,
): number[] {
  const size = range.last - range.first + 1;
  const out: number[] = [];
  const start = cursor >= range.first && cursor <= range.last ? cursor - range.first : 0;
  for (let i = 0; i < size && out.length < limit; i++) {
    const uid = range.first + ((start + i) % size);
    if (!local.has(uid)) out.push(uid);
  }
  return out;
}

/** The cursor after handing out `uid`. */
export function advance(range: UidRange, uid: number): number {
  return uid >= range.last ? range.first : uid + 1;
}

/** A host-wide claim file on a uid as found, for the verdict. */
export type ClaimSeen =
  | { kind: "absent" }
  /** Holder pid (and its start time, against pid reuse); `alive`: that process exists with that start time. */
  | { kind: "held"; pid: number; alive: boolean }
  /** Unreadable or malformed: treat as held (a runner crashed mid-write is rare; a forged file is never taken over blindly). */
  | { kind: "garbled" };

export type ClaimVerdict = "create" | "take_over" | "busy";

export function claimVerdict(seen: ClaimSeen, myPid: number): ClaimVerdict {
  if (seen.kind === "absent") return "create";
  if (seen.kind === "garbled") return "busy";
  // Our own pid but not in our local map: a claim a previous runner with our pid left (pid reuse) — alive is us.
  if (seen.pid === myPid) return "busy";
  return seen.alive ? "busy" : "take_over";
}

/** What the cleanup of a uid found, for the release decision. */
export interface CleanupReport {
  /** Processes of the uid still alive after the kill. */
  processesLeft: number;
  /** Files the uid owns outside its task dir that could not be removed. */
  filesLeft: string[];
}

export type ReleaseVerdict = { kind: "release" } | { kind: "quarantine"; why: string };

export function releaseVerdict(r: CleanupReport): ReleaseVerdict {
  if (r.processesLeft > 0) return { kind: "quarantine", why: `${r.processesLeft} process(es) of this uid still alive` };
  if (r.filesLeft.length > 0)
    return {
      kind: "quarantine",
      why: `files of this uid left outside its task dir: ${r.filesLeft.slice(0, 5).join(", ")}${r.filesLeft.length > 5 ? ", …" : ""}`,
    };
  return { kind: "release" };
}

/** Parses a claim file's text: `<pid> <start time>`; null when malformed. */
export function parseClaim(text: string): { pid: number; startTime: string } | null {
  const m = /^(\d{1,10}) (\d{1,20})\n?$/.exec(text);
  if (!m) return null;
  const pid = Number(m[1]);
  return pid > 0 ? { pid, startTime: m[2] as string } : null;
}

/** Field 22 (start time, in clock ticks since boot) of /proc/<pid>/stat; the comm field may hold spaces and parens. */
export function statStartTime(stat: string): string | null {
  const close = stat.lastIndexOf(")");
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(" ");
  // After "pid (comm) " the fields start at 3 (state); start time is field 22.
  const v = fields[22 - 3];
  return v && /^\d+$/.test(v) ? v : null;
}

/** Real, effective, saved and fs uids from the `Uid:` line of /proc/<pid>/status. */
export function statusUids(status: string): number[] {
  const m = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/m.exec(status);
  return m ? m.slice(1, 5).map(Number) : [];
}
