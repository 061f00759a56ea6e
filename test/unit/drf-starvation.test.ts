// Property c: nothing that fits starves. Random arrivals over a clock, with a
// steady stream of small priority-9 tasks that would keep bigger, lower ones
// out forever under strict priority alone; leases end after their duration,
// and now and then one fails and its task is requeued.
// At every decision the oldest starving task that may run on the runner must
// get it (or hold it); after the arrivals stop, the queue drains down to the
// tasks that fit no runner at all.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Pick, PickContext, RunnerView } from "../../src/drf/pick.js";
import { arbRunner, arbTask, fitsFree, Sim, toRunner, toTask } from "./drf-sim.js";

const STARVATION_MS = 8;
const arbStep = fc.record({
  // 0–2 stream tasks a step, mostly 1 or 2.
  stream: fc.constantFrom(0, 1, 1, 2, 2),
  arrivals: fc.array(fc.record({ task: arbTask, durationMs: fc.integer({ min: 1, max: 6 }) }), { maxLength: 2 }),
  // Now and then an attempt fails and its task is requeued (old seq, queued anew).
  fail: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, fc.nat()),
});
const arbWorld = fc.record({
  runners: fc.array(arbRunner, { minLength: 1, maxLength: 3 }),
  steps: fc.array(arbStep, { minLength: 20, maxLength: 45, size: "max" }),
});

describe("pick: no starvation", () => {
  it("c. the oldest starving task goes first, and every task that fits some runner is eventually run", () => {
    const seen = { starvingPicks: 0, held: 0, leftUnfit: 0 };
    fc.assert(
      fc.property(arbWorld, ({ runners, steps }) => {
        const sim = new Sim(runners.map(toRunner), { a: 1, b: 2, c: 1, stream: 1 });
        let unique = 0;
        const check = (p: Pick, v: RunnerView, c: PickContext) => {
          const starving = sim
            .queued()
            .filter((t) => c.nowMs - t.queuedAtMs >= STARVATION_MS && sim.eligible(t, v, c))
            .sort((x, y) => x.queuedAtMs - y.queuedAtMs || x.seq - y.seq);
          const first = starving[0];
          // expect() only on a mismatch: the assertion objects cost more than the model.
          const want = !first ? "task or none" : fitsFree(first, v) ? `task ${first.id}` : `held ${first.id}`;
          const got = p.kind === "task" ? `task ${p.task.id}` : p.kind === "held" ? `held ${p.taskId}` : "none";
          if (!first ? p.kind === "held" : got !== want) expect(got).toBe(want);
          if (first) seen[p.kind === "held" ? "held" : "starvingPicks"]++;
        };
        const tick = () => {
          sim.nowMs++;
          for (const l of sim.leases.filter((x) => x.endMs <= sim.nowMs)) sim.finish(l);
        };
        const askAll = () => {
          for (const r of sim.runners)
            for (let i = 0; i < 16 && sim.ask(r, STARVATION_MS, null, check).kind === "task"; i++);
        };
        for (const s of steps) {
          tick();
          for (let i = 0; i < s.stream; i++) {
            const small = {
              agent: "stream",
              priority: 9,
              cpu: 1,
              mem: 0,
              zone: undefined,
              tolerates: true,
              instance: null,
              avoid: [],
            };
            sim.submit(toTask(small, `s${unique++}`), 3);
          }
          for (const a of s.arrivals) sim.submit(toTask(a.task, `u${unique++}`), a.durationMs);
          const failed = s.fail === null ? undefined : sim.leases[s.fail % Math.max(1, sim.leases.length)];
          if (failed) sim.requeue(failed);
          askAll();
        }
        // Arrivals stop. A bound on the drain: every queued task and lease ends within 6 steps of the one before.
        const bound = (sim.index.size + sim.leases.length + 1) * 7;
        for (let i = 0; i < bound && !sim.queued().every((t) => !sim.fitsSomeRunner(t)); i++) {
          tick();
          askAll();
        }
        const stuck = sim.queued().filter((t) => sim.fitsSomeRunner(t));
        expect(stuck.map((t) => `${t.id} ${JSON.stringify(t.req)} waited ${sim.nowMs - t.queuedAtMs}`)).toEqual([]);
        seen.leftUnfit += sim.index.size;
      }),
      { numRuns: 200 },
    );
    // The runs did exercise the starvation path: starving tasks taken, runners held, unfit tasks left.
    expect(seen.starvingPicks).toBeGreaterThan(1000);
    expect(seen.held).toBeGreaterThan(1000);
    expect(seen.leftUnfit).toBeGreaterThan(100);
    // About a second and a half alone; the margin is for a loaded machine, not for the work.
  }, 20_000);
});
