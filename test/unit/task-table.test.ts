// Acceptance 3: every state × every event either transitions as the table says
// or is refused with the table's typed reason; the table is total. The loops run
// over the exported lists, so a state or an event added without its cells (or
// without a sample row here) fails.
import { describe, expect, it } from "vitest";
import { EVENT_KINDS, REFUSALS } from "../../src/task/events.js";
import { transition } from "../../src/task/machine.js";
import { holdsRunner, TASK_STATES } from "../../src/task/states.js";
import { ENTRY, TABLE } from "../../src/task/table.js";
import { invariantProblems } from "../../src/task/invariants.js";
import { eventFor, LATE, SAMPLES } from "./task-helpers.js";

describe("the transition table", () => {
  it("has a cell for every state and event, and nothing else", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...TASK_STATES].sort());
    for (const s of TASK_STATES) {
      expect(Object.keys(TABLE[s]).sort(), s).toEqual([...EVENT_KINDS].sort());
      for (const e of EVENT_KINDS) {
        const c = TABLE[s][e];
        if ("to" in c) {
          expect(c.to.length, `${s} × ${e}`).toBeGreaterThan(0);
          for (const t of c.to) expect(TASK_STATES, `${s} × ${e}`).toContain(t);
        } else expect(REFUSALS, `${s} × ${e}`).toContain(c.refuse);
      }
    }
    expect(Object.keys(SAMPLES).sort()).toEqual([...TASK_STATES].sort());
    expect(Object.keys(ENTRY).sort()).toEqual([...TASK_STATES].sort());
  });

  for (const s of TASK_STATES) {
    describe(`from ${s}`, () => {
      for (const e of EVENT_KINDS) {
        const c = TABLE[s][e];
        it(`${e}: ${"to" in c ? `→ ${c.to.join(" | ")}` : `refused ${c.refuse}`}`, () => {
          const row = SAMPLES[s]();
          expect(row.state).toBe(s);
          expect(invariantProblems(row)).toEqual([]);
          const t = transition(row, eventFor(e, row), LATE);
          if ("refuse" in c) {
            expect(t).toMatchObject({ kind: "refused", reason: c.refuse, state: s, epoch: row.epoch });
            return;
          }
          if (t.kind !== "ok") throw new Error(`refused: ${t.reason}`);
          expect(c.to).toContain(t.to);
          expect(t.guard).toEqual({ state: s, epoch: row.epoch });
          const after = { ...row, ...t.fields };
          expect(invariantProblems(after)).toEqual([]);
          if (t.to !== s) {
            expect(t.fields.state).toBe(t.to);
            expect(t.fields.updated_at).toBe(LATE);
            for (const col of ENTRY[t.to].sets)
              expect(Object.keys(t.fields), `${s} → ${t.to} sets ${col}`).toContain(col);
            for (const col of ENTRY[t.to].clears)
              if (!ENTRY[t.to].sets.includes(col))
                expect(after[col], `${s} → ${t.to} clears ${col}`).toBe(col === "preempt_requested" ? 0 : null);
            expect(t.events.length, "a state change is logged").toBeGreaterThan(0);
            expect(t.events.some((ev) => ev.state === t.to)).toBe(true);
          }
          // The runner's capacity is freed exactly when the task stops holding it.
          const freed = t.effects.some((x) => x.kind === "free");
          expect(freed).toBe(holdsRunner(s) && !holdsRunner(t.to));
          expect(t.effects.some((x) => x.kind === "enqueue")).toBe(t.to === "queued" && s !== "queued");
        });
      }
    });
  }
});
