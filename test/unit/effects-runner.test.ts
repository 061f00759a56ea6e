// The TenantDO's effects runner: per-task effects as each transition commits,
// parked polls served and preemption looked at once per call, at its end, after
// what came due during the call was settled; a call inside a call joins it.
import { describe, expect, it } from "vitest";
import { CallEffects, type EffectPorts } from "../../src/durable/tenant/effects-runner.js";
import { transition } from "../../src/task/machine.js";
import { SAMPLES, T0 } from "./task-helpers.js";

function recorder(onDue: (log: string[]) => void = () => {}): { ports: EffectPorts; log: string[] } {
  const log: string[] = [];
  const ports: EffectPorts = {
    perTask: (id, e) => log.push(`${id}:${e.kind}`),
    noteDue: (at) => log.push(`due:${at - T0}`),
    settleDue: () => {
      log.push("settle");
      onDue(log);
    },
    wakePolls: () => log.push("wake"),
    considerPreemption: () => log.push("preempt"),
  };
  return { ports, log };
}

function releaseEffects() {
  const r = SAMPLES.running();
  const t = transition(r, { kind: "release", epoch: r.epoch ?? -1 }, T0);
  if (t.kind !== "ok") throw new Error(t.reason);
  return t.effects;
}

describe("CallEffects", () => {
  it("three releases in one call: each task's effects at once, polls woken once at the end", () => {
    const { ports, log } = recorder();
    const fx = new CallEffects(ports, { now: () => T0 });
    fx.call(() => {
      for (const id of ["t1", "t2", "t3"]) fx.add(id, releaseEffects());
      expect(log).not.toContain("wake");
    });
    expect(log.filter((l) => l === "wake")).toHaveLength(1);
    expect(log.filter((l) => l === "preempt")).toHaveLength(1);
    expect(log.slice(0, 2)).toEqual(["t1:free", "t1:enqueue"]);
    expect(log.indexOf("settle")).toBeLessThan(log.indexOf("wake"));
  });

  it("a call inside a call joins it: nothing call-wide runs until the outer one ends", () => {
    const { ports, log } = recorder();
    const fx = new CallEffects(ports, { now: () => T0 });
    fx.call(() => {
      fx.call(() => fx.add("t1", releaseEffects()));
      expect(log).not.toContain("wake");
      fx.wakePolls();
    });
    expect(log.filter((l) => l === "wake")).toHaveLength(1);
  });

  it("outside any call a transition's effects run at once, as a call of their own", () => {
    const { ports, log } = recorder();
    const fx = new CallEffects(ports, { now: () => T0 });
    fx.add("t1", releaseEffects());
    expect(log).toContain("wake");
  });

  it("what settling the due transitions queues is served in the same call's end", () => {
    let fx: CallEffects | null = null;
    let settled = false;
    const { ports, log } = recorder(() => {
      if (settled) return;
      settled = true;
      fx?.add("due", releaseEffects());
    });
    fx = new CallEffects(ports, { now: () => T0 });
    fx.call(() => undefined);
    expect(log).toContain("due:enqueue");
    expect(log.filter((l) => l === "wake")).toHaveLength(1);
    expect(log.indexOf("due:enqueue")).toBeLessThan(log.indexOf("wake"));
  });
});
