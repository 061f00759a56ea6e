// The task states and their groups, defined once. Every other list of states
// (SQL `IN (...)` texts, the dashboard's "final" set, the scheduler's "active")
// is meant to be derived from these.
//
// `escalated` is parked, not final. It used to be in both lists (rows.ts had it
// in FINAL_STATES and PARKED_STATES), and every user of FINAL_STATES then had
// to carve it out again (cancel() allowed it by name). A final state is one no
// event leaves except the person's actions the table allows on it — and an
// escalated task is left by a person's retry, resolve or cancel, by the API's
// cancel, and by its escalation deadline. It holds no runner and waits on a
// person, which is what "parked" means. The metrics already counted it that
// way: `officeos_tasks_finished_total` never had an `escalated` sample.

export const TASK_STATES = [
  "queued",
  "retry_wait",
  "leased",
  "running",
  "awaiting_approval",
  "escalated",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export type TaskState = (typeof TASK_STATES)[number];

/** No event leaves these (the table has no row out of them). */
export const FINAL_STATES = ["succeeded", "failed", "cancelled"] as const satisfies readonly TaskState[];
/** A lease is live: the task holds a runner's capacity, and lease-fenced calls (epoch) apply. */
export const HOLDS_RUNNER_STATES = ["leased", "running"] as const satisfies readonly TaskState[];
/** Holds no runner and waits for time or a person; `wake_at` is its deadline. */
export const PARKED_STATES = ["retry_wait", "awaiting_approval", "escalated"] as const satisfies readonly TaskState[];
/** Waiting on a person (a subset of parked); the task deadline does not run here. */
export const WAITS_ON_PERSON_STATES = ["awaiting_approval", "escalated"] as const satisfies readonly TaskState[];
/** The task deadline (`deadline_at`) applies: not final and not waiting on a person. */
export const TIMED_STATES = ["queued", "retry_wait", "leased", "running"] as const satisfies readonly TaskState[];
/** In the scheduler's queue: a lease may pick it. */
export const QUEUED_STATES = ["queued"] as const satisfies readonly TaskState[];

export type FinalState = (typeof FINAL_STATES)[number];
export type HoldsRunnerState = (typeof HOLDS_RUNNER_STATES)[number];

export const STATE_GROUPS = {
  final: FINAL_STATES,
  holds_runner: HOLDS_RUNNER_STATES,
  parked: PARKED_STATES,
  waits_on_person: WAITS_ON_PERSON_STATES,
  timed: TIMED_STATES,
  queued: QUEUED_STATES,
} as const satisfies Record<string, readonly TaskState[]>;
export type StateGroup = keyof typeof STATE_GROUPS;

export function inGroup(group: StateGroup, s: TaskState): boolean {
  return (STATE_GROUPS[group] as readonly TaskState[]).includes(s);
}

export const isFinal = (s: TaskState): s is FinalState => inGroup("final", s);
export const holdsRunner = (s: TaskState): s is HoldsRunnerState => inGroup("holds_runner", s);

/** `('a', 'b')` for an SQL `state IN ...` clause, from a group (the names are fixed literals, not input). */
export function sqlList(states: readonly TaskState[]): string {
  return `(${states.map((s) => `'${s}'`).join(", ")})`;
}
