// What every row must satisfy whatever happened to it: the property tests
// check these after every step, and a store may check them before it commits.
import type { TaskLife } from "./row.js";
import { holdsRunner, inGroup, isFinal } from "./states.js";

export function invariantProblems(r: TaskLife): string[] {
  const bad: string[] = [];
  const need = (ok: boolean, what: string): void => {
    if (!ok) bad.push(`${r.state}: ${what}`);
  };
  const leaseless =
    r.lease_id === null && r.lease_expires_at === null && r.attempt_deadline_at === null && r.preempt_requested === 0;
  const leased = r.lease_id !== null && r.runner_id !== null && r.epoch !== null && r.lease_expires_at !== null;
  if (holdsRunner(r.state)) need(leased, "holds a lease (lease_id, runner_id, epoch, lease_expires_at)");
  else need(leaseless, "holds no lease (lease_id, lease_expires_at, attempt_deadline_at NULL, preempt_requested 0)");
  need((r.gate !== null) === (r.state === "awaiting_approval"), "a pending gate exactly while awaiting approval");
  need(r.wake_at === null || inGroup("parked", r.state), "wake_at only in a parked state");
  if (r.state === "retry_wait") need(r.wake_at !== null, "retry_wait has its wake time");
  if (r.state === "escalated") need(r.escalation !== null, "escalated has its escalation");
  need(
    r.escalation === null || r.state === "escalated" || isFinal(r.state),
    "escalation only while escalated or after it ended",
  );
  need(r.result === null || r.state === "succeeded", "a result only on a succeeded task");
  need(
    r.attempts >= 0 && r.attempts <= r.max_attempts,
    `0 <= attempts (${r.attempts}) <= max_attempts (${r.max_attempts})`,
  );
  if (r.state === "queued") need(r.queued_at !== null, "queued has queued_at");
  if (r.epoch === null) need(r.runner_id === null && r.attempts === 0, "never leased: no runner, no attempt");
  return bad;
}
