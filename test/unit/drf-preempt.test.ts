// drf/preempt: which leases to evict so a waiting higher-priority task fits.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunnerView } from "../../src/drf/pick.js";
import { planPreemption, type ActiveLease } from "../../src/drf/preempt.js";
import { addResources, fitsResources, fitsStatically } from "../../src/scheduler/fit.js";
import { req, runner, task } from "./drf-helpers.js";

const lease = (taskId: string, runnerId: string, cpu: number, over: Partial<ActiveLease> = {}): ActiveLease => ({
  taskId,
  agent: "x",
  priority: 0,
  runnerId,
  resources: { cpu },
  preemptible: true,
  agentShare: 0,
  unsavedMs: 0,
  ...over,
});
const waiting = (cpu: number, priority = 5) => task("w", 1, { priority, req: req({ resources: { cpu } }) });
/** A runner of 4 cpu with `used` of it taken. */
const full = (id: string, used = 4, over = {}): RunnerView =>
  runner(id, { capacity: { cpu: 4 }, ...over }, { cpu: 4 - used });

describe("planPreemption", () => {
  it("takes the lowest priority first", () => {
    const ls = [lease("p1", "r", 2, { priority: 1 }), lease("p0", "r", 2, { priority: 0 })];
    // 2 needed, 0 free: evicting p0 (priority 0) frees 2.
    expect(planPreemption(waiting(2), [full("r")], ls)).toEqual({ runnerId: "r", victims: ["p0"] });
  });

  it("then the agent with the higher dominant share, then the least unsaved work", () => {
    const byShare = [lease("poor", "r", 2, { agentShare: 0.3 }), lease("rich", "r", 2, { agentShare: 0.6 })];
    expect(planPreemption(waiting(2), [full("r")], byShare)?.victims).toEqual(["rich"]);
    const byWork = [lease("long", "r", 2, { unsavedMs: 100 }), lease("short", "r", 2, { unsavedMs: 50 })];
    expect(planPreemption(waiting(2), [full("r")], byWork)?.victims).toEqual(["short"]);
    // All equal: by task id.
    expect(planPreemption(waiting(2), [full("r")], [lease("b", "r", 2), lease("a", "r", 2)])?.victims).toEqual(["a"]);
  });

  it("drops a victim the others make unnecessary", () => {
    // 3 needed, 0 free. Greedy takes small (priority 0, +1 → 1 free), then big (+3 → 4 free).
    // Without small: 3 ≥ 3, so small need not go; without big: 1 < 3, big stays.
    const ls = [lease("small", "r", 1, { priority: 0 }), lease("big", "r", 3, { priority: 1 })];
    expect(planPreemption(waiting(3), [full("r")], ls)?.victims).toEqual(["big"]);
  });

  it("counts the free room: 1 free + a 1-cpu victim makes 2", () => {
    const ls = [lease("a", "r", 1), lease("b", "r", 2)];
    expect(planPreemption(waiting(2), [full("r", 3)], ls)?.victims).toEqual(["a"]);
  });

  it("never evicts a non-preemptible lease, nor one of equal or higher priority", () => {
    const ls = [
      lease("pinned", "r", 2, { preemptible: false }),
      lease("same", "r", 1, { priority: 5 }),
      lease("higher", "r", 1, { priority: 7 }),
    ];
    expect(planPreemption(waiting(1, 5), [full("r")], ls)).toBeNull();
    // Priority 8 may evict "same" (5) and "higher" (7), still not "pinned": 1 needed → "same" first.
    expect(planPreemption(waiting(1, 8), [full("r")], ls)?.victims).toEqual(["same"]);
  });

  it("returns null when the task already fits some runner, or when no eviction set suffices", () => {
    // r needs an eviction but s has 2 free already.
    expect(planPreemption(waiting(2), [full("r"), full("s", 2)], [lease("a", "r", 4)])).toBeNull();
    // 3 needed; all evictable leases give 0 + 1 + 1 = 2 < 3.
    expect(
      planPreemption(
        waiting(3),
        [full("r")],
        [lease("a", "r", 1), lease("b", "r", 1), lease("c", "r", 2, { preemptible: false })],
      ),
    ).toBeNull();
    // A runner the task can never fit is not considered, free room or not.
    const t = task("w", 1, { priority: 5, req: req({ resources: { cpu: 2 }, nodeSelector: { gpu: "true" } }) });
    expect(planPreemption(t, [full("cpu-only", 0)], [])).toBeNull();
    expect(
      planPreemption(
        t,
        [full("cpu-only", 4), full("g", 4, { labels: { gpu: "true" } })],
        [lease("x", "cpu-only", 4), lease("y", "g", 4)],
      ),
    ).toEqual({ runnerId: "g", victims: ["y"] });
  });

  it("chooses the runner with the fewest victims, then the least lost work, then the lowest id", () => {
    // On a: two 1-cpu leases must go for 2; on b: one 2-cpu lease.
    const twoVsOne = [
      lease("a1", "a", 1),
      lease("a2", "a", 1),
      lease("a3", "a", 2, { preemptible: false }),
      lease("b1", "b", 2),
      lease("b2", "b", 2, { preemptible: false }),
    ];
    expect(planPreemption(waiting(2), [full("a"), full("b")], twoVsOne)).toEqual({ runnerId: "b", victims: ["b1"] });
    // One victim each; a's loses 90 ms of work, b's 10.
    const lost = [lease("a1", "a", 4, { unsavedMs: 90 }), lease("b1", "b", 4, { unsavedMs: 10 })];
    expect(planPreemption(waiting(2), [full("a"), full("b")], lost)).toEqual({ runnerId: "b", victims: ["b1"] });
    // Same count and same loss: lowest runner id, whatever the input order.
    const tie = [lease("a1", "a", 4), lease("b1", "b", 4)];
    expect(planPreemption(waiting(2), [full("b"), full("a")], tie)).toEqual({ runnerId: "a", victims: ["a1"] });
  });

  it("finds a valid, minimal eviction set, or proves there is none (random cases)", () => {
    const arbLease = fc.record({
      runner: fc.constantFrom("r0", "r1", "r2"),
      cpu: fc.integer({ min: 0, max: 3 }),
      mem: fc.integer({ min: 0, max: 3 }),
      priority: fc.integer({ min: 0, max: 3 }),
      preemptible: fc.constantFrom(true, true, true, false),
      agentShare: fc.constantFrom(0, 0.25, 0.5),
      unsavedMs: fc.integer({ min: 0, max: 3 }),
    });
    const arbCase = fc.record({
      leases: fc.array(arbLease, { minLength: 3, maxLength: 12, size: "max" }),
      free: fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), {
        minLength: 3,
        maxLength: 3,
      }),
      want: fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 })),
      priority: fc.integer({ min: 1, max: 4 }),
      gpuOnly: fc.boolean(),
    });
    let multi = 0;
    fc.assert(
      fc.property(arbCase, (c) => {
        const runners = c.free.map(([cpu, mem], i) =>
          runner(`r${i}`, { capacity: { cpu: 12, mem: 12 }, labels: i === 2 ? { gpu: "true" } : {} }, { cpu, mem }),
        );
        const leases = c.leases.map(({ runner: on, cpu, mem, ...l }, i) =>
          lease(`l${i}`, on, 0, { ...l, resources: { cpu, mem } }),
        );
        const t = task("w", 1, {
          priority: c.priority,
          req: req({ resources: { cpu: c.want[0], mem: c.want[1] }, nodeSelector: c.gpuOnly ? { gpu: "true" } : {} }),
        });
        const candidates = (r: RunnerView) =>
          leases.filter((l) => l.runnerId === r.id && l.preemptible && l.priority < t.priority);
        const freeing = (r: RunnerView, ls: readonly ActiveLease[]) =>
          ls.reduce((f, l) => addResources(f, l.resources), r.free);
        const fitting = runners.filter((r) => fitsStatically(t.agent, t.req, r.shape));
        const plan = planPreemption(t, runners, leases);
        if (plan === null) {
          // Either it fits somewhere already, or evicting everything allowed would not be enough anywhere.
          const fitsNow = fitting.some((r) => fitsResources(t.req.resources, r.free));
          expect(fitsNow || fitting.every((r) => !fitsResources(t.req.resources, freeing(r, candidates(r))))).toBe(
            true,
          );
          return;
        }
        const r = fitting.find((x) => x.id === plan.runnerId) as RunnerView;
        expect(r).toBeDefined();
        expect(fitting.every((x) => !fitsResources(t.req.resources, x.free))).toBe(true);
        const victims = plan.victims.map((id) => leases.find((l) => l.taskId === id) as ActiveLease);
        expect(new Set(plan.victims).size).toBe(victims.length);
        for (const v of victims) expect(candidates(r)).toContain(v);
        expect(fitsResources(t.req.resources, freeing(r, victims))).toBe(true);
        if (victims.length > 1) multi++;
        // Minimal: no proper subset of the victims frees enough (all 2^n − 1 of them).
        for (let mask = 0; mask < (1 << victims.length) - 1; mask++) {
          const subset = victims.filter((_, i) => (mask >> i) & 1);
          expect(
            fitsResources(t.req.resources, freeing(r, subset)),
            `subset ${mask} of ${plan.victims.join(",")}`,
          ).toBe(false);
        }
      }),
      { numRuns: 600 },
    );
    // Enough of the runs needed more than one victim for minimality to mean something.
    expect(multi).toBeGreaterThan(25);
  });
});

describe("planPreemption and held runners", () => {
  it("does not target a runner already held for another task", () => {
    const shape = { capacity: { cpu: 1000 }, labels: {}, capabilities: [], agents: null };
    const task = {
      id: "t",
      seq: 1,
      agent: "vip",
      priority: 10,
      instance: "t",
      req: { resources: { cpu: 500 }, capabilities: [], nodeSelector: {} },
      avoid: [],
      queuedAtMs: 0,
    };
    const lease = {
      taskId: "v",
      agent: "batch",
      priority: 0,
      runnerId: "r1",
      resources: { cpu: 1000 },
      preemptible: true,
      agentShare: 0.5,
      unsavedMs: 10,
    };
    // r1 is full (0 free) and held for "other": spoken for, so no plan.
    expect(planPreemption(task, [{ id: "r1", shape, free: {}, heldFor: "other" }], [lease])).toBeNull();
    // Held for this very task: it may be planned again.
    expect(planPreemption(task, [{ id: "r1", shape, free: {}, heldFor: "t" }], [lease])).toEqual({
      runnerId: "r1",
      victims: ["v"],
    });
  });
});
