// The clock's side of the lifecycle: which timer event is due for a row now,
// and the row's next deadline, in the order the TenantDO's tick() applied them
// (lease expiry before the attempt timeout, the task deadline before a parked
// wake). The store calls dueEvent() until it returns null, committing each, so
// a row whose lease expired and whose task deadline passed goes queued, then failed.
import type { LifecycleEvent } from "./events.js";
import type { TaskLife } from "./row.js";
import { holdsRunner, inGroup } from "./states.js";

type TimerEvent = Extract<
  LifecycleEvent,
  { kind: "expire" | "attempt_timeout" | "task_timeout" | "retry_wake" | "approval_deadline" | "escalation_deadline" }
>;

const passed = (at: number | null, nowMs: number): boolean => at !== null && at <= nowMs;

export function dueEvent(r: TaskLife, nowMs: number, rand: number): TimerEvent | null {
  if (holdsRunner(r.state)) {
    // Both passed: the runner is gone, which says more than the attempt's clock (as before).
    if (passed(r.lease_expires_at, nowMs)) return { kind: "expire", rand };
    if (passed(r.attempt_deadline_at, nowMs)) return { kind: "attempt_timeout", rand };
  }
  if (inGroup("timed", r.state) && passed(r.deadline_at, nowMs)) return { kind: "task_timeout", rand };
  if (passed(r.wake_at, nowMs)) {
    if (r.state === "retry_wait") return { kind: "retry_wake" };
    if (r.state === "awaiting_approval") return { kind: "approval_deadline" };
    if (r.state === "escalated") return { kind: "escalation_deadline" };
  }
  return null;
}

/** The earliest time a timer event can become due for this row; null: none can. */
export function nextDeadline(r: TaskLife): number | null {
  const times: (number | null)[] = [];
  if (holdsRunner(r.state)) times.push(r.lease_expires_at, r.attempt_deadline_at);
  if (inGroup("timed", r.state)) times.push(r.deadline_at);
  if (inGroup("parked", r.state)) times.push(r.wake_at);
  const real = times.filter((t): t is number => t !== null);
  return real.length > 0 ? Math.min(...real) : null;
}
