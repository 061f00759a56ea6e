// One handler per event: given a row whose cell in the table accepts the event
// (machine.ts has checked the cell and the epoch), it computes the step, or a
// refusal that depends on more than the state (a deadline not yet due, a gate).
import type { EventKind, EventOf, LogEntry, RefusalReason } from "./events.js";
import { decisionsOf, gateNameOf, iso, policyOf, type Fields, type TaskLife } from "./row.js";
import { count, endParked, requeue, settle, SYSTEM, type Step } from "./settle.js";

export type Handled = Step | { refuse: RefusalReason; detail?: Record<string, unknown> };
type Handler<K extends EventKind> = (row: TaskLife, ev: EventOf<K>, nowMs: number) => Handled;

const TIMEOUT_ACTOR = "system:timeout";
const runnerActor = (row: TaskLife): string => `runner:${row.runner_id ?? "?"}`;
const stay = (row: TaskLife, fields: Fields = {}, events: LogEntry[] = []): Step => ({
  to: row.state,
  fields,
  events,
  effects: [],
});
/** A clock event ends the attempt (or the task) as a failure the retry policy reads. */
function timedOut(row: TaskLife, code: string, message: string, retryable: boolean, nowMs: number, rand: number): Step {
  return settle(row, { kind: "failed", error: { code, message }, retryable }, nowMs, SYSTEM, rand);
}
const notDue = (at: number | null, nowMs: number): Handled | null =>
  at === null || at > nowMs ? { refuse: "not_due", detail: { due_at: at } } : null;

function answerGate(
  row: TaskLife,
  gate: string,
  decision: "approve" | "reject",
  comment: string | undefined,
  actor: string,
  nowMs: number,
): Step {
  const all = decisionsOf(row);
  all[gate] = { decision, ...(comment !== undefined ? { comment } : {}), by: actor, at: iso(nowMs) };
  return requeue(
    decision === "approve" ? "approved" : "rejected",
    actor,
    { gate, comment },
    { approvals: JSON.stringify(all) },
  );
}

