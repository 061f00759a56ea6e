// DRF's tie-break is fair: agents of equal demand and equal weight get leases
// within one of each other over any run of rounds. A round: every runner asks
// for work until none fits, then every lease ends (so all shares are equal
// again and only the tie-break decides). The rule under test is "least
// recently leased" (src/drf/share.ts compareRanked); the old rule ("fewest
// running, then name") gave a, a, a … on a one-task runner.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pick } from "../../src/drf/pick.js";
import { QueueIndex } from "../../src/drf/queue-index.js";
import type { Account } from "../../src/drf/share.js";
import { account, apply, ctx, req, runner, shape, task } from "./drf-helpers.js";
import { Sim } from "./drf-sim.js";

const NAMES = ["zed", "amy", "kit", "bo", "max", "eve"];

const arbWorld = fc.record({
  agents: fc.integer({ min: 2, max: 5 }),
  weight: fc.integer({ min: 1, max: 3 }),
  cpu: fc.integer({ min: 1, max: 3 }),
  mem: fc.integer({ min: 0, max: 2 }),
  // Each runner holds this many of the tasks at once (0: none fits it).
  runners: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
  rounds: fc.integer({ min: 1, max: 25 }),
  // A history before the run: each agent's latest lease number (0: never), distinct when not 0.
  history: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 6, maxLength: 6 }),
  // Which runner asks next within a round (indices into runners, taken modulo).
  order: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
  // An agent that joins after this many rounds (none when past the run).
  joinsAfter: fc.integer({ min: 0, max: 30 }),
});

describe("fair ties: least recently leased", () => {
  it("agents of equal demand and weight get leases within one of each other, after every lease of any run of rounds", () => {
    let leases = 0;
    fc.assert(
      fc.property(arbWorld, (w) => {
        const names = NAMES.slice(0, w.agents + 1);
        const late = names[w.agents] as string;
        const early = names.slice(0, w.agents);
        const runners = w.runners.map((k, i) => ({
          id: `r${i}`,
          shape: shape({ capacity: { cpu: k * w.cpu, mem: k * w.mem } }),
        }));
        const slots = w.runners.reduce((n, k) => n + k, 0);
        const sim = new Sim(runners, Object.fromEntries(early.map((a) => [a, w.weight])));
        const seen = new Set<number>();
        for (const [i, a] of early.entries()) {
          const h = w.history[i] as number;
          if (h > 0 && !seen.has(h)) (sim.accounts.get(a) as Account).lastLease = h;
          seen.add(h);
        }
        let unique = 0;
        const one = req({ resources: { cpu: w.cpu, mem: w.mem } });
        const count = new Map<string, number>(early.map((a) => [a, 0]));
        let joined = false;
        const ask = (r: (typeof runners)[number], round: number): boolean => {
          const p = sim.ask(r, Infinity);
          if (p.kind !== "task") return false;
          leases++;
          count.set(p.task.agent, (count.get(p.task.agent) ?? 0) + 1);
          const c = [...count.values()];
          // Within one of each other, counted from the start (or from the late agent's arrival).
          if (Math.max(...c) - Math.min(...c) > 1)
            expect({ round, joined, count: Object.fromEntries(count) }).toBe("within one");
          return true;
        };
        for (let round = 0; round < w.rounds; round++) {
          if (round === w.joinsAfter) {
            sim.accounts.set(late, account(w.weight));
            for (const a of [...count.keys(), late]) count.set(a, 0);
            joined = true;
          }
          // Every agent has more queued than the runners can take in a round.
          for (const a of count.keys())
            for (let i = 0; i <= slots; i++)
              sim.submit({ agent: a, priority: 0, instance: `i${unique++}`, req: one, avoid: [] });
          // Runners ask in the generated order; the round is full when a sweep over all of them takes nothing.
          for (let i = 0; ; i++) {
            const r = runners[(w.order[i % w.order.length] as number) % runners.length] as (typeof runners)[number];
            if (ask(r, round)) continue;
            if (!runners.some((x) => ask(x, round))) break;
          }
          for (const l of [...sim.leases]) sim.finish(l);
        }
      }),
      { numRuns: 300 },
    );
    expect(leases).toBeGreaterThan(1000);
  }, 30_000);

  it("two idle agents with whole-runner tasks alternate on a one-task runner (the old rule gave a, a, a …)", () => {
    const q = new QueueIndex();
    for (let i = 0; i < 10; i++) {
      q.add(task(`a${i}`, 2 * i + 1, { agent: "a", req: req({ resources: { cpu: 4 } }) }));
      q.add(task(`b${i}`, 2 * i + 2, { agent: "b", req: req({ resources: { cpu: 4 } }) }));
    }
    const accounts = new Map<string, Account>([
      ["a", account()],
      ["b", account()],
    ]);
    const got: string[] = [];
    for (let round = 0; round < 10; round++) {
      const r = runner("r", { capacity: { cpu: 4 } });
      const p = pick(q, r, ctx({ accounts, capacity: { cpu: 4 } }));
      if (p.kind !== "task") throw new Error(`round ${round}: ${p.kind}`);
      apply(q, accounts, r, p.task);
      got.push(p.task.agent);
      // The lease ends: both agents are back at share 0 with 0 running; only the last lease differs.
      const acc = accounts.get(p.task.agent) as Account;
      accounts.set(p.task.agent, { ...acc, allocated: {}, running: 0 });
    }
    expect(got).toEqual(["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"]);
  });

  it("a newcomer goes first once, then takes its turn (no burst as with a never-decremented count)", () => {
    const q = new QueueIndex();
    const one = req({ resources: { cpu: 1 } });
    let seq = 0;
    for (let i = 0; i < 6; i++) for (const a of ["a", "b", "c"]) q.add(task(`${a}${i}`, ++seq, { agent: a, req: one }));
    // a and b have each had 20 leases (a's latest is number 40, b's 39); c has had none.
    const accounts = new Map<string, Account>([
      ["a", account(1, {}, 0, 40)],
      ["b", account(1, {}, 0, 39)],
      ["c", account()],
    ]);
    const got: string[] = [];
    for (let round = 0; round < 6; round++) {
      const r = runner("r", { capacity: { cpu: 1 } });
      const p = pick(q, r, ctx({ accounts, capacity: { cpu: 1 } }));
      if (p.kind !== "task") throw new Error(`round ${round}: ${p.kind}`);
      apply(q, accounts, r, p.task);
      got.push(p.task.agent);
      const acc = accounts.get(p.task.agent) as Account;
      accounts.set(p.task.agent, { ...acc, allocated: {}, running: 0 });
    }
    // Mesos' count (c at 0 against 20) would give c, c, c, c, c, c.
    expect(got).toEqual(["c", "b", "a", "c", "b", "a"]);
  });
});
