// Builders for the DRF tests, and the one way a test applies a decision:
// the queued task leaves the index, its resources join the agent's account
// and leave the runner's free vector (what the TenantDO does with a pick).
import type { Resources } from "../../src/api/schemas.js";
import type { PickContext, RunnerView } from "../../src/drf/pick.js";
import type { QueueIndex, QueuedTask } from "../../src/drf/queue-index.js";
import type { Account } from "../../src/drf/share.js";
import { addResources, type Requirements, type RunnerShape } from "../../src/scheduler/fit.js";

export const req = (over: Partial<Requirements> = {}): Requirements => ({
  resources: {},
  capabilities: [],
  nodeSelector: {},
  ...over,
});

export const shape = (over: Partial<RunnerShape> = {}): RunnerShape => ({
  capacity: {},
  labels: {},
  capabilities: [],
  agents: null,
  ...over,
});

/** A queued task; `instance` defaults to the id, so no two tasks share one. */
export function task(id: string, seq: number, over: Partial<Omit<QueuedTask, "id" | "seq">> = {}): QueuedTask {
  return { id, seq, agent: "a", priority: 0, instance: id, req: req(), avoid: [], queuedAtMs: 0, ...over };
}

/** A runner with all its capacity free unless `free` says otherwise. */
export function runner(
  id: string,
  over: Partial<RunnerShape> = {},
  free?: Resources,
  heldFor: string | null = null,
): RunnerView {
  const s = shape(over);
  return { id, shape: s, free: free ?? { ...s.capacity }, heldFor };
}

export const account = (weight = 1, allocated: Resources = {}, running = 0, lastLease = 0): Account => ({
  weight,
  allocated,
  running,
  lastLease,
});

/** The next number of the tenant-wide lease sequence: one past the latest lease of any agent. */
export const nextLease = (accounts: ReadonlyMap<string, Account>): number =>
  1 + Math.max(0, ...[...accounts.values()].map((a) => a.lastLease));

export function ctx(over: Partial<PickContext> = {}): PickContext {
  return {
    accounts: new Map(),
    capacity: {},
    busyInstances: new Set(),
    otherRunnerFits: () => false,
    nowMs: 0,
    starvationMs: Infinity,
    ...over,
  };
}

export function subtract(a: Resources, b: Resources): Resources {
  const out: Resources = { ...a };
  for (const k of Object.keys(b)) out[k] = (out[k] ?? 0) - (b[k] ?? 0);
  return out;
}

/** Apply a pick: dequeue, charge the agent's account (and stamp its latest lease), take the room on the runner. */
export function apply(index: QueueIndex, accounts: Map<string, Account>, r: RunnerView, t: QueuedTask): void {
  index.remove(t.id);
  const acc = accounts.get(t.agent) ?? account();
  accounts.set(t.agent, {
    weight: acc.weight,
    allocated: addResources(acc.allocated, t.req.resources),
    running: acc.running + 1,
    lastLease: nextLease(accounts),
  });
  r.free = subtract(r.free, t.req.resources);
}
