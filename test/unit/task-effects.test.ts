// One call's effects planned once: the call-wide effects at most once, the
// earliest deadline, per-task effects in commit order.
import { describe, expect, it } from "vitest";
import { planEffects } from "../../src/task/effects.js";
import { apply, transition } from "../../src/task/machine.js";
import { SAMPLES, T0 } from "./task-helpers.js";

describe("planEffects", () => {
  it("a batch of three releases wakes the parked polls once, after all three are committed", () => {
    const committed = ["t1", "t2", "t3"].map((taskId) => {
      const r = SAMPLES.running();
      const t = transition(r, { kind: "release", epoch: r.epoch ?? -1 }, T0);
      if (t.kind !== "ok") throw new Error(t.reason);
      return { taskId, effects: t.effects };
    });
    const plan = planEffects(committed);
    expect(plan.wakePolls).toBe(true);
    expect(plan.considerPreemption).toBe(true);
    expect(plan.perTask.map((p) => `${p.taskId}:${p.effect.kind}`)).toEqual([
      "t1:free",
      "t1:enqueue",
      "t2:free",
      "t2:enqueue",
      "t3:free",
      "t3:enqueue",
    ]);
  });

  it("keeps the earliest deadline and nothing call-wide when nothing was freed or queued", () => {
    const r = SAMPLES.running();
    const hb = (at: number) => {
      const t = transition(r, { kind: "heartbeat", epoch: r.epoch ?? -1, runnerId: "run_a", leaseTtlMs: 30_000 }, at);
      if (t.kind !== "ok") throw new Error(t.reason);
      return t;
    };
    const plan = planEffects([
      { taskId: "a", effects: hb(T0 + 5000).effects },
      { taskId: "b", effects: hb(T0 + 1000).effects },
    ]);
    expect(plan).toEqual({ perTask: [], deadline: T0 + 31_000, wakePolls: false, considerPreemption: false });
    expect(apply(r, hb(T0)).state).toBe("running");
  });
});
