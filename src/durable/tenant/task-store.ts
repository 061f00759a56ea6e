// The one writer of a task's lifecycle: it commits a transition of the pure
// machine (src/task/) with one guarded UPDATE — the row must still be in the
// state, with the epoch, the transition was computed from — taking the seqs of
// the transition's event-log lines in the same statement and writing them.
// Load and commit run in one synchronous block of the Durable Object, so a
// guard that fails is a bug caught, not a race lost: commit() says so with null.
import type { JsonValue } from "../../api/errors.js";
import type { Transition } from "../../task/machine.js";
import type { EventLog, EventType } from "./events.js";
import type { TaskRow } from "./rows.js";

export class TaskStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly events: EventLog,
  ) {}

  load(id: string): TaskRow | undefined {
    return this.sql.exec<TaskRow>("SELECT * FROM tasks WHERE id = ?", id).toArray()[0];
  }

  /** Writes `t` to the task `id`; the row as written, or null when the guard did not hold (nothing written). */
  commit(id: string, t: Transition, nowMs: number): TaskRow | null {
    const cols = Object.keys(t.fields);
    const vals = cols.map((c) => (t.fields as Record<string, unknown>)[c] as SqlStorageValue);
    const n = t.events.length;
    const set = [...cols.map((c) => `${c} = ?`), `event_seq = event_seq + ${n}`].join(", ");
    const row = this.sql
      .exec<TaskRow & { event_seq: number }>(
        `UPDATE tasks SET ${set} WHERE id = ? AND state = ? AND epoch IS ? RETURNING *`,
        ...vals,
        id,
        t.guard.state,
        t.guard.epoch,
      )
      .toArray()[0];
    if (!row) return null;
    let seq = row.event_seq - n;
    for (const e of t.events)
      this.events.appendAt(
        id,
        ++seq,
        nowMs,
        e.type as EventType,
        e.actor,
        e.state,
        e.details as Record<string, JsonValue | undefined> | undefined,
      );
    return row;
  }
}
