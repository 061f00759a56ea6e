// The task event log: every transition with its time and actor, numbered per
// task, and a long-poll for readers that follow a task live.
import type { JsonValue } from "../../api/errors.js";
import type { TaskEvent } from "../../api/schemas.js";

export type EventType =
  | "submitted"
  | "leased"
  | "running"
  | "released"
  | "preempt_requested"
  | "lease_expired"
  | "attempt_timeout"
  | "attempt_failed"
  | "invalid_output"
  | "retry_scheduled"
  | "requeued"
  | "escalated"
  | "escalation_retried"
  | "approval_requested"
  | "approved"
  | "rejected"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "resolved"
  | "task_timeout";

type EventRow = { seq: number; at: number; type: string; actor: string; state: string | null; details: string | null };

export class EventLog {
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly sql: SqlStorage) {}

  /** Appends an event; the caller writes it in the same synchronous block as the transition. */
  append(
    taskId: string,
    at: number,
    type: EventType,
    actor: string,
    state: string | null,
    details?: Record<string, JsonValue | undefined>,
  ): void {
    const seq = this.sql
      .exec<{ event_seq: number }>(
        "UPDATE tasks SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq",
        taskId,
      )
      .toArray()[0]?.event_seq;
    if (seq === undefined) return;
    this.appendAt(taskId, seq, at, type, actor, state, details);
  }

  /** As append(), for a caller that already took `seq` in its own UPDATE of the task (event_seq = event_seq + 1). */
  appendAt(
    taskId: string,
    seq: number,
    at: number,
    type: EventType,
    actor: string,
    state: string | null,
    details?: Record<string, JsonValue | undefined>,
  ): void {
    const clean = details && Object.fromEntries(Object.entries(details).filter(([, v]) => v !== undefined));
    this.sql.exec(
      "INSERT INTO task_events (task_id, seq, at, type, actor, state, details) VALUES (?, ?, ?, ?, ?, ?, ?)",
      taskId,
      seq,
      at,
      type,
      actor,
      state,
      clean && Object.keys(clean).length > 0 ? JSON.stringify(clean) : null,
    );
    const ws = this.waiters.get(taskId);
    if (ws) {
      this.waiters.delete(taskId);
      for (const wake of ws) wake();
    }
  }

  list(taskId: string, after: number, limit: number): TaskEvent[] {
    return this.sql
      .exec<EventRow>(
        "SELECT seq, at, type, actor, state, details FROM task_events WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?",
        taskId,
        after,
        limit,
      )
      .toArray()
      .map((r) => {
        const e: TaskEvent = { seq: r.seq, at: r.at, type: r.type, actor: r.actor };
        if (r.state !== null) e.state = r.state;
        if (r.details !== null) e.details = JSON.parse(r.details) as JsonValue;
        return e;
      });
  }

  /** Resolves at the next event of the task or after `ms`, whichever comes first. */
  wait(taskId: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(taskId) ?? new Set<() => void>();
      this.waiters.set(taskId, set);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(taskId) === set) this.waiters.delete(taskId);
        resolve();
      }, ms);
      set.add(wake);
    });
  }
}
