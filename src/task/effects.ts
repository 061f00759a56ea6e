// The effects of every transition in one call, planned once: per-task effects
// (scheduler index, metrics, a gate's answer) in commit order, the earliest
// deadline for the alarm, and the two call-wide ones — serve parked polls, look
// at preemption — at most once, after every commit of the call. This is what
// replaces the TenantDO's `inBatch` flag: nothing leases mid-call.
import type { Effect } from "./events.js";

type CallWide = "wake_polls" | "consider_preemption" | "deadline";
export type TaskEffect = Exclude<Effect, { kind: CallWide }>;

export interface EffectPlan {
  /** In the order the transitions were committed; each names its task. */
  perTask: { taskId: string; effect: TaskEffect }[];
  /** The earliest deadline any transition wrote, or null. */
  deadline: number | null;
  /** Serve parked long-polls once, after the per-task effects. */
  wakePolls: boolean;
  /** Then look at preemption once. */
  considerPreemption: boolean;
}

export function planEffects(committed: readonly { taskId: string; effects: readonly Effect[] }[]): EffectPlan {
  const plan: EffectPlan = { perTask: [], deadline: null, wakePolls: false, considerPreemption: false };
  for (const { taskId, effects } of committed) {
    for (const e of effects) {
      if (e.kind === "wake_polls") plan.wakePolls = true;
      else if (e.kind === "consider_preemption") plan.considerPreemption = true;
      else if (e.kind === "deadline") plan.deadline = plan.deadline === null ? e.at : Math.min(plan.deadline, e.at);
      else plan.perTask.push({ taskId, effect: e });
    }
  }
  return plan;
}
