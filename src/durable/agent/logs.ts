// An agent instance's captured output (docs/logs.md), kept by its AgentDO: one row per line
// {seq, task_id, attempt, n, at, stream, text}. `seq` grows for the object's life (AUTOINCREMENT:
// never reused after a delete), so it is a stable cursor; (task_id, attempt, n) is unique, so a
// batch the runner resends is stored once. Retention: a line is kept `retentionDays` after it was
// written (OFFICEOS_LOG_RETENTION_DAYS, default 7); prune() runs from the object's alarm. An
// attempt keeps at most MAX_LINES_PER_ATTEMPT lines here whatever its runner's own cap.
import type { LogBatch, LogLine } from "../../api/log-schemas.js";

export const LOG_MIGRATIONS = `
  CREATE TABLE task_logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, attempt INTEGER NOT NULL,
    n INTEGER NOT NULL, at INTEGER NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL, UNIQUE (task_id, attempt, n));
  CREATE INDEX task_logs_by_task ON task_logs (task_id, seq);`;

export const DEFAULT_LOG_RETENTION_DAYS = 7;
export const MAX_LINES_PER_ATTEMPT = 100_000;
const DAY_MS = 24 * 3600 * 1000;
/** Rows deleted per prune pass (the alarm comes back for the rest). */
const PRUNE_BATCH = 5_000;

export interface LogQuery {
  taskId: string;
  attempt?: number | undefined;
  after: number;
  limit: number;
}

type Row = { seq: number; at: number; attempt: number; stream: "stdout" | "stderr"; text: string };

interface SqlLike {
  exec(query: string, ...bindings: unknown[]): { toArray(): unknown[]; rowsWritten?: number };
}

/** When the alarm must next prune: the oldest line's expiry, or null when there are none. Pure. */
export function nextPruneAt(oldestAt: number | null, retentionDays: number): number | null {
  return oldestAt === null ? null : oldestAt + retentionDays * DAY_MS;
}

export function retentionDays(v: string | undefined): number {
  const n = Number(v ?? "");
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_LOG_RETENTION_DAYS;
}

export class LogStore {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(
    private readonly sql: SqlLike,
    readonly retentionDays: number,
  ) {}

  /** Stores a batch's lines (a line already stored is skipped); wakes the readers waiting on the task. */
  append(b: Pick<LogBatch, "task_id" | "attempt" | "lines">): { stored: number } {
    let stored = 0;
    for (const l of b.lines) {
      if (l.n >= MAX_LINES_PER_ATTEMPT) continue;
      const r = this.sql.exec(
        "INSERT OR IGNORE INTO task_logs (task_id, attempt, n, at, stream, text) VALUES (?, ?, ?, ?, ?, ?)",
        b.task_id,
        b.attempt,
        l.n,
        Date.parse(l.at),
        l.stream,
        l.text,
      );
      stored += r.rowsWritten ?? 1;
    }
    if (stored > 0) this.wake(b.task_id);
    return { stored };
  }

  read(q: LogQuery): { lines: LogLine[]; more: boolean } {
    const rows = (
      q.attempt === undefined
        ? this.sql.exec(
            "SELECT seq, at, attempt, stream, text FROM task_logs WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            q.taskId,
            q.after,
            q.limit + 1,
          )
        : this.sql.exec(
            "SELECT seq, at, attempt, stream, text FROM task_logs WHERE task_id = ? AND seq > ? AND attempt = ? ORDER BY seq LIMIT ?",
            q.taskId,
            q.after,
            q.attempt,
            q.limit + 1,
          )
    ).toArray() as Row[];
    const more = rows.length > q.limit;
    const lines = rows.slice(0, q.limit).map((r) => ({
      seq: r.seq,
      at: new Date(r.at).toISOString(),
      attempt: r.attempt,
      stream: r.stream,
      text: r.text,
    }));
    return { lines, more };
  }

  /** Resolves when a line of the task is stored, or after `ms`. */
  wait(taskId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(taskId);
      if (!set) this.waiters.set(taskId, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(taskId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private wake(taskId: string): void {
    for (const w of [...(this.waiters.get(taskId) ?? [])]) w();
  }

  /** Deletes lines past their retention; returns when the next pass is due (null: nothing left). */
  prune(nowMs: number): number | null {
    const cutoff = nowMs - this.retentionDays * DAY_MS;
    this.sql.exec(
      "DELETE FROM task_logs WHERE seq IN (SELECT seq FROM task_logs WHERE at < ? ORDER BY seq LIMIT ?)",
      cutoff,
      PRUNE_BATCH,
    );
    return nextPruneAt(this.oldestAt(), this.retentionDays);
  }

  oldestAt(): number | null {
    // Lines arrive in time order: the lowest seq is the oldest (no scan of the table).
    const r = this.sql.exec("SELECT at FROM task_logs ORDER BY seq LIMIT 1").toArray() as { at: number }[];
    return r[0]?.at ?? null;
  }
}
