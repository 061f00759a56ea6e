// Runs the effects of a call's transitions (src/task/effects.ts plans them).
// The per-task effects (scheduler index, metrics) and deadlines run as each
// transition commits, so the index always mirrors storage; the two call-wide
// effects — serve parked polls, look at preemption — are remembered and run
// once, at the end of the outermost call, after whatever came due meanwhile
// was settled. So settling a task can never lease it to a parked poll in the
// middle of a call, a batch of reports or a tick that expires many leases.
import type { Effect } from "../../task/events.js";
import { planEffects, type TaskEffect } from "../../task/effects.js";

export interface EffectPorts {
  /** A per-task effect of the task `taskId` (scheduler index, metrics, a gate's answer). */
  perTask(taskId: string, effect: TaskEffect): void;
  noteDue(at: number): void;
  /** At the end of a call: settle what came due during it (a deadline written in the past). */
  settleDue(now: number): void;
  wakePolls(now: number): void;
  considerPreemption(now: number): void;
}

export class CallEffects {
  private depth = 0;
  private now = 0;
  private wake = false;
  private preempt = false;

  constructor(
    private readonly ports: EffectPorts,
    private readonly clock: { now(): number },
  ) {}

  /**
   * Runs `fn` as one call: call-wide effects wait for its end. A call inside a call
   * (a batch's items, a tick at the start of a request) joins the outer one.
   */
  call<T>(fn: (now: number) => T): T {
    if (this.depth === 0) this.now = this.clock.now();
    this.depth++;
    try {
      return fn(this.now);
    } finally {
      this.depth--;
      if (this.depth === 0) this.flush();
    }
  }

  /** A committed transition's effects. */
  add(taskId: string, effects: readonly Effect[]): void {
    const plan = planEffects([{ taskId, effects }]);
    for (const p of plan.perTask) this.ports.perTask(p.taskId, p.effect);
    if (plan.deadline !== null) this.ports.noteDue(plan.deadline);
    this.wake ||= plan.wakePolls;
    this.preempt ||= plan.considerPreemption;
    if (this.depth === 0) this.call(() => undefined);
  }

  /** Something other than a transition freed room or changed what fits (an agent's spec, a runner's health). */
  wakePolls(): void {
    this.wake = true;
    if (this.depth === 0) this.call(() => undefined);
  }

  considerPreemption(): void {
    this.preempt = true;
    if (this.depth === 0) this.call(() => undefined);
  }

  private flush(): void {
    this.depth++;
    try {
      // Each pass settles what is due, then wakes polls and looks at preemption once; their
      // grants add no call-wide effects, so a second pass runs only if settling queued work.
      for (let pass = 0; pass < 3; pass++) {
        this.ports.settleDue(this.now);
        const wake = this.wake;
        const preempt = this.preempt;
        this.wake = this.preempt = false;
        if (!wake && !preempt) break;
        if (wake) this.ports.wakePolls(this.now);
        if (preempt) this.ports.considerPreemption(this.now);
      }
    } finally {
      this.depth--;
    }
  }
}