export const HANDLERS: { readonly [K in EventKind]: Handler<K> } = {
  // create() makes rows; the table refuses submit on every state, so this never runs.
  submit: () => ({ refuse: "already_submitted" }),
  lease: (row, ev, nowMs) => {
    if (row.epoch !== null && ev.epoch <= row.epoch)
      return { refuse: "epoch_not_increasing", detail: { current_epoch: row.epoch } };
    const attemptMs = policyOf(row).timeouts.attempt_ms;
    const expires = nowMs + ev.leaseTtlMs;
    const attemptDeadline = attemptMs !== undefined ? nowMs + attemptMs : null;
    const attempt = row.attempts + 1;
    return {
      to: "leased",
      fields: {
        attempts: attempt,
        runner_id: ev.runnerId,
        lease_id: ev.leaseId,
        epoch: ev.epoch,
        lease_expires_at: expires,
        attempt_deadline_at: attemptDeadline,
        started_at: row.started_at ?? nowMs,
      },
      events: [
        {
          type: "leased",
          actor: `runner:${ev.runnerId}`,
          state: "leased",
          details: {
            runner: ev.runnerId,
            epoch: ev.epoch,
            attempt,
            ...(ev.isolation ? { isolation: ev.isolation } : {}),
          },
        },
      ],
      effects: [
        { kind: "observe_schedule_to_start", seconds: Math.max(0, nowMs - (row.queued_at ?? row.created_at)) / 1000 },
      ],
    };
  },
  heartbeat: (row, ev, nowMs) => {
    const lease_expires_at = nowMs + ev.leaseTtlMs;
    if (row.state !== "leased") return stay(row, { lease_expires_at });
    return {
      to: "running",
      fields: { lease_expires_at },
      events: [{ type: "running", actor: `runner:${ev.runnerId}`, state: "running" }],
      effects: [],
    };
  },
  checkpoint: (row) =>
    row.state === "leased"
      ? {
          to: "running",
          fields: {},
          events: [{ type: "running", actor: runnerActor(row), state: "running" }],
          effects: [],
        }
      : stay(row),
  complete: (row, ev, nowMs) => {
    const invalid = {
      code: "invalid_output",
      message: `result does not match the agent's output_schema: ${ev.outputProblem ?? ""}`,
    };
    const outcome =
      ev.outputProblem === null
        ? ({ kind: "succeeded", result: ev.result } as const)
        : ({ kind: "failed", error: invalid, retryable: true } as const);
    return settle(row, outcome, nowMs, runnerActor(row), ev.rand);
  },
  fail: (row, ev, nowMs) =>
    settle(row, { kind: "failed", error: ev.error, retryable: ev.retryable }, nowMs, runnerActor(row), ev.rand),
  release: (row, _ev, nowMs) => settle(row, { kind: "released" }, nowMs, runnerActor(row), 0),
  expire: (row, ev, nowMs) =>
    notDue(row.lease_expires_at, nowMs) ??
    timedOut(row, "lease_expired", `runner ${row.runner_id ?? "?"} stopped heartbeating`, true, nowMs, ev.rand),
  attempt_timeout: (row, ev, nowMs) =>
    notDue(row.attempt_deadline_at, nowMs) ??
    timedOut(
      row,
      "attempt_timeout",
      `attempt ${row.attempts} ran past its ${policyOf(row).timeouts.attempt_ms ?? 0} ms limit`,
      true,
      nowMs,
      ev.rand,
    ),
  task_timeout: (row, ev, nowMs) =>
    notDue(row.deadline_at, nowMs) ??
    timedOut(
      row,
      "task_timeout",
      `task ran past its ${policyOf(row).timeouts.task_ms ?? 0} ms limit`,
      false,
      nowMs,
      ev.rand,
    ),
  approval_asked: (row, ev, nowMs) => {
    const decided = decisionsOf(row)[ev.gate];
    if (decided)
      return { to: row.state, fields: {}, events: [], effects: [{ kind: "gate_decided", decision: decided }] };
    const timeoutMs = policyOf(row).approvals.timeout_ms;
    const deadline = timeoutMs !== null ? nowMs + timeoutMs : null;
    const pending = {
      gate: ev.gate,
      ...(ev.message !== undefined ? { message: ev.message } : {}),
      ...(ev.details !== undefined ? { details: ev.details } : {}),
      requested_at: iso(nowMs),
      ...(deadline !== null ? { deadline_at: iso(deadline) } : {}),
    };
    return {
      to: "awaiting_approval",
      // The attempt ends without being charged: the gate is the agent's, not a failure.
      fields: { attempts: Math.max(0, row.attempts - 1), gate: JSON.stringify(pending), wake_at: deadline },
      events: [
        {
          type: "approval_requested",
          actor: runnerActor(row),
          state: "awaiting_approval",
          details: { gate: ev.gate, message: ev.message },
        },
      ],
      effects: [count("officeos_approvals_requested_total", { agent: row.agent })],
    };
  },
  approval_decided: (row, ev, nowMs) => {
    if (row.state === "awaiting_approval") {
      const waiting = gateNameOf(row);
      if (ev.gate !== undefined && ev.gate !== waiting) return { refuse: "gate_mismatch", detail: { gate: waiting } };
      return answerGate(row, waiting, ev.decision, ev.comment, ev.actor, nowMs);
    }
    if (ev.gate === undefined) return { refuse: "gate_required" };
    const all = decisionsOf(row);
    const prior = all[ev.gate];
    if (prior) return { refuse: "already_decided", detail: { decision: prior.decision, by: prior.by, at: prior.at } };
    all[ev.gate] = {
      decision: ev.decision,
      ...(ev.comment !== undefined ? { comment: ev.comment } : {}),
      by: ev.actor,
      at: iso(nowMs),
    };
    const type = ev.decision === "approve" ? "approved" : "rejected";
    return stay(row, { approvals: JSON.stringify(all), updated_at: nowMs }, [
      { type, actor: ev.actor, state: null, details: { gate: ev.gate, comment: ev.comment, ahead: true } },
    ]);
  },
  approval_deadline: (row, _ev, nowMs) => {
    const due = notDue(row.wake_at, nowMs);
    if (due) return due;
    const policy = policyOf(row);
    const gate = gateNameOf(row);
    const onTimeout = policy.approvals.on_timeout;
    if (onTimeout === "approve" || onTimeout === "reject")
      return answerGate(row, gate, onTimeout, "approval deadline passed", TIMEOUT_ACTOR, nowMs);
    if (onTimeout === "cancel") return settle(row, { kind: "cancelled" }, nowMs, TIMEOUT_ACTOR, 0);
    const reason = { code: "approval_timeout", message: `nobody answered gate "${gate}" in time` };
    const deadline = policy.escalation.timeout_ms !== null ? nowMs + policy.escalation.timeout_ms : null;
    const escalation = JSON.stringify({
      reason,
      escalated_at: iso(nowMs),
      ...(deadline !== null ? { deadline_at: iso(deadline) } : {}),
    });
    return {
      to: "escalated",
      fields: { wake_at: deadline, escalation, error: JSON.stringify(reason) },
      events: [{ type: "escalated", actor: SYSTEM, state: "escalated", details: { code: reason.code } }],
      effects: [count("officeos_escalations_total", { agent: row.agent })],
    };
  },
  escalation_deadline: (row, _ev, nowMs) => {
    const due = notDue(row.wake_at, nowMs);
    if (due) return due;
    const error = { code: "escalation_timeout", message: "nobody acted on the escalation in time" };
    if (policyOf(row).escalation.on_timeout === "fail") return endParked(row, "failed", { error }, TIMEOUT_ACTOR);
    return endParked(row, "cancelled", {}, TIMEOUT_ACTOR);
  },
  retry_wake: (row, _ev, nowMs) => notDue(row.wake_at, nowMs) ?? requeue("requeued", SYSTEM, undefined),
  person_retry: (row, ev) => {
    // A person's retry grants a fresh round of attempts, on any runner.
    const fields: Fields = {
      max_attempts: row.attempts + policyOf(row).retry.max_attempts,
      avoid_runners: "[]",
      error: null,
    };
    if (ev.input !== undefined) fields.input = ev.input;
    const details = {
      comment: ev.comment,
      input_edited: ev.input !== undefined || undefined,
      state_edited: ev.stateEdited === true || undefined,
    };
    return requeue("escalation_retried", ev.actor, details, fields);
  },
  person_resolve: (row, ev) =>
    withComment(endParked(row, "succeeded", { result: ev.result }, ev.actor, "resolved"), ev.actor, ev.comment),
  person_cancel: (row, ev) => withComment(endParked(row, "cancelled", {}, ev.actor), ev.actor, ev.comment),
  cancel: (row, ev, nowMs) => settle(row, { kind: "cancelled" }, nowMs, ev.actor, 0),
  preempt_request: (row) => stay(row, { preempt_requested: 1 }),
  preempt_withdraw: (row) => stay(row, { preempt_requested: 0 }),
};

/** A person's comment on resolve or cancel is its own line, after the transition's. */
function withComment(step: Step, actor: string, comment: string | undefined): Step {
  if (comment === undefined) return step;
  return { ...step, events: [...step.events, { type: "resolved", actor, state: null, details: { comment } }] };
}
