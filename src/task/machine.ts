// The task lifecycle as one pure state machine. transition() looks the event
// up in the table (table.ts), checks the lease fence, lets the event's handler
// (handlers.ts) compute its step, and adds what entering the new state implies
// (ENTRY) and the effects that follow from the state groups. It returns data:
// the columns to write, the event-log lines, the effects — or a typed refusal.
// Time comes in as nowMs and randomness inside the events (rand); nothing here
// reads a clock, storage or the network.
//
// The TenantDO is meant to: load the row → transition() → commit `fields` with
// one UPDATE guarded by `guard` (state and epoch as loaded), taking the events'
// seqs in the same statement → run the effects (docs/lifecycle.md).
import type { Actor, Effect, EventKind, LifecycleEvent, LogEntry, RefusalReason } from "./events.js";
import { HANDLERS } from "./handlers.js";
import type { Column, Fields, LifePolicy, TaskLife } from "./row.js";
import { count, type Step } from "./settle.js";
import { holdsRunner, inGroup, type TaskState } from "./states.js";
import { cell, ENTRY, FENCED_EVENTS } from "./table.js";

export interface Transition {
  kind: "ok";
  from: TaskState;
  to: TaskState;
  /** The commit must find the row still in this state with this epoch, or it lost a race: reload and try again. */
  guard: { state: TaskState; epoch: number | null };
  fields: Fields;
  events: LogEntry[];
  effects: Effect[];
}

export interface Refusal {
  kind: "refused";
  reason: RefusalReason;
  state: TaskState;
  epoch: number | null;
  detail?: Record<string, unknown>;
}

export type TransitionResult = Transition | Refusal;

type FencedEvent = Extract<LifecycleEvent, { epoch: number; kind: (typeof FENCED_EVENTS)[number] }>;
const isFenced = (ev: LifecycleEvent): ev is FencedEvent => (FENCED_EVENTS as readonly EventKind[]).includes(ev.kind);

function refused(row: TaskLife, reason: RefusalReason, detail?: Record<string, unknown>): Refusal {
  return detail === undefined
    ? { kind: "refused", reason, state: row.state, epoch: row.epoch }
    : { kind: "refused", reason, state: row.state, epoch: row.epoch, detail };
}

/** The lease fence alone: the epoch is the task's and, when named, the runner its holder. */
function fence(row: TaskLife, epoch: number, runnerId: string | undefined): Refusal | null {
  // The fence comes first, whatever the state: a call from an old lease learns that its lease is gone.
  if (row.epoch !== epoch) return refused(row, "stale_epoch");
  if (runnerId !== undefined && row.runner_id !== runnerId) return refused(row, "not_holder");
  return null;
}

/**
 * For lease-fenced calls that change no state (an LLM reservation, usage, a checkpoint's seq):
 * null when `epoch` is the live lease's, else the refusal a fenced event would get in this state.
 */
export function leaseHeld(row: TaskLife, epoch: number, runnerId?: string): Refusal | null {
  const c = cell(row.state, "release");
  return fence(row, epoch, runnerId) ?? ("refuse" in c ? refused(row, c.refuse) : null);
}

export function transition(row: TaskLife, ev: LifecycleEvent, nowMs: number): TransitionResult {
  if (isFenced(ev)) {
    const stale = fence(row, ev.epoch, ev.runnerId);
    if (stale) return stale;
  }
  const c = cell(row.state, ev.kind);
  if ("refuse" in c) return refused(row, c.refuse);
  const handler = HANDLERS[ev.kind] as (
    row: TaskLife,
    ev: LifecycleEvent,
    nowMs: number,
  ) => ReturnType<(typeof HANDLERS)[EventKind]>;
  const step = handler(row, ev, nowMs);
  if ("refuse" in step) return refused(row, step.refuse, step.detail);
  // A handler reaching a state its cell does not list is a bug in this folder, not an outcome.
  if (!c.to.includes(step.to))
    throw new Error(
      `task machine: ${ev.kind} from ${row.state} reached ${step.to}, not in the table (${c.to.join(", ")})`,
    );
  return complete(row, step, nowMs);
}

