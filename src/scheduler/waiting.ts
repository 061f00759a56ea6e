// Why a task waits: for one task and a snapshot of the fleet and the scheduler,
// the reason it is not placed now, or null when a ready runner asking for work
// would take it. Pure: the TenantDO loads the snapshot and passes the time.
//
// It asks the questions placement asks, with the same functions: fit.ts's
// predicates (through fit-explain.ts, one item at a time, to name what is
// missing), pick.ts's eligibility and first claim on a runner (held-for and
// starving tasks), and the run limits of run-limits.ts. Checks that no runner
// can pass on its own (what the fleet offers) come first: they are the ones
// that never clear by waiting.
import type { JsonValue } from "../api/errors.js";
import type { TaskState } from "../api/schemas.js";
import { avoids, claimant, isStarving, type ClaimIndex, type PickContext, type RunnerView } from "../drf/pick.js";
import type { QueuedTask } from "../drf/queue-index.js";
import { fitsResources, fitsStatically } from "./fit.js";
import { explainStatic, missSize, rankOf, type StaticMiss } from "./fit-explain.js";
import { capBlock, type RunLimits } from "./run-limits.js";
import { claimWait, describeStatic, notPollingWait, notReadyWait, shortWait } from "./waiting-messages.js";

/** Every reason, once. Later work adds its own (a version no runner offers, children not finished). */
export const WAITING_REASONS = [
  "no_runner_registered",
  "runners_not_ready",
  "no_runner_offers_agent",
  "missing_capability",
  "no_runner_matches_selector",
  "taint_not_tolerated",
  "insufficient_capacity",
  "no_runner_polling",
  "no_runner_fits",
  "budget_spent",
  "agent_at_concurrency_cap",
  "instance_busy",
  "held_for_starving_task",
  "held_for_preempting_task",
  "backoff",
  "awaiting_approval",
  "escalated",
] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];

export interface Waiting {
  reason: WaitingReason;
  /** Names the missing thing: "no ready runner offers capability crm-api". */
  message: string;
  /** When the task entered the state it waits in (ISO 8601). */
  since?: string;
  /** The missing thing as data (runner, capability, resource, …), for tools and tests. */
  details?: Record<string, JsonValue>;
}

export type RunnerReadiness = "ready" | "draining" | "stopped" | "dead" | "not_ready";

export interface FleetRunner {
  /** Id, shape, free resources and hold, as placement sees them. */
  view: RunnerView;
  name: string;
  state: RunnerReadiness;
  /** Leases it holds now (named in no_runner_polling). */
  activeLeases?: number;
}

export interface WaitingTask {
  /** The task as the queue index holds it (requirements, instance, avoided runners, queued time). */
  task: QueuedTask;
  state: TaskState;
  attempts: number;
  maxAttempts: number;
  /** When it entered its state: queued_at while queued, updated_at while parked. */
  sinceMs?: number | null;
  /** retry_wait: when it queues again. */
  wakeAtMs?: number | null;
  /** awaiting_approval: the gate it stopped at. */
  gate?: { gate: string; message?: string; deadline_at?: string } | null;
  /** escalated: why. */
  escalation?: { reason: { code: string; message: string } } | null;
}

