// The clock's side of the TenantDO: everything time-driven (lease expiry,
// attempt and task deadlines, retry waits, approval and escalation deadlines,
// spent CPU budgets), run lazily on each request and by the alarm, and the
// earliest deadline it must wake for. Cheap until something is due.
import type { LifecycleEvent } from "../../task/events.js";
import { HOLDS_RUNNER_STATES, sqlList, TIMED_STATES } from "../../task/states.js";
import { wallTime } from "./clock.js";
import type { Tenant } from "./context.js";
import type { TaskRow } from "./rows.js";

/** States that hold a runner, and those a task deadline applies to (not final, not waiting on a person). */
const ACTIVE_SQL = sqlList(HOLDS_RUNNER_STATES);
const TIMED_SQL = sqlList(TIMED_STATES);

export class Deadlines {
  /** Earliest deadline of any kind (lease, attempt, task, wake); -Infinity: not known yet. */
  private dueAt = -Infinity;
  private alarmAt: number | null = null;

  constructor(private readonly t: Tenant) {
    void t.ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await t.ctx.storage.getAlarm();
    });
  }

  /** The storage alarm fired: whatever it was set for, look at everything. */
  alarm(): void {
    this.alarmAt = null;
    this.dueAt = -Infinity;
    this.tick(this.t.now());
  }

  /** Settles every transition that is due; the call's effects run at its end. */
  tick(now: number): void {
    if (now < this.dueAt) return;
    this.t.fx.call(() => {
      this.expireLeases(now);
      this.timeoutTasks(now);
      this.wakeParked(now);
      const st = this.t.sched();
      if ([...st.budgetSpent.values()].some((until) => until <= now)) this.t.refreshBudgets(now);
      const next = this.t.sql
        .exec<{ t: number | null }>(
          `SELECT MIN(t) AS t FROM (
           SELECT MIN(lease_expires_at) AS t FROM tasks WHERE state IN ${ACTIVE_SQL}
           UNION ALL SELECT MIN(attempt_deadline_at) FROM tasks WHERE state IN ${ACTIVE_SQL} AND attempt_deadline_at IS NOT NULL
           UNION ALL SELECT MIN(wake_at) FROM tasks WHERE wake_at IS NOT NULL
           UNION ALL SELECT MIN(deadline_at) FROM tasks WHERE deadline_at IS NOT NULL AND state IN ${TIMED_SQL})`,
        )
        .toArray()[0]?.t;
      const due = Math.min(next ?? Infinity, ...st.budgetSpent.values());
      this.dueAt = due;
      if (due !== Infinity) this.scheduleAlarm(due);
    });
  }

  /** A new deadline exists: the next tick must look, and the alarm must fire by then. */
  noteDue(at: number): void {
    if (at < this.dueAt) this.dueAt = at;
    this.scheduleAlarm(at);
  }

  private expireLeases(now: number): void {
    const rows = this.t.sql
      .exec<TaskRow>(
        `SELECT * FROM tasks WHERE state IN ${ACTIVE_SQL} AND (lease_expires_at <= ? OR attempt_deadline_at <= ?) ORDER BY lease_expires_at, seq`,
        now,
        now,
      )
      .toArray();
    for (const row of rows) {
      const timedOut =
        row.attempt_deadline_at !== null &&
        row.attempt_deadline_at <= now &&
        !(row.lease_expires_at !== null && row.lease_expires_at <= now);
      this.t.settle(row, { kind: timedOut ? "attempt_timeout" : "expire", rand: Math.random() }, now);
    }
  }

  private timeoutTasks(now: number): void {
    const rows = this.t.sql
      .exec<TaskRow>(`SELECT * FROM tasks WHERE deadline_at <= ? AND state IN ${TIMED_SQL}`, now)
      .toArray();
    for (const row of rows) this.t.settle(row, { kind: "task_timeout", rand: Math.random() }, now);
  }

  /** Retry waits that are over, and approval or escalation deadlines that passed. */
  private wakeParked(now: number): void {
    const rows = this.t.sql
      .exec<TaskRow>("SELECT * FROM tasks WHERE wake_at <= ? ORDER BY wake_at, seq", now)
      .toArray();
    for (const row of rows) {
      const ev: LifecycleEvent | null =
        row.state === "retry_wait"
          ? { kind: "retry_wake" }
          : row.state === "awaiting_approval"
            ? { kind: "approval_deadline" }
            : row.state === "escalated"
              ? { kind: "escalation_deadline" }
              : null;
      if (ev) this.t.settle(row, ev, now);
      else this.t.sql.exec("UPDATE tasks SET wake_at = NULL WHERE id = ?", row.id);
    }
  }

  private scheduleAlarm(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    // The clock may run ahead of wall time (tests move it); the real alarm runs on wall time.
    void this.t.ctx.storage.setAlarm(wallTime(this.t.clock, at));
  }
}
