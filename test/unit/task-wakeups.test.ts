// Decided changes (c) and (d) of docs/lifecycle.md, at the machine: re-entering a
// timed state re-arms the task deadline (it may have passed while a person
// decided), and leaving the queue other than by a lease wakes parked polls.
import { describe, expect, it } from "vitest";
import { transition } from "../../src/task/machine.js";
import { SAMPLES, T0 } from "./task-helpers.js";

describe("the machine's wake-up effects", () => {
  it("an approval puts the task deadline back in front of the tick", () => {
    const waiting = SAMPLES.awaiting_approval();
    expect(waiting.deadline_at).not.toBeNull();
    const t = transition(waiting, { kind: "approval_decided", decision: "approve", actor: "key:k" }, T0 + 1);
    if (t.kind !== "ok") throw new Error(t.reason);
    expect(t.to).toBe("queued");
    expect(t.effects).toContainEqual({ kind: "deadline", at: waiting.deadline_at });
  });

  it("a task without a deadline gets no deadline effect when approved", () => {
    const waiting = { ...SAMPLES.awaiting_approval(), deadline_at: null };
    const t = transition(waiting, { kind: "approval_decided", decision: "approve", actor: "key:k" }, T0 + 1);
    if (t.kind !== "ok") throw new Error(t.reason);
    expect(t.effects.filter((e) => e.kind === "deadline")).toEqual([]);
  });

  it("a timed state moving to another timed state does not re-arm it (it never stopped)", () => {
    const r = SAMPLES.running();
    const t = transition(r, { kind: "release", epoch: r.epoch ?? -1 }, T0 + 1);
    if (t.kind !== "ok") throw new Error(t.reason);
    expect(t.effects.filter((e) => e.kind === "deadline")).toEqual([]);
  });

  it("cancelling a queued task wakes parked polls", () => {
    const t = transition(SAMPLES.queued(), { kind: "cancel", actor: "key:k" }, T0 + 1);
    if (t.kind !== "ok") throw new Error(t.reason);
    expect(t.effects).toContainEqual({ kind: "dequeue" });
    expect(t.effects).toContainEqual({ kind: "wake_polls" });
  });
});
