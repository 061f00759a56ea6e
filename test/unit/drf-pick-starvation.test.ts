// drf/pick: starving tasks outrank every class and hold a runner they fit;
// a runner held for a task (preemption made room) waits for it.
import { describe, expect, it } from "vitest";
import { pick, type Pick } from "../../src/drf/pick.js";
import { QueueIndex, type QueuedTask } from "../../src/drf/queue-index.js";
import { ctx, req, runner, task } from "./drf-helpers.js";

const picked = (p: Pick): string => (p.kind === "task" ? p.task.id : p.kind === "held" ? `held:${p.taskId}` : "none");
const queue = (...ts: QueuedTask[]): QueueIndex => {
  const q = new QueueIndex();
  for (const t of ts) q.add(t);
  return q;
};
const cap = { cpu: 8 };
const cpu = (n: number) => req({ resources: { cpu: n } });
// Starving means queued for at least 1000 ms: at now 5000, queued at ≤ 4000.
const starving = { nowMs: 5000, starvationMs: 1000 };

describe("pick: starvation", () => {
  it("a starving task that fits goes first, whatever its class", () => {
    const q = queue(
      task("old-lo", 1, { priority: 0, queuedAtMs: 4000, req: cpu(2) }),
      task("hi", 2, { priority: 9, queuedAtMs: 4900, req: cpu(1) }),
    );
    // 5000 − 4000 = 1000 ≥ 1000: starving; 2 ≤ 8 free.
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx(starving)))).toBe("old-lo");
    // One ms younger: 5000 − 4001 = 999 < 1000, not starving: class 9 first.
    const q2 = queue(
      task("old-lo", 1, { priority: 0, queuedAtMs: 4001, req: cpu(2) }),
      task("hi", 2, { priority: 9, queuedAtMs: 4900, req: cpu(1) }),
    );
    expect(picked(pick(q2, runner("r", { capacity: cap }), ctx(starving)))).toBe("hi");
  });

  it("holds the runner for a starving task that fits statically but not now: nothing is backfilled", () => {
    const q = queue(
      task("old-big", 1, { priority: 0, queuedAtMs: 0, req: cpu(6) }),
      task("hi-small", 2, { priority: 9, queuedAtMs: 4900, req: cpu(1) }),
    );
    // 6 > 3 free, yet 6 ≤ 8 of capacity: the runner waits for it, hi-small (1 ≤ 3) waits too.
    expect(pick(q, runner("r", { capacity: cap }, { cpu: 3 }), ctx(starving))).toEqual({
      kind: "held",
      taskId: "old-big",
    });
    // A runner it could never fit (capacity 4 < 6) is not held: it backfills.
    expect(picked(pick(q, runner("small", { capacity: { cpu: 4 } }, { cpu: 3 }), ctx(starving)))).toBe("hi-small");
  });

  it("serves starving tasks oldest first, passing over those not eligible here", () => {
    const q = queue(
      task("gpu-only", 1, { queuedAtMs: 0, req: req({ nodeSelector: { gpu: "true" } }) }),
      task("busy", 2, { queuedAtMs: 0, instance: "i-busy" }),
      task("avoids-r", 3, { queuedAtMs: 0, avoid: ["r"] }),
      task("second", 4, { queuedAtMs: 0, req: cpu(1) }),
      task("third", 5, { queuedAtMs: 0, req: cpu(1) }),
      task("hi", 6, { priority: 9, queuedAtMs: 4900 }),
    );
    const c = ctx({ ...starving, busyInstances: new Set(["i-busy"]), otherRunnerFits: () => true });
    expect(picked(pick(q, runner("r", { capacity: cap }), c))).toBe("second");
    q.remove("second");
    expect(picked(pick(q, runner("r", { capacity: cap }), c))).toBe("third");
  });

  it("a starving task behind more than eight older ones that cannot run here still outranks every class", () => {
    // Nine older tasks of one instance wait while it is busy (a backlog of messages to one
    // conversation); they are starving too, but not eligible on any runner right now.
    const backlog = Array.from({ length: 9 }, (_, i) =>
      task(`backlog${i}`, i + 1, { instance: "chat-1", queuedAtMs: 0 }),
    );
    const q = queue(
      ...backlog,
      task("old-big", 10, { queuedAtMs: 0, req: cpu(6) }),
      task("hi-small", 11, { priority: 9, queuedAtMs: 4900, req: cpu(1) }),
    );
    const c = ctx({ ...starving, busyInstances: new Set(["chat-1"]) });
    // old-big has waited 5000 ≥ 1000 ms and fits the runner statically (6 ≤ 8): with 3 free
    // the runner is held for it, or a steady stream of small priority-9 tasks starves it.
    expect(pick(q, runner("r", { capacity: cap }, { cpu: 3 }), c)).toEqual({ kind: "held", taskId: "old-big" });
    expect(picked(pick(q, runner("r", { capacity: cap }), c))).toBe("old-big");
  });

  it("a requeued task (old seq, queued again just now) does not hide tasks that have waited longer", () => {
    // The TenantDO requeues a failed or preempted task with its old seq and queued_at = now.
    const q = queue(
      task("requeued", 1, { queuedAtMs: 4900 }),
      task("old-big", 2, { queuedAtMs: 0, req: cpu(6) }),
      task("hi-small", 3, { priority: 9, queuedAtMs: 4900, req: cpu(1) }),
    );
    // requeued has waited 5000 − 4900 = 100 < 1000; old-big 5000 ≥ 1000: starving, held for.
    expect(pick(q, runner("r", { capacity: cap }, { cpu: 3 }), ctx(starving))).toEqual({
      kind: "held",
      taskId: "old-big",
    });
    // The age order is by time queued; within the agent, FIFO is still by seq.
    expect([...q.oldest(3)].map((t) => t.id)).toEqual(["old-big", "requeued", "hi-small"]);
    // With no one starving: class 9 first, then agent a's tasks by seq, the requeued one (1) before old-big (2).
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx()))).toBe("hi-small");
    q.remove("hi-small");
    expect(picked(pick(q, runner("r", { capacity: cap }), ctx()))).toBe("requeued");
  });
});

