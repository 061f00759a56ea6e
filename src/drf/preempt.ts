// Preemption: when a waiting task fits on no runner as things are, but would
// fit on one if some lower-priority leases there were evicted, choose the
// runner and the smallest set of victims. Victims are taken lowest priority
// first, then highest dominant share, then least work since their last
// checkpoint; the runner needing the fewest victims wins, then the one losing
// the least work, then the lowest id. Pure.
import type { Resources } from "../api/schemas.js";
import { addResources, fitsResources, fitsStatically } from "../scheduler/fit.js";
import type { QueuedTask } from "./queue-index.js";
import type { RunnerView } from "./pick.js";

export interface ActiveLease {
  taskId: string;
  agent: string;
  priority: number;
  runnerId: string;
  resources: Resources;
  preemptible: boolean;
  /** Dominant share of the lease's agent. */
  agentShare: number;
  /** Work that eviction would lose: ms since its last checkpoint (or its start). */
  unsavedMs: number;
}

export interface PreemptionPlan {
  runnerId: string;
  victims: string[];
}

export function planPreemption(
  task: QueuedTask,
  runners: readonly RunnerView[],
  leases: readonly ActiveLease[],
): PreemptionPlan | null {
  let best: { plan: PreemptionPlan; lost: number } | null = null;
  for (const r of [...runners].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (!fitsStatically(task.agent, task.req, r.shape)) continue;
    // A runner already held for another task is spoken for.
    if (r.heldFor !== null && r.heldFor !== task.id) continue;
    if (fitsResources(task.req.resources, r.free)) return null; // it fits already: no one need go
    const candidates = leases
      .filter((l) => l.runnerId === r.id && l.preemptible && l.priority < task.priority)
      .sort(
        (a, b) =>
          a.priority - b.priority ||
          b.agentShare - a.agentShare ||
          a.unsavedMs - b.unsavedMs ||
          (a.taskId < b.taskId ? -1 : 1),
      );
    let free = r.free;
    const chosen: ActiveLease[] = [];
    for (const c of candidates) {
      if (fitsResources(task.req.resources, free)) break;
      chosen.push(c);
      free = addResources(free, c.resources);
    }
    if (!fitsResources(task.req.resources, free)) continue;
    // Drop any victim the others make unnecessary, last chosen first.
    for (let i = chosen.length - 1; i >= 0; i--) {
      const without = chosen.filter((_, j) => j !== i);
      const freeWithout = without.reduce((acc, l) => addResources(acc, l.resources), r.free);
      if (fitsResources(task.req.resources, freeWithout)) chosen.splice(i, 1);
    }
    const lost = chosen.reduce((s, l) => s + l.unsavedMs, 0);
    const plan = { runnerId: r.id, victims: chosen.map((l) => l.taskId) };
    if (
      !best ||
      plan.victims.length < best.plan.victims.length ||
      (plan.victims.length === best.plan.victims.length && lost < best.lost)
    )
      best = { plan, lost };
  }
  return best?.plan ?? null;
}