/** Adds what entering the step's state writes and the effects its group change implies. */
function complete(row: TaskLife, step: Step, nowMs: number): Transition {
  const from = row.state;
  const to = step.to;
  const fields: Record<string, unknown> = {};
  const effects: Effect[] = [];
  if (to !== from) {
    for (const col of ENTRY[to].clears) fields[col] = col === "preempt_requested" ? 0 : null;
    fields.state = to;
    fields.updated_at = nowMs;
    if (to === "queued") fields.queued_at = nowMs;
  }
  Object.assign(fields, step.fields);
  const out = fields as Fields;
  if (to !== from) {
    // Leaving the queue other than by a lease: a runner held for the task is free again (decided change d).
    if (from === "queued" && to !== "leased") effects.push({ kind: "dequeue" }, { kind: "wake_polls" });
    if (to === "leased" && out.runner_id) effects.push({ kind: "allocate", runnerId: out.runner_id });
    if (holdsRunner(from) && !holdsRunner(to)) {
      if (row.runner_id !== null) effects.push({ kind: "free", runnerId: row.runner_id });
      effects.push({ kind: "wake_polls" });
    }
    if (to === "queued") effects.push({ kind: "enqueue" }, { kind: "wake_polls" }, { kind: "consider_preemption" });
  }
  for (const col of DEADLINE_COLUMNS) {
    const at = out[col];
    if (typeof at === "number") effects.push({ kind: "deadline", at });
  }
  // Back in a timed state (an approval, a person's retry): the task deadline applies again, and may
  // have passed while a person decided; the tick must look (decided change c).
  if (to !== from && inGroup("timed", to) && !inGroup("timed", from) && out.deadline_at === undefined) {
    if (row.deadline_at !== null) effects.push({ kind: "deadline", at: row.deadline_at });
  }
  effects.push(...step.effects);
  return { kind: "ok", from, to, guard: { state: from, epoch: row.epoch }, fields: out, events: step.events, effects };
}

const DEADLINE_COLUMNS = [
  "lease_expires_at",
  "attempt_deadline_at",
  "wake_at",
  "deadline_at",
] as const satisfies readonly Column[];

/** The row as the transition leaves it (what the guarded UPDATE writes). */
export function apply(row: TaskLife, t: Transition): TaskLife {
  return { ...row, ...t.fields };
}

export interface NewTask {
  id: string;
  agent: string;
  /** JSON text. */
  input: string;
  priority: number;
  policy: LifePolicy;
  actor: Actor;
}

/** Submit: the lifecycle columns of a new row, its first event and its effects. */
export function create(t: NewTask, nowMs: number): { row: TaskLife; events: LogEntry[]; effects: Effect[] } {
  const deadline = t.policy.timeouts.task_ms !== undefined ? nowMs + t.policy.timeouts.task_ms : null;
  const row: TaskLife = {
    id: t.id,
    agent: t.agent,
    state: "queued",
    input: t.input,
    attempts: 0,
    max_attempts: t.policy.retry.max_attempts,
    result: null,
    error: null,
    avoid_runners: "[]",
    runner_id: null,
    lease_id: null,
    epoch: null,
    lease_expires_at: null,
    attempt_deadline_at: null,
    preempt_requested: 0,
    created_at: nowMs,
    updated_at: nowMs,
    queued_at: nowMs,
    started_at: null,
    deadline_at: deadline,
    wake_at: null,
    gate: null,
    approvals: null,
    escalation: null,
    policy: JSON.stringify(t.policy),
  };
  const effects: Effect[] = [
    { kind: "enqueue" },
    { kind: "wake_polls" },
    { kind: "consider_preemption" },
    count("officeos_tasks_submitted_total", { agent: t.agent }),
  ];
  if (deadline !== null) effects.push({ kind: "deadline", at: deadline });
  return {
    row,
    events: [{ type: "submitted", actor: t.actor, state: "queued", details: { priority: t.priority } }],
    effects,
  };
}
