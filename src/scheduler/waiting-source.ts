// The TenantDO's side of task.waiting, as shapes: what waiting() needs from the
// scheduler's in-memory view (SchedulerState has every member named here, so
// the TenantDO passes it as is) and from one stored task row. Pure; no import
// from src/durable (test/unit/waiting-source.test.ts checks SchedulerState and
// TaskRow fit these shapes, so a change there fails to compile, not at run time).
import type { Resources, TaskState } from "../api/schemas.js";
import type { ClaimIndex } from "../drf/pick.js";
import type { QueuedTask } from "../drf/queue-index.js";
import { freeResources, type RunnerShape } from "./fit.js";
import { waiting, type RunnerReadiness, type SchedulerSnapshot, type Waiting, type WaitingTask } from "./waiting.js";

/** The runner row fields read here (RunnerRow has them). */
export interface RunnerRowLike {
  id: string;
  name: string;
  held_for: string | null;
}

/** What waiting() reads of SchedulerState. */
export interface SchedulerSource<R extends RunnerRowLike = RunnerRowLike> {
  runners: ReadonlyMap<string, { row: R; shape: RunnerShape }>;
  index: ClaimIndex;
  busy: ReadonlySet<string>;
  caps: ReadonlyMap<string, number>;
  tenantCap: number | null;
  accounts: ReadonlyMap<string, { running: number }>;
  active: { readonly size: number; values(): Iterable<{ runnerId: string }> };
  budgetSpent: ReadonlyMap<string, number>;
  allocatedOn(runnerId: string): Resources;
}

/** The task row fields read here (TaskRow has them; JSON columns as stored). */
export interface TaskRowLike {
  state: TaskState;
  attempts: number;
  max_attempts: number;
  created_at: number;
  updated_at: number;
  queued_at: number | null;
  wake_at: number | null;
  gate: string | null;
  escalation: string | null;
}

export function snapshotFrom<R extends RunnerRowLike>(
  st: SchedulerSource<R>,
  readinessOf: (row: R) => RunnerReadiness,
  nowMs: number,
  starvationMs: number,
  polling?: ReadonlySet<string>,
): SchedulerSnapshot {
  const leases = new Map<string, number>();
  for (const a of st.active.values()) leases.set(a.runnerId, (leases.get(a.runnerId) ?? 0) + 1);
  const runners = [...st.runners.values()]
    .sort((a, b) => (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0))
    .map(({ row, shape }) => ({
      view: { id: row.id, shape, free: freeResources(shape.capacity, st.allocatedOn(row.id)), heldFor: row.held_for },
      name: row.name,
      state: readinessOf(row),
      activeLeases: leases.get(row.id) ?? 0,
    }));
  return {
    runners,
    index: st.index,
    busyInstances: st.busy,
    ...(polling ? { polling } : {}),
    limits: {
      caps: st.caps,
      tenantCap: st.tenantCap,
      runningOf: (agent) => st.accounts.get(agent)?.running ?? 0,
      activeTotal: st.active.size,
      budgetSpent: st.budgetSpent,
    },
    nowMs,
    starvationMs,
  };
}

type Gate = NonNullable<WaitingTask["gate"]> & { requested_at?: string };
type Escalation = NonNullable<WaitingTask["escalation"]> & { escalated_at?: string };

const parsedMs = (at: string | undefined, fallback: number): number => {
  const ms = at === undefined ? Number.NaN : Date.parse(at);
  return Number.isFinite(ms) ? ms : fallback;
};

export function waitingTaskFrom(row: TaskRowLike, queued: QueuedTask): WaitingTask {
  const gate = row.gate === null ? null : (JSON.parse(row.gate) as Gate);
  const escalation = row.escalation === null ? null : (JSON.parse(row.escalation) as Escalation);
  // Since: when it entered the state it waits in. updated_at moves with a decision on another gate.
  const sinceMs =
    row.state === "queued"
      ? (row.queued_at ?? row.created_at)
      : row.state === "awaiting_approval"
        ? parsedMs(gate?.requested_at, row.updated_at)
        : row.state === "escalated"
          ? parsedMs(escalation?.escalated_at, row.updated_at)
          : row.updated_at;
  return {
    task: queued,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    sinceMs,
    wakeAtMs: row.wake_at,
    gate,
    escalation,
  };
}

/** task.waiting for one stored task: null when it is not waiting (placeable now, active or finished). */
export function waitingOf<R extends RunnerRowLike>(
  row: TaskRowLike,
  queued: QueuedTask,
  st: SchedulerSource<R>,
  readinessOf: (row: R) => RunnerReadiness,
  nowMs: number,
  starvationMs: number,
  /** Runners with a lease request parked now (the TenantDO's waiters); see SchedulerSnapshot.polling. */
  polling?: ReadonlySet<string>,
): Waiting | null {
  if (
    row.state !== "queued" &&
    row.state !== "retry_wait" &&
    row.state !== "awaiting_approval" &&
    row.state !== "escalated"
  )
    return null;
  return waiting(waitingTaskFrom(row, queued), snapshotFrom(st, readinessOf, nowMs, starvationMs, polling));
}
