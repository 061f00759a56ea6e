// Queue order: higher priority first, first-in first-out within a priority.
import { describe, expect, it } from "vitest";
import { call, fixture, lease, ok, putAgent, registerRunner, submit, type Fixture } from "./helpers.js";

/** Submits tasks with these priorities, in this order; returns their ids. */
async function submitAll(f: Fixture, priorities: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, priority] of priorities.entries())
    ids.push((await submit(f, { agent: "echo", priority, input: i })).id);
  return ids;
}

// Submitted as   0: p0   1: p5   2: p0   3: p5   4: p-1   5: p1000
// Expected      5 (1000), 1 then 3 (5, FIFO), 0 then 2 (0, FIFO), 4 (-1)
const PRIORITIES = [0, 5, 0, 5, -1, 1000];
const ORDER = [5, 1, 3, 0, 2, 4];

describe("queue order", () => {
  it("leases one at a time in priority order, FIFO within a priority", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: { cpu: 1000 } });
    const ids = await submitAll(f, PRIORITIES);
    const got: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const leases = await lease(f, runnerId, { max_tasks: 1 });
      expect(leases).toHaveLength(1);
      got.push(leases[0].task.id);
    }
    expect(got).toEqual(ORDER.map((i) => ids[i]));
    expect(await lease(f, runnerId, { max_tasks: 1 })).toEqual([]);
  });

  it("answers a multi-task lease in the same order", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: { cpu: 1000 } });
    const ids = await submitAll(f, PRIORITIES);
    const first = await lease(f, runnerId, { max_tasks: 4 });
    expect(first.map((l) => l.task.id)).toEqual(ORDER.slice(0, 4).map((i) => ids[i]));
    const rest = await lease(f, runnerId, { max_tasks: 64 });
    expect(rest.map((l) => l.task.id)).toEqual(ORDER.slice(4).map((i) => ids[i]));
    // Every lease has its own, growing epoch.
    const epochs = [...first, ...rest].map((l) => l.epoch as number);
    expect(epochs).toEqual([...epochs].sort((x, y) => x - y));
    expect(new Set(epochs).size).toBe(epochs.length);
  });

  it("a task requeued by fail keeps its place by priority and submission", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { retry: { backoff: { initial_ms: 0, max_ms: 0 } } });
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const [a, b] = await submitAll(f, [0, 0]);
    const [la] = await lease(f, runnerId);
    expect(la.task.id).toBe(a);
    // Only one runner exists, so it is not avoided; a (older) comes before b again.
    await fail(f, a as string, la.epoch);
    const [again] = await lease(f, runnerId);
    expect(again.task.id).toBe(a);
    expect((await lease(f, runnerId))[0].task.id).toBe(b);
  });
});

async function fail(f: Fixture, id: string, epoch: number): Promise<void> {
  await ok(
    call("POST", `/v1/tasks/${id}/fail`, f.runner, { epoch, error: { code: "boom", message: "x" }, retryable: true }),
  );
}
