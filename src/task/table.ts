// The transition table, as data: for every state and every event, either the
// states the event may lead to (the handler in machine.ts picks one, e.g. the
// retry decision) or the typed reason it is refused. It is total by type (a
// Record over both lists) and by test (test/unit/task-table.test.ts), so a new
// state or event does not compile until each of its cells is written.
// ENTRY says what entering each state writes and clears among the row's columns.
import type { EventKind, RefusalReason } from "./events.js";
import type { Column } from "./row.js";
import type { TaskState } from "./states.js";

export type Cell = { readonly to: readonly TaskState[] } | { readonly refuse: RefusalReason };
export type StateRows = { readonly [E in EventKind]: Cell };

const to = (...states: TaskState[]): Cell => ({ to: states });
const no = (reason: RefusalReason): Cell => ({ refuse: reason });

/** Events that carry a lease epoch. */
export const FENCED_EVENTS = [
  "heartbeat",
  "checkpoint",
  "complete",
  "fail",
  "release",
  "approval_asked",
] as const satisfies readonly EventKind[];
export const PERSON_EVENTS = [
  "person_retry",
  "person_resolve",
  "person_cancel",
] as const satisfies readonly EventKind[];
export const TIMER_EVENTS = [
  "expire",
  "attempt_timeout",
  "task_timeout",
  "approval_deadline",
  "escalation_deadline",
  "retry_wake",
] as const satisfies readonly EventKind[];

const all = <K extends EventKind>(events: readonly K[], cell: Cell): Record<K, Cell> =>
  Object.fromEntries(events.map((e) => [e, cell])) as Record<K, Cell>;

/** How an attempt can end: the retry decision picks among these. */
const ENDED = ["queued", "retry_wait", "failed", "escalated"] as const;

function holding(self: "leased" | "running"): StateRows {
  return {
    submit: no("already_submitted"),
    lease: no("wrong_state"),
    heartbeat: to("running"),
    checkpoint: to("running"),
    complete: to("succeeded", ...ENDED),
    fail: to(...ENDED),
    release: to("queued"),
    approval_asked: to("awaiting_approval", self),
    // lease_expired requeues at once (IMMEDIATE_RETRY_CODES): never retry_wait.
    expire: to("queued", "failed", "escalated"),
    attempt_timeout: to(...ENDED),
    task_timeout: to("failed", "escalated"),
    approval_decided: to(self),
    approval_deadline: no("wrong_state"),
    escalation_deadline: no("wrong_state"),
    retry_wake: no("wrong_state"),
    ...all(PERSON_EVENTS, no("wrong_state")),
    cancel: to("cancelled"),
    preempt_request: to(self),
    preempt_withdraw: to(self),
  };
}

function final(): StateRows {
  const rest = [
    "lease",
    ...FENCED_EVENTS,
    ...TIMER_EVENTS,
    "approval_decided",
    ...PERSON_EVENTS,
    "cancel",
    "preempt_request",
    "preempt_withdraw",
  ] as const;
  return { ...all(rest, no("final")), submit: no("already_submitted") };
}

