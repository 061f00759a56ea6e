// Everything that can happen to a task, listed once, and what a transition
// hands back: the task-log entries it writes and its effects, as data.
import type { TaskState } from "./states.js";
import type { LifeError } from "./row.js";

/** Who did it, in the event log: `key:<id>`, `runner:<id>`, `system`, `system:timeout`. */
export type Actor = string;

export const EVENT_KINDS = [
  "submit",
  "lease",
  "heartbeat",
  "checkpoint",
  "complete",
  "fail",
  "release",
  "expire",
  "attempt_timeout",
  "task_timeout",
  "approval_asked",
  "approval_decided",
  "approval_deadline",
  "escalation_deadline",
  "retry_wake",
  "person_retry",
  "person_resolve",
  "person_cancel",
  "cancel",
  "preempt_request",
  "preempt_withdraw",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** A lease-fenced call: the epoch it was leased with, and the runner when the caller says which it is. */
interface Fenced {
  epoch: number;
  runnerId?: string | undefined;
}

export type LifecycleEvent =
  /** Only creates a row (see create()); on an existing row it is refused. */
  | { kind: "submit" }
  /** The scheduler picked it for a runner; the DO takes `epoch` from its counter, so it only grows. */
  | {
      kind: "lease";
      runnerId: string;
      leaseId: string;
      epoch: number;
      leaseTtlMs: number;
      /** The isolation level the runner reports (its `officeos.io/isolation` label), kept with the attempt. */
      isolation?: string | undefined;
    }
  /** Extends the lease; the first heartbeat (or checkpoint) of a lease is the start: leased → running. */
  | ({ kind: "heartbeat"; runnerId: string; leaseTtlMs: number } & Fenced)
  /** A checkpoint write is fenced by this; the first marks the task running. */
  | ({ kind: "checkpoint" } & Fenced)
  /** `result` is JSON text; `outputProblem`, when the DO's output-schema check found one, turns it into an invalid_output failure. */
  | ({ kind: "complete"; result: string; outputProblem: string | null; rand: number } & Fenced)
  | ({ kind: "fail"; error: LifeError; retryable: boolean; rand: number } & Fenced)
  /** Given back (drain, preemption): requeued, the attempt not charged. */
  | ({ kind: "release" } & Fenced)
  /** The lease's time ran out without a heartbeat (alarm or lazy tick). */
  | { kind: "expire"; rand: number }
  | { kind: "attempt_timeout"; rand: number }
  | { kind: "task_timeout"; rand: number }
  | ({ kind: "approval_asked"; gate: string; message?: string | undefined; details?: unknown } & Fenced)
  /** A person's answer; with `gate` on a task not at a gate yet, it is kept for when it gets there. */
  | {
      kind: "approval_decided";
      decision: "approve" | "reject";
      gate?: string | undefined;
      comment?: string | undefined;
      actor: Actor;
    }
  | { kind: "approval_deadline" }
  | { kind: "escalation_deadline" }
  /** retry_wait is over: back to the queue. */
  | { kind: "retry_wake" }
  /** A person's retry of an escalated task, with edited input (JSON text) or an edited state (written with a fresh epoch first). */
  | {
      kind: "person_retry";
      input?: string | undefined;
      stateEdited?: boolean | undefined;
      comment?: string | undefined;
      actor: Actor;
    }
  | { kind: "person_resolve"; result: string; comment?: string | undefined; actor: Actor }
  | { kind: "person_cancel"; comment?: string | undefined; actor: Actor }
  /** POST /v1/tasks/{id}/cancel. */
  | { kind: "cancel"; actor: Actor }
  /** The preemption planner flags a lease; the runner hears of it in its heartbeat. */
  | { kind: "preempt_request" }
  | { kind: "preempt_withdraw" };

export type EventOf<K extends EventKind> = Extract<LifecycleEvent, { kind: K }>;

/** Types of the task event log (src/durable/tenant/events.ts's EventType; the test checks they agree). */
export const LOG_TYPES = [
  "submitted",
  "leased",
  "running",
  "released",
  "preempt_requested",
  "lease_expired",
  "attempt_timeout",
  "attempt_failed",
  "invalid_output",
  "retry_scheduled",
  "requeued",
  "escalated",
  "escalation_retried",
  "approval_requested",
  "approved",
  "rejected",
  "succeeded",
  "failed",
  "cancelled",
  "resolved",
  "task_timeout",
] as const;
export type LogType = (typeof LOG_TYPES)[number];

/** JSON-able values; `undefined` ones are left out when written. */
export type LogDetails = Record<string, unknown>;

/** One line of the task's event log; `state` is the state it entered, null when it stayed. */
export interface LogEntry {
  type: LogType;
  actor: Actor;
  state: TaskState | null;
  details?: LogDetails | undefined;
}

export const METRICS = [
  "officeos_tasks_submitted_total",
  "officeos_tasks_finished_total",
  "officeos_attempts_failed_total",
  "officeos_retries_total",
  "officeos_lease_expiries_total",
  "officeos_escalations_total",
  "officeos_approvals_requested_total",
] as const;
export type Metric = (typeof METRICS)[number];

/** What the DO does after committing, in order; each kind runs at most once per call where that makes sense (wake_polls). */
export type Effect =
  /** The scheduler's queue index gains the task. */
  | { kind: "enqueue" }
  /** It left the queue other than by a lease. */
  | { kind: "dequeue" }
  /** A runner's capacity is now the task's (scheduler: onLeased). */
  | { kind: "allocate"; runnerId: string }
  /** The runner's capacity is free again (scheduler: onEnded). */
  | { kind: "free"; runnerId: string }
  /** A deadline exists at `at`: the next tick must look, the alarm must fire by then. */
  | { kind: "deadline"; at: number }
  /** Serve parked long-polls: capacity freed or work queued. */
  | { kind: "wake_polls" }
  /** Work was queued: see whether lower-priority leases should make room. */
  | { kind: "consider_preemption" }
  | { kind: "count"; metric: Metric; labels: Record<string, string> }
  | { kind: "observe_schedule_to_start"; seconds: number }
  /** The gate was decided ahead of the agent reaching it: answer the agent with it, nothing changes. */
  | { kind: "gate_decided"; decision: unknown };

export const REFUSALS = [
  /** Submit on a row that exists. */
  "already_submitted",
  /** The call's epoch is not the task's (or the task went back to the queue since). */
  "stale_epoch",
  /** The epoch is current, but another runner holds the lease. */
  "not_holder",
  /** The task is in a state this event does not apply to. */
  "wrong_state",
  /** The task has ended; nothing but the table's rows leaves a final state. */
  "final",
  /** A timer event before its deadline. */
  "not_due",
  /** A decision naming another gate than the one the task waits at. */
  "gate_mismatch",
  /** Deciding a task not at a gate needs the gate named. */
  "gate_required",
  "already_decided",
  /** A lease must carry an epoch above the task's last one. */
  "epoch_not_increasing",
] as const;
export type RefusalReason = (typeof REFUSALS)[number];
