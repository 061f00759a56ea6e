// Properties of pick() over random clusters and random interleavings of
// "runner r asks for work" and "an active lease completes":
//   a. no runner is ever over capacity, and no instance runs twice at once;
//   b. the choice is the one the definitions give, checked by brute force over
//      every queued task: strict priority, then weighted DRF (ties: fewer
//      running, least recently leased, name), then FIFO.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pick, PickContext, RunnerView } from "../../src/drf/pick.js";
import { arbRunner, arbTask, fitsFree, overCapacity, shareByDefinition, Sim, toRunner, toTask } from "./drf-sim.js";

const arbWeights = fc.record({
  a: fc.integer({ min: 1, max: 3 }),
  b: fc.integer({ min: 1, max: 3 }),
  c: fc.integer({ min: 1, max: 3 }),
});
const arbOp = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("ask" as const),
      runner: fc.nat(2),
      held: fc.option(fc.nat(), { nil: null }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), lease: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("submit" as const), task: arbTask }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 4 }) }) },
);
const arbWorld = fc.record({
  runners: fc.array(arbRunner, { minLength: 1, maxLength: 3 }),
  weights: arbWeights,
  tasks: fc.array(arbTask, { maxLength: 20, size: "max" }),
  ops: fc.array(arbOp, { minLength: 10, maxLength: 60, size: "max" }),
});

type World = typeof arbWorld extends fc.Arbitrary<infer T> ? T : never;

/** Run the ops; `starvationMs` and whether runners may be held vary per property. */
function run(
  w: World,
  starvationMs: number,
  useHeld: boolean,
  check: (sim: Sim, p: Pick, v: RunnerView, c: PickContext) => void,
  after: (sim: Sim) => void,
): void {
  const sim = new Sim(w.runners.map(toRunner), w.weights);
  let unique = 0;
  for (const t of w.tasks) sim.submit(toTask(t, `u${unique++}`));
  for (const op of w.ops) {
    if (op.kind === "ask") {
      const r = sim.runners[op.runner % sim.runners.length] as (typeof sim.runners)[number];
      const queued = sim.queued();
      const held = !useHeld || op.held === null ? null : (queued[op.held % Math.max(1, queued.length)]?.id ?? "gone");
      sim.ask(r, starvationMs, held, (p, v, c) => check(sim, p, v, c));
    } else if (op.kind === "complete") {
      const l = sim.leases[op.lease % Math.max(1, sim.leases.length)];
      if (l) sim.finish(l);
    } else if (op.kind === "submit") sim.submit(toTask(op.task, `u${unique++}`));
    else sim.nowMs += op.ms;
    after(sim);
  }
}

describe("pick properties", () => {
  it("a. no runner is ever over capacity; no instance runs twice at once", () => {
    fc.assert(
      fc.property(arbWorld, fc.constantFrom(Infinity, 0, 3), (w, starvationMs) => {
        run(
          w,
          starvationMs,
          true,
          () => {},
          (sim) => {
            const over = overCapacity(sim);
            if (over.length > 0) expect(over).toEqual([]);
            const instances = sim.leases.map((l) => l.task.instance);
            if (new Set(instances).size !== instances.length) expect(instances).toEqual([...new Set(instances)]);
          },
        );
      }),
      { numRuns: 200 },
    );
  }, 20_000);

  it("b. strict priority, then the first agent by (share, running, last lease, name), then the lowest seq, among tasks that fit now", () => {
    let picks = 0;
    fc.assert(
      fc.property(arbWorld, (w) => {
        run(
          w,
          Infinity,
          false,
          (sim, p, v, c) => {
            const ok = sim.queued().filter((t) => sim.eligible(t, v, c) && fitsFree(t, v));
            const got = p.kind === "task" ? p.task.id : p.kind;
            // expect() only on a mismatch: the assertion objects cost more than the model.
            if (p.kind !== "task") {
              if (p.kind !== "none" || ok.length > 0) expect(got).toBe(`one of ${ok.map((t) => t.id).join(",")}`);
              return;
            }
            picks++;
            const x = p.task;
            if (!ok.includes(x)) expect(ok.map((t) => t.id)).toContain(x.id);
            const top = Math.max(...ok.map((t) => t.priority));
            if (x.priority !== top) expect(`${x.id} priority ${x.priority}`).toBe(`priority ${top}`);
            const same = ok.filter((t) => t.priority === x.priority);
            // The first agent by (share, running, last lease, name), compared as a tuple, not with compareRanked.
            const key = (agent: string): [number, number, number, string] => [
              shareByDefinition(c.accounts.get(agent), c.capacity),
              c.accounts.get(agent)?.running ?? 0,
              c.accounts.get(agent)?.lastLease ?? 0,
              agent,
            ];
            const before = (k: readonly (number | string)[], m: readonly (number | string)[]): boolean => {
              for (let i = 0; i < k.length; i++) if (k[i] !== m[i]) return (k[i] as number) < (m[i] as number);
              return false;
            };
            const first = [...new Set(same.map((t) => t.agent))].map(key).reduce((m, k) => (before(k, m) ? k : m));
            if (x.agent !== first[3])
              expect(`${x.agent} ${JSON.stringify(key(x.agent))}`).toBe(`${first[3]} ${JSON.stringify(first)}`);
            const oldest = Math.min(...same.filter((t) => t.agent === x.agent).map((t) => t.seq));
            if (x.seq !== oldest) expect(x.seq).toBe(oldest);
          },
          () => {},
        );
      }),
      { numRuns: 200 },
    );
    // The property must have had something to check.
    expect(picks).toBeGreaterThan(800);
  }, 20_000);
});
