// "Who next?" for one runner asking for work. Pure: the TenantDO passes in
// the queue index, the runner's free resources, the agents' accounts and the
// time; it applies the answer.
//
// Order of consideration:
//   1. a task this runner is held for (preemption made room for it);
//   2. starving tasks (queued longer than `starvationMs`), oldest first, in
//      any class: such a task takes the runner if it fits, and otherwise the
//      runner is held for it (nothing else is backfilled) until it does;
//   3. strict priority classes, highest first; within a class, agents in
//      weighted-DRF order (lowest dominant share, then fewest running, then
//      least recently leased, then name: see compareRanked); within an agent,
//      the oldest task that fits.
// Why nothing starves: a task that fits some runner ages into (2), where it
// outranks every class; each runner it fits then stops taking other work,
// so the first of them to free enough room runs it.
import type { Resources } from "../api/schemas.js";
import { fitsResources, fitsStatically, type RunnerShape } from "../scheduler/fit.js";
import type { PlacementGroup, QueueIndex, QueuedTask } from "./queue-index.js";
import { compareRanked, rankAgent, type Account, type Ranked } from "./share.js";
import { MinHeap } from "./heap.js";

export interface RunnerView {
  id: string;
  shape: RunnerShape;
  free: Resources;
  /** A task preemption freed room for on this runner. */
  heldFor: string | null;
}

export interface PickContext {
  accounts: ReadonlyMap<string, Account>;
  /** Sum of the capacity of ready runners. */
  capacity: Resources;
  busyInstances: ReadonlySet<string>;
  /** Whether another live runner, not one the task failed on, could run it. */
  otherRunnerFits(task: QueuedTask, exceptRunnerId: string): boolean;
  nowMs: number;
  starvationMs: number;
  /** An agent at its concurrent-runs quota is passed over (its tasks wait). */
  atCap?(agent: string): boolean;
}

export type Pick = { kind: "task"; task: QueuedTask } | { kind: "none" } | { kind: "held"; taskId: string };

/** How far past a blocked head (busy instance, avoided runner) a group is searched. */
const SCAN = 32;
/** How many starving tasks one decision examines; past this, the rest wait for the next decision. */
const STARVING_SCAN = 1024;
/** Bound on the remembered static fits per placement group. */
const FIT_CACHE = 4096;

/** What claimant() reads of the queue (QueueIndex has it). */
export interface ClaimIndex {
  get(id: string): QueuedTask | undefined;
  oldest(limit: number): Iterable<QueuedTask>;
}

/**
 * Could this runner take the task, its free resources aside: static fit, its instance idle, its agent
 * under its caps, and not a runner it failed on while another could run it. The one definition of
 * eligibility: pick() and the explanation of why a task waits (src/scheduler/waiting.ts) both use it.
 */
export function eligibleOn(t: QueuedTask, runner: RunnerView, ctx: PickContext): boolean {
  return (
    fitsStatically(t.agent, t.req, runner.shape) &&
    !ctx.busyInstances.has(t.instance) &&
    !ctx.atCap?.(t.agent) &&
    !avoids(t, runner, ctx)
  );
}

/** The task failed on this runner and another ready runner could run it: it goes there instead. */
export function avoids(t: QueuedTask, runner: RunnerView, ctx: PickContext): boolean {
  return t.avoid.includes(runner.id) && ctx.otherRunnerFits(t, runner.id);
}

/** A task waiting longer than the starvation bound. */
export function isStarving(t: QueuedTask, ctx: { nowMs: number; starvationMs: number }): boolean {
  return ctx.nowMs - t.queuedAtMs >= ctx.starvationMs;
}

/**
 * The task that has first claim on the runner, ahead of every priority class: the task it is held
 * for, or else the oldest eligible starving task. It takes the runner if it fits its free
 * resources; otherwise the runner is held for it and takes nothing else. Null: no claim.
 */
export function claimant(index: ClaimIndex, runner: RunnerView, ctx: PickContext): QueuedTask | null {
  if (runner.heldFor !== null) {
    const t = index.get(runner.heldFor);
    if (t && eligibleOn(t, runner, ctx)) return t;
  }
  // Every starving task, not a fixed number of the oldest: starving tasks that
  // cannot run here (instance busy, labels of other runners, fit nowhere) would
  // hide one that can, and it would starve behind a stream of higher classes.
  for (const t of index.oldest(STARVING_SCAN)) {
    if (!isStarving(t, ctx)) break;
    if (eligibleOn(t, runner, ctx)) return t;
  }
  return null;
}

export function pick(index: QueueIndex, runner: RunnerView, ctx: PickContext): Pick {
  const first = claimant(index, runner, ctx);
  if (first)
    return fitsResources(first.req.resources, runner.free)
      ? { kind: "task", task: first }
      : { kind: "held", taskId: first.id };

  // Accounts do not change during one decision: each agent's share is computed once.
  const ranked = new Map<string, Ranked>();
  const rankOf = (agent: string): Ranked => {
    let r = ranked.get(agent);
    if (!r) ranked.set(agent, (r = rankAgent(agent, ctx.accounts.get(agent), ctx.capacity)));
    return r;
  };
  for (const cls of index.classesDesc()) {
    // Agents in DRF order, lazily: usually one of the first few has a fitting task.
    const heap = new MinHeap<Ranked>(compareRanked, Array.from(cls.agents.keys(), rankOf));
    for (let next = heap.pop(); next; next = heap.pop()) {
      const agent = next.agent;
      if (ctx.atCap?.(agent)) continue;
      let best: QueuedTask | null = null;
      for (const group of (cls.agents.get(agent) as Map<string, PlacementGroup>).values()) {
        if (!fitsResources(group.req.resources, runner.free) || !staticFit(group, runner)) continue;
        for (const t of group.tasks.oldest(SCAN)) {
          if (ctx.busyInstances.has(t.instance) || avoids(t, runner, ctx)) continue;
          if (!best || t.seq < best.seq) best = t;
          break;
        }
      }
      if (best) return { kind: "task", task: best };
    }
  }
  return { kind: "none" };
}

function staticFit(group: PlacementGroup, runner: RunnerView): boolean {
  let f = group.fits.get(runner.id);
  if (f === undefined) {
    if (group.fits.size >= FIT_CACHE) group.fits.clear();
    group.fits.set(runner.id, (f = fitsStatically(group.agent, group.req, runner.shape)));
  }
  return f;
}