describe("pick: a runner held for a task", () => {
  it("runs the held-for task as soon as it fits, before starving and higher-priority work", () => {
    const q = queue(
      task("starving", 1, { queuedAtMs: 0, req: cpu(1) }),
      task("hi", 2, { priority: 9, queuedAtMs: 4900, req: cpu(1) }),
      task("held", 3, { priority: 5, queuedAtMs: 4900, req: cpu(4) }),
    );
    expect(picked(pick(q, runner("r", { capacity: cap }, { cpu: 4 }, "held"), ctx(starving)))).toBe("held");
    // 4 > 3 free: still held, nothing else (starving or priority 9) takes the room.
    expect(picked(pick(q, runner("r", { capacity: cap }, { cpu: 3 }, "held"), ctx(starving)))).toBe("held:held");
  });

  it("forgets the hold when the task has gone or cannot run here", () => {
    const q = queue(task("hi", 1, { priority: 9, req: cpu(1) }), task("held", 2, { instance: "i-held", req: cpu(1) }));
    // The held-for task left the queue (cancelled, or taken by another runner).
    expect(picked(pick(q, runner("r", { capacity: cap }, undefined, "gone"), ctx()))).toBe("hi");
    // Its instance is busy elsewhere: normal order.
    expect(
      picked(pick(q, runner("r", { capacity: cap }, undefined, "held"), ctx({ busyInstances: new Set(["i-held"]) }))),
    ).toBe("hi");
    // It no longer fits this runner statically (the runner changed its labels).
    const moved = queue(
      task("hi", 1, { priority: 9, req: cpu(1) }),
      task("held", 2, { req: req({ nodeSelector: { zone: "eu" } }) }),
    );
    expect(picked(pick(moved, runner("r", { capacity: cap, labels: { zone: "us" } }, undefined, "held"), ctx()))).toBe(
      "hi",
    );
  });
});
