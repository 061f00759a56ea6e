// drf/queue-index: queued tasks by class → agent → placement group, FIFO by seq,
// and a global order by age.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { placementKey, QueueIndex, type QueuedTask } from "../../src/drf/queue-index.js";
import { req, task } from "./drf-helpers.js";

const ids = (it: Iterable<QueuedTask>) => [...it].map((t) => t.id);
const priorities = (q: QueueIndex) => [...q.classesDesc()].map((c) => c.priority);
/** Task ids of one agent's group in one class, in queue order. */
function group(q: QueueIndex, priority: number, agent: string): string[][] {
  const cls = [...q.classesDesc()].find((c) => c.priority === priority);
  return [...(cls?.agents.get(agent)?.values() ?? [])].map((g) => ids(g.tasks.oldest(Infinity)));
}

describe("QueueIndex", () => {
  it("adds, gets and removes; a second add of the same id is ignored", () => {
    const q = new QueueIndex();
    const t1 = task("t1", 1);
    q.add(t1);
    q.add({ ...t1, priority: 9 });
    expect(q.size).toBe(1);
    expect(q.has("t1")).toBe(true);
    expect(q.get("t1")).toBe(t1);
    // The ignored duplicate did not open class 9.
    expect(priorities(q)).toEqual([0]);
    expect(q.remove("t1")).toBe(t1);
    expect(q.remove("t1")).toBeUndefined();
    expect(q.get("t1")).toBeUndefined();
    expect(q.size).toBe(0);
    expect(priorities(q)).toEqual([]);
    expect(ids(q.oldest(10))).toEqual([]);
  });

  it("lists classes highest priority first, and drops a class when its last task leaves", () => {
    const q = new QueueIndex();
    q.add(task("p1", 1, { priority: 1 }));
    q.add(task("p5", 2, { priority: 5 }));
    q.add(task("p3", 3, { priority: 3 }));
    q.add(task("p-2", 4, { priority: -2 }));
    q.add(task("p5b", 5, { priority: 5 }));
    expect(priorities(q)).toEqual([5, 3, 1, -2]);
    q.remove("p5");
    expect(priorities(q)).toEqual([5, 3, 1, -2]);
    q.remove("p5b");
    expect(priorities(q)).toEqual([3, 1, -2]);
  });

  it("groups an agent's tasks by requirements, each group in seq order", () => {
    const q = new QueueIndex();
    const small = req({ resources: { cpu: 1, mem: 2 } });
    // Same requirements written in another key order: the same group.
    const smallAgain = req({ resources: { mem: 2, cpu: 1 } });
    const big = req({ resources: { cpu: 4 } });
    q.add(task("s1", 1, { req: small }));
    q.add(task("b1", 2, { req: big }));
    q.add(task("s2", 3, { req: smallAgain }));
    q.add(task("other", 4, { agent: "b", req: small }));
    expect(group(q, 0, "a")).toEqual([["s1", "s2"], ["b1"]]);
    expect(group(q, 0, "b")).toEqual([["other"]]);
    expect(q.queuedByAgent()).toEqual(
      new Map([
        ["a", 3],
        ["b", 1],
      ]),
    );
  });

  it("puts a requeued task (older seq than the tail) back in its place by seq", () => {
    const q = new QueueIndex();
    for (const s of [1, 2, 3, 4]) q.add(task(`t${s}`, s));
    // t2 is picked, fails, and comes back: between t1 and t3, not after t4. (All queued at
    // 0 ms here, so the age order agrees; a later queuedAtMs is covered under oldest() below.)
    const t2 = q.remove("t2") as QueuedTask;
    q.add(task("t5", 5));
    q.add(t2);
    expect(group(q, 0, "a")).toEqual([["t1", "t2", "t3", "t4", "t5"]]);
    expect(ids(q.oldest(10))).toEqual(["t1", "t2", "t3", "t4", "t5"]);
    // The head leaves and comes back: it is the head again.
    const t1 = q.remove("t1") as QueuedTask;
    q.add(t1);
    expect(ids(q.oldest(2))).toEqual(["t1", "t2"]);
  });

  it("removes from the middle of a group and of the age order", () => {
    const q = new QueueIndex();
    for (const s of [1, 2, 3, 4, 5]) q.add(task(`t${s}`, s, { priority: s % 2 }));
    q.remove("t3");
    expect(ids(q.oldest(10))).toEqual(["t1", "t2", "t4", "t5"]);
    // Odd seqs are class 1: t1, t5 (t3 gone); even are class 0: t2, t4.
    expect(group(q, 1, "a")).toEqual([["t1", "t5"]]);
    expect(group(q, 0, "a")).toEqual([["t2", "t4"]]);
  });

  it("oldest() runs across classes and agents by time queued, then seq, up to the limit", () => {
    const q = new QueueIndex();
    q.add(task("hi", 3, { priority: 9, agent: "b" }));
    q.add(task("lo", 1, { priority: 0 }));
    q.add(task("mid", 2, { priority: 5, agent: "c" }));
    expect(ids(q.oldest(10))).toEqual(["lo", "mid", "hi"]);
    expect(ids(q.oldest(2))).toEqual(["lo", "mid"]);
    expect(ids(q.oldest(0))).toEqual([]);
    // lo fails and is requeued at 500 ms: last by age, still first of its group.
    const lo = q.remove("lo") as QueuedTask;
    q.add(task("lo2", 4, { priority: 0 }));
    q.add({ ...lo, queuedAtMs: 500 });
    expect(ids(q.oldest(10))).toEqual(["mid", "hi", "lo2", "lo"]);
    expect(group(q, 0, "a")).toEqual([["lo", "lo2"]]);
  });

  it("stays in order past the compaction of a long-drained head", () => {
    const q = new QueueIndex();
    for (let s = 1; s <= 3000; s++) q.add(task(`t${s}`, s));
    // 2100 head removals pass the compaction threshold (head > 1024, more than half drained).
    for (let s = 1; s <= 2100; s++) q.remove(`t${s}`);
    q.remove("t2500");
    expect(q.size).toBe(899);
    expect(ids(q.oldest(2))).toEqual(["t2101", "t2102"]);
    const t2101 = q.remove("t2101") as QueuedTask;
    q.add(t2101);
    expect(ids(q.oldest(1))).toEqual(["t2101"]);
    expect(q.remove("t2999")?.id).toBe("t2999");
    expect(ids(q.oldest(Infinity)).length).toBe(898);
  });

  it("agrees with sorted lists under random adds, removes and requeues", () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("add" as const),
        priority: fc.integer({ min: 0, max: 3 }),
        agent: fc.constantFrom("a", "b"),
        cpu: fc.integer({ min: 1, max: 2 }),
      }),
      fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("requeue" as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const q = new QueueIndex();
        let model: QueuedTask[] = [];
        let seq = 0;
        let nowMs = 0;
        for (const o of ops) {
          nowMs += 10;
          if (o.kind === "add") {
            seq++;
            const t = task(`t${seq}`, seq, {
              priority: o.priority,
              agent: o.agent,
              queuedAtMs: nowMs,
              req: req({ resources: { cpu: o.cpu } }),
            });
            q.add(t);
            model.push(t);
          } else if (model.length > 0) {
            const t = model[o.pick % model.length] as QueuedTask;
            expect(q.remove(t.id)).toBe(t);
            model = model.filter((m) => m !== t);
            if (o.kind === "requeue") {
              // Back with its seq, queued anew (as the TenantDO does).
              const again = { ...t, queuedAtMs: nowMs };
              q.add(again);
              model.push(again);
            }
          }
          // Age order: by time queued, then seq. Groups: by seq.
          const byAge = [...model].sort((x, y) => x.queuedAtMs - y.queuedAtMs || x.seq - y.seq);
          expect(ids(q.oldest(Infinity))).toEqual(byAge.map((t) => t.id));
          const sorted = [...model].sort((x, y) => x.seq - y.seq);
          expect(priorities(q)).toEqual([...new Set(model.map((t) => t.priority))].sort((x, y) => y - x));
          for (const cls of q.classesDesc())
            for (const [agent, groups] of cls.agents)
              for (const g of groups.values()) {
                const want = sorted.filter(
                  (t) => t.priority === cls.priority && t.agent === agent && placementKey(t.req) === g.key,
                );
                expect(ids(g.tasks.oldest(Infinity))).toEqual(want.map((t) => t.id));
              }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("placementKey", () => {
  it("ignores key order and list order, and tells different requirements apart", () => {
    const a = req({
      resources: { cpu: 1, mem: 2 },
      capabilities: ["sql", "crm"],
      nodeSelector: { zone: "eu", pci: "true" },
    });
    const b = req({
      resources: { mem: 2, cpu: 1 },
      capabilities: ["crm", "sql"],
      nodeSelector: { pci: "true", zone: "eu" },
    });
    expect(placementKey(a)).toBe(placementKey(b));
    expect(placementKey(a)).not.toBe(placementKey({ ...a, resources: { cpu: 1, mem: 3 } }));
    expect(placementKey(a)).not.toBe(placementKey({ ...a, capabilities: ["sql"] }));
    expect(placementKey(a)).not.toBe(placementKey({ ...a, nodeSelector: { zone: "eu" } }));
    expect(placementKey(a)).not.toBe(placementKey({ ...a, affinity: [{ key: "zone", operator: "Exists" }] }));
    expect(placementKey(a)).not.toBe(placementKey({ ...a, tolerations: [{ key: "pci", operator: "Exists" }] }));
    // No affinity and an empty affinity list mean the same.
    expect(placementKey(a)).toBe(placementKey({ ...a, affinity: [], tolerations: [] }));
  });
});
