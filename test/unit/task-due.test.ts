// The timer side: dueEvent() names the event the table accepts for a row whose
// deadline passed, in the old tick's order, and applying it until null ends;
// leaseHeld() is the fenced events' answer for calls that change nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dueEvent, nextDeadline } from "../../src/task/due.js";
import { invariantProblems } from "../../src/task/invariants.js";
import { apply, leaseHeld, transition } from "../../src/task/machine.js";
import { holdsRunner, TASK_STATES } from "../../src/task/states.js";
import { TABLE } from "../../src/task/table.js";
import { SAMPLES, T0 } from "./task-helpers.js";

describe("dueEvent", () => {
  it("is null before the row's next deadline and due at it, for every state", () => {
    for (const s of TASK_STATES) {
      const row = SAMPLES[s]();
      const at = nextDeadline(row);
      if (at === null) {
        expect(dueEvent(row, T0 + 1e12, 0), s).toBeNull();
        continue;
      }
      expect(dueEvent(row, at - 1, 0), s).toBeNull();
      const ev = dueEvent(row, at, 0);
      expect(ev, s).not.toBeNull();
      if (ev) expect(transition(row, ev, at).kind, `${s}: ${ev.kind}`).toBe("ok");
    }
  });

  it("an expired lease goes first; a passed task deadline then ends the requeued task", () => {
    const r = SAMPLES.running();
    const late = Math.max(r.lease_expires_at ?? 0, r.deadline_at ?? 0) + 1;
    expect(dueEvent(r, late, 0)?.kind).toBe("expire");
    const t = transition(r, { kind: "expire", rand: 0 }, late);
    if (t.kind !== "ok") throw new Error(t.reason);
    const q = apply(r, t);
    expect(dueEvent(q, late, 0)?.kind).toBe("task_timeout");
  });

  it("applying due events from any reachable row is always accepted and settles", () => {
    fc.assert(
      fc.property(fc.constantFrom(...TASK_STATES), fc.integer({ min: 0, max: 5e9 }), (s, dt) => {
        let row = SAMPLES[s]();
        const now = T0 + dt;
        for (let i = 0; i < 10; i++) {
          const ev = dueEvent(row, now, 0.3);
          if (!ev) return;
          const t = transition(row, ev, now);
          expect(t.kind, `${row.state}: ${ev.kind}`).toBe("ok");
          if (t.kind === "ok") row = apply(row, t);
          expect(invariantProblems(row)).toEqual([]);
        }
        throw new Error(`still due after 10 steps: ${row.state}`);
      }),
    );
  });
});

describe("leaseHeld", () => {
  it("passes exactly the live lease, and refuses others as a fenced event would", () => {
    for (const s of TASK_STATES) {
      const row = SAMPLES[s]();
      const epoch = row.epoch ?? -1;
      const got = leaseHeld(row, epoch, row.runner_id ?? undefined);
      if (holdsRunner(s)) expect(got, s).toBeNull();
      else expect(got?.reason, s).toBe((TABLE[s].release as { refuse: string }).refuse);
      expect(leaseHeld(row, epoch - 1)?.reason).toBe("stale_epoch");
      expect(transition(row, { kind: "release", epoch }, T0).kind === "ok").toBe(got === null);
    }
  });
});