export interface SchedulerSnapshot {
  /** Every registered runner, whatever its state. */
  runners: readonly FleetRunner[];
  /** The queue, for holds and starving tasks' claims. */
  index: ClaimIndex;
  busyInstances: ReadonlySet<string>;
  /**
   * Runners with a lease request waiting in the object now (TenantDO's parked long-polls). A runner
   * asks only while it has a free slot (its max_concurrent), so a runner that fits and has room but
   * is not asking is likely full. Absent: every ready runner counts as asking.
   */
  polling?: ReadonlySet<string>;
  limits: RunLimits;
  nowMs: number;
  starvationMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The PickContext placement builds for a lease (src/durable/tenant/placement.ts), from the snapshot. */
export function pickContextOf(s: SchedulerSnapshot): PickContext {
  const ready = s.runners.filter((r) => r.state === "ready");
  return {
    accounts: new Map(),
    capacity: {},
    busyInstances: s.busyInstances,
    otherRunnerFits: (t, except) =>
      ready.some(
        (r) => r.view.id !== except && !t.avoid.includes(r.view.id) && fitsStatically(t.agent, t.req, r.view.shape),
      ),
    nowMs: s.nowMs,
    starvationMs: s.starvationMs,
    atCap: (agent) => capBlock(agent, s.limits) !== null,
  };
}

/** Null when the task is not waiting: placeable now, or leased, running or finished. */
export function waiting(w: WaitingTask, s: SchedulerSnapshot): Waiting | null {
  const since = w.sinceMs === undefined || w.sinceMs === null ? {} : { since: iso(w.sinceMs) };
  const found = w.state === "queued" ? queuedWait(w.task, s) : parkedWait(w);
  return found && { ...found, ...since };
}

type Found = Omit<Waiting, "since">;

function parkedWait(w: WaitingTask): Found | null {
  switch (w.state) {
    case "retry_wait": {
      const at = w.wakeAtMs === undefined || w.wakeAtMs === null ? null : iso(w.wakeAtMs);
      return {
        reason: "backoff",
        message: `attempt ${w.attempts} of ${w.maxAttempts} failed; the next one queues ${at ? `at ${at}` : "after its backoff"}`,
        details: { not_before: at, attempts: w.attempts, max_attempts: w.maxAttempts },
      };
    }
    case "awaiting_approval": {
      const g = w.gate;
      const gate = g?.gate ?? "?";
      const why = g?.message ? ` (${g.message})` : "";
      const by = g?.deadline_at ? `; undecided at ${g.deadline_at}, its on_timeout applies` : "";
      return {
        reason: "awaiting_approval",
        message: `waiting for a person to approve or reject gate ${gate}${why}${by}`,
        details: { gate, deadline_at: g?.deadline_at ?? null },
      };
    }
    case "escalated": {
      const r = w.escalation?.reason;
      return {
        reason: "escalated",
        message: `escalated${r ? ` after ${r.code}: ${r.message}` : ""}; waiting for a person to retry, resolve or cancel it`,
        details: { code: r?.code ?? null },
      };
    }
    default:
      return null; // leased, running, or finished
  }
}

interface Scored {
  r: FleetRunner;
  miss: StaticMiss | null;
}

function queuedWait(t: QueuedTask, s: SchedulerSnapshot): Found | null {
  if (s.runners.length === 0)
    return {
      reason: "no_runner_registered",
      message: "no runner is registered; start an agent-runner for this tenant",
      details: {},
    };
  const ready = s.runners.filter((r) => r.state === "ready");
  if (ready.length === 0) return notReadyWait(s.runners, s.runners, false);

  // 1. What the ready fleet offers: the closest runner names what is missing.
  const scored: Scored[] = ready.map((r) => ({ r, miss: explainStatic(t.agent, t.req, r.view.shape) }));
  const fitting = scored.filter((x) => x.miss === null).map((x) => x.r);
  if (fitting.length === 0) {
    const notReady = s.runners.filter((r) => r.state !== "ready" && fitsStatically(t.agent, t.req, r.view.shape));
    if (notReady.length > 0) return notReadyWait(notReady, s.runners, true);
    const best = Math.max(...scored.map((x) => rankOf(x.miss)));
    const atBest = scored.filter((x) => rankOf(x.miss) === best) as { r: FleetRunner; miss: StaticMiss }[];
    atBest.sort((a, b) => missSize(a.miss) - missSize(b.miss) || (a.r.view.id < b.r.view.id ? -1 : 1));
    return describeStatic(t, atBest, ready);
  }

  // 2. Limits of the agent and the tenant (the order of SchedulerState.atCap).
  const block = capBlock(t.agent, s.limits);
  if (block?.kind === "budget") {
    const whose = block.scope === "tenant" ? "the tenant's" : `agent ${t.agent}'s`;
    return {
      reason: "budget_spent",
      message: `${whose} daily CPU budget is spent; it resets at ${iso(block.untilMs)}`,
      details: { scope: block.scope, until: iso(block.untilMs) },
    };
  }
  if (block?.kind === "cap") {
    const who = block.scope === "tenant" ? "the tenant" : `agent ${t.agent}`;
    return {
      reason: "agent_at_concurrency_cap",
      message: `${who} runs ${block.running} ${block.running === 1 ? "task" : "tasks"}, its concurrent_runs quota is ${block.cap}; this one starts when one ends`,
      details: { scope: block.scope, cap: block.cap, running: block.running },
    };
  }
  if (s.busyInstances.has(t.instance))
    return {
      reason: "instance_busy",
      message: `instance ${t.instance} is running another task; an instance runs one task at a time`,
      details: { instance: t.instance },
    };

  // 3. Each runner that fits: a prior claim on it, or its free resources (as pick() decides).
  const ctx = pickContextOf(s);
  const short: { r: FleetRunner; heldForThis: boolean }[] = [];
  const idle: FleetRunner[] = [];
  const claimed: { r: FleetRunner; by: QueuedTask; starving: boolean }[] = [];
  for (const r of fitting) {
    if (avoids(t, r.view, ctx)) continue; // it goes to another runner that fits
    const first = claimant(s.index, r.view, ctx);
    if (first && first.id !== t.id) {
      const starving = r.view.heldFor !== first.id || isStarving(first, ctx);
      claimed.push({ r, by: first, starving });
      continue;
    }
    if (!fitsResources(t.req.resources, r.view.free)) short.push({ r, heldForThis: first?.id === t.id });
    else if (s.polling === undefined || s.polling.has(r.view.id)) return null;
    else idle.push(r);
  }
  if (idle.length > 0) return notPollingWait(idle);
  if (short.length > 0) return shortWait(t, short);
  return claimWait(claimed, s.starvationMs);
}
