// Runs one call's effects, planned by planEffects() (src/task/effects.ts): the
// per-task ones in commit order, then the alarm for the earliest deadline, then
// the call-wide ones once — serve parked polls, look at preemption — after every
// commit of the call. A call collects its transitions in an EffectBatch and runs
// it at its end, so settling a task cannot lease it to a parked poll mid-call.
import type { Effect } from "../../task/events.js";
import { planEffects, type TaskEffect } from "../../task/effects.js";

export interface EffectPorts {
  /** A per-task effect of the task `taskId` (scheduler index, metrics, a gate's answer). */
  perTask(taskId: string, effect: TaskEffect): void;
  noteDue(at: number): void;
  wakePolls(): void;
  considerPreemption(): void;
}

export class EffectBatch {
  private readonly committed: { taskId: string; effects: readonly Effect[] }[] = [];

  add(taskId: string, effects: readonly Effect[]): void {
    this.committed.push({ taskId, effects });
  }

  run(ports: EffectPorts): void {
    const plan = planEffects(this.committed);
    this.committed.length = 0;
    for (const { taskId, effect } of plan.perTask) ports.perTask(taskId, effect);
    if (plan.deadline !== null) ports.noteDue(plan.deadline);
    if (plan.wakePolls) ports.wakePolls();
    if (plan.considerPreemption) ports.considerPreemption();
  }
}