export const TABLE: { readonly [S in TaskState]: StateRows } = {
  queued: {
    submit: no("already_submitted"),
    lease: to("leased"),
    // A fenced call on a task that went back to the queue: its lease is gone (409 stale_epoch, as before).
    ...all(FENCED_EVENTS, no("stale_epoch")),
    expire: no("wrong_state"),
    attempt_timeout: no("wrong_state"),
    task_timeout: to("failed", "escalated"),
    // Decided ahead of the gate: kept in approvals, the state stays.
    approval_decided: to("queued"),
    approval_deadline: no("wrong_state"),
    escalation_deadline: no("wrong_state"),
    retry_wake: no("wrong_state"),
    ...all(PERSON_EVENTS, no("wrong_state")),
    cancel: to("cancelled"),
    preempt_request: no("wrong_state"),
    preempt_withdraw: no("wrong_state"),
  },
  retry_wait: {
    submit: no("already_submitted"),
    lease: no("wrong_state"),
    ...all(FENCED_EVENTS, no("wrong_state")),
    expire: no("wrong_state"),
    attempt_timeout: no("wrong_state"),
    task_timeout: to("failed", "escalated"),
    approval_decided: to("retry_wait"),
    approval_deadline: no("wrong_state"),
    escalation_deadline: no("wrong_state"),
    retry_wake: to("queued"),
    ...all(PERSON_EVENTS, no("wrong_state")),
    cancel: to("cancelled"),
    preempt_request: no("wrong_state"),
    preempt_withdraw: no("wrong_state"),
  },
  leased: holding("leased"),
  running: holding("running"),
  awaiting_approval: {
    submit: no("already_submitted"),
    lease: no("wrong_state"),
    ...all(FENCED_EVENTS, no("wrong_state")),
    expire: no("wrong_state"),
    attempt_timeout: no("wrong_state"),
    // Not timed: the task deadline does not run while a person decides.
    task_timeout: no("wrong_state"),
    approval_decided: to("queued"),
    approval_deadline: to("queued", "cancelled", "escalated"),
    escalation_deadline: no("wrong_state"),
    retry_wake: no("wrong_state"),
    ...all(PERSON_EVENTS, no("wrong_state")),
    cancel: to("cancelled"),
    preempt_request: no("wrong_state"),
    preempt_withdraw: no("wrong_state"),
  },
  escalated: {
    submit: no("already_submitted"),
    lease: no("wrong_state"),
    ...all(FENCED_EVENTS, no("wrong_state")),
    expire: no("wrong_state"),
    attempt_timeout: no("wrong_state"),
    task_timeout: no("wrong_state"),
    // As before: a gate is decided ahead only on a task that is on its way (not final, not escalated).
    approval_decided: no("wrong_state"),
    approval_deadline: no("wrong_state"),
    escalation_deadline: to("failed", "cancelled"),
    retry_wake: no("wrong_state"),
    person_retry: to("queued"),
    person_resolve: to("succeeded"),
    person_cancel: to("cancelled"),
    cancel: to("cancelled"),
    preempt_request: no("wrong_state"),
    preempt_withdraw: no("wrong_state"),
  },
  succeeded: final(),
  failed: final(),
  cancelled: final(),
};

const LEASE: readonly Column[] = ["lease_id", "lease_expires_at", "attempt_deadline_at", "preempt_requested"];
const ENDS: readonly Column[] = [...LEASE, "gate", "wake_at"];

/**
 * What entering a state (from another one) writes. `clears` are set to NULL
 * (preempt_requested to 0) unless the transition gives them a value; `sets` are
 * the columns every transition into the state writes (possibly to NULL, e.g. a
 * lease's attempt deadline when there is no attempt timeout). Columns not named
 * keep their value: `runner_id` and `epoch` stay after a lease ends (the last
 * holder, and the fence the next lease must beat); `escalation` stays on the
 * final states that end an escalation (decided change (a)).
 */
export const ENTRY: {
  readonly [S in TaskState]: { readonly sets: readonly Column[]; readonly clears: readonly Column[] };
} = {
  queued: { sets: ["queued_at", "updated_at"], clears: [...ENDS, "escalation"] },
  retry_wait: {
    sets: ["wake_at", "attempts", "avoid_runners", "updated_at"],
    clears: [...LEASE, "gate", "escalation"],
  },
  leased: {
    sets: [
      "runner_id",
      "lease_id",
      "epoch",
      "lease_expires_at",
      "attempt_deadline_at",
      "attempts",
      "started_at",
      "updated_at",
    ],
    clears: [],
  },
  // Decided change (b): a heartbeat moves updated_at as a checkpoint does.
  running: { sets: ["updated_at"], clears: [] },
  awaiting_approval: { sets: ["gate", "wake_at", "attempts", "updated_at"], clears: LEASE },
  escalated: { sets: ["escalation", "error", "wake_at", "updated_at"], clears: [...LEASE, "gate"] },
  succeeded: { sets: ["result", "updated_at"], clears: ENDS },
  failed: { sets: ["error", "updated_at"], clears: ENDS },
  cancelled: { sets: ["updated_at"], clears: ENDS },
};

export function cell(state: TaskState, event: EventKind): Cell {
  return TABLE[state][event];
}
