// Batches: POST /v1/tasks/batch submits many tasks in one call and
// POST /v1/runners/{id}/report reports many outcomes in one call. Each item
// keeps the semantics of its single call (validation, idempotency key, epoch
// fencing) and is answered on its own; a body zod refuses applies nothing.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  expectError,
  expectIssues,
  fixture,
  getTask,
  lease,
  metricSample,
  ok,
  parked,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
} from "./helpers.js";

const batch = (f: Fixture, tasks: unknown[]) => call("POST", "/v1/tasks/batch", f.submit, { tasks });
const report = (f: Fixture, runnerId: string, reports: unknown[]) =>
  call("POST", `/v1/runners/${runnerId}/report`, f.runner, { reports });
const allTasks = async (f: Fixture) =>
  (await ok(call("GET", "/v1/tasks?limit=500", f.read))).tasks as { id: string; state: string }[];

describe("POST /v1/tasks/batch", () => {
  it("answers each task on its own: created, unknown agent, contradicting selector, repeated key", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { node_selector: { region: "eu" } });
    const r = await batch(f, [
      { agent: "echo", input: { n: 1 } },
      { agent: "ghost", input: { n: 2 } },
      { agent: "echo", node_selector: { region: "us" } },
      { agent: "echo", input: { n: 4 }, idempotency_key: "k-4" },
      { agent: "echo", input: { n: 4 }, idempotency_key: "k-4" },
      { agent: "echo", input: { n: 6 }, idempotency_key: "k-4" },
    ]);
    expect(r.status).toBe(200);
    const items = r.body.items as {
      status: number;
      task?: { id: string; state: string; input: unknown };
      error?: { code: string };
    }[];
    expect(items.map((i) => i.status)).toEqual([201, 404, 400, 201, 200, 409]);
    expect(items[0]?.task).toMatchObject({ state: "queued", input: { n: 1 } });
    expect(items[1]?.error?.code).toBe("not_found");
    expect(items[2]?.error?.code).toBe("bad_request");
    expect(items[4]?.task?.id).toBe(items[3]?.task?.id);
    expect(items[5]?.error).toMatchObject({ code: "conflict", details: { task_id: items[3]?.task?.id } });
    const stored = await allTasks(f);
    expect(stored.map((t) => t.id).sort()).toEqual([items[0]?.task?.id, items[3]?.task?.id].sort());
  });

  it("is idempotent across calls: the same batch again creates nothing", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const tasks = Array.from({ length: 20 }, (_, i) => ({ agent: "echo", input: { i }, idempotency_key: `job-${i}` }));
    const first = await ok(batch(f, tasks));
    expect(first.items.every((i: { status: number }) => i.status === 201)).toBe(true);
    // A retry of the whole batch (say, after a lost answer) plus one new task.
    const again = await ok(batch(f, [...tasks, { agent: "echo", input: { i: 20 }, idempotency_key: "job-20" }]));
    expect(again.items.map((i: { status: number }) => i.status)).toEqual([...Array(20).fill(200), 201]);
    expect(again.items.slice(0, 20).map((i: { task: { id: string } }) => i.task.id)).toEqual(
      first.items.map((i: { task: { id: string } }) => i.task.id),
    );
    expect(await allTasks(f)).toHaveLength(21);
    // The single call sees the batch's keys and the batch the single call's.
    expect((await call("POST", "/v1/tasks", f.submit, tasks[3])).status).toBe(200);
    const single = await submit(f, { agent: "echo", idempotency_key: "solo" });
    expect((await ok(batch(f, [{ agent: "echo", idempotency_key: "solo" }]))).items[0]).toMatchObject({
      status: 200,
      task: { id: single.id },
    });
  });

  it("refuses a body with one malformed task whole, storing nothing", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const r = await batch(f, [
      { agent: "echo", idempotency_key: "a" },
      { agent: "echo" },
      { agent: "echo", priority: 5000 },
    ]);
    expectIssues(r, "tasks.2.priority");
    expectIssues(await batch(f, [{ agent: "echo" }, { agent: "echo", surprise: true }]), "tasks.1");
    expectIssues(await batch(f, []), "tasks");
    expectIssues(
      await batch(
        f,
        Array.from({ length: 501 }, () => ({ agent: "echo" })),
      ),
      "tasks",
    );
    expect(await allTasks(f)).toHaveLength(0);
    // The key of the refused batch is still free.
    expect((await ok(batch(f, [{ agent: "echo", idempotency_key: "a" }]))).items[0].status).toBe(201);
  });

  it("needs the submit scope", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    expectError(await call("POST", "/v1/tasks/batch", f.runner, { tasks: [{ agent: "echo" }] }), 403, "forbidden");
    expectError(await call("POST", "/v1/tasks/batch", null, { tasks: [{ agent: "echo" }] }), 401, "unauthorized");
  });

  it("wakes a parked long-poll once, with as many tasks as it asked for", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r", capacity: {} });
    const poll = call("POST", `/v1/runners/${runnerId}/lease`, f.runner, { max_tasks: 5, wait_ms: 20_000 });
    await parked(f.admin);
    const sub = await ok(
      batch(
        f,
        Array.from({ length: 8 }, (_, i) => ({ agent: "echo", input: { i } })),
      ),
    );
    const { leases } = await ok(poll);
    // Served after the whole batch: the first five in submit order, not one task per wake.
    expect(leases.map((l: { task: { id: string } }) => l.task.id)).toEqual(
      sub.items.slice(0, 5).map((i: { task: { id: string } }) => i.task.id),
    );
    const rest = await lease(f, runnerId, { max_tasks: 64 });
    expect(rest).toHaveLength(3);
  });
});

describe("POST /v1/runners/{id}/report", () => {
  async function leased(f: Fixture, n: number, spec: Record<string, unknown> = {}) {
    await putAgent(f, "echo", spec);
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    for (let i = 0; i < n; i++) await submit(f, { agent: "echo", input: { i } });
    const leases = await lease(f, runnerId, { max_tasks: n });
    expect(leases).toHaveLength(n);
    return { runnerId, leases: leases as { task: { id: string }; epoch: number }[] };
  }

  it("applies complete, fail and release in one call, each as its single call would", async () => {
    const f = await fixture();
    const { runnerId, leases } = await leased(f, 3, { retry: { max_attempts: 1 } });
    const [a, b, c] = leases as [(typeof leases)[0], (typeof leases)[0], (typeof leases)[0]];
    const r = await ok(
      report(f, runnerId, [
        {
          task_id: a.task.id,
          epoch: a.epoch,
          outcome: "complete",
          result: { answer: 42 },
          usage: { cpu_seconds: 0.5, peak_memory_mb: 12 },
        },
        {
          task_id: b.task.id,
          epoch: b.epoch,
          outcome: "fail",
          error: { code: "boom", message: "it broke" },
          retryable: false,
        },
        { task_id: c.task.id, epoch: c.epoch, outcome: "release" },
      ]),
    );
    expect(r.items.map((i: { task_id: string; status: number }) => [i.task_id, i.status])).toEqual([
      [a.task.id, 200],
      [b.task.id, 200],
      [c.task.id, 200],
    ]);
    expect(await getTask(f, a.task.id)).toMatchObject({
      state: "succeeded",
      result: { answer: 42 },
      usage: { cpu_seconds: 0.5, peak_memory_mb: 12 },
    });
    expect(await getTask(f, b.task.id)).toMatchObject({ error: { code: "boom" } });
    expect((await getTask(f, b.task.id)).state).not.toMatch(/leased|running|queued/);
    // Released: back in the queue, the attempt not charged.
    expect(await getTask(f, c.task.id)).toMatchObject({ state: "queued", attempts: 0 });
    expect(r.items[2].task).toMatchObject({ id: c.task.id, state: "queued" });
  });

  it("counts every item of a batch in the metrics, each counter summed once at the batch's end", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { retry: { max_attempts: 1 } });
    await putAgent(f, "other");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const sub = await ok(
      batch(f, [
        ...Array.from({ length: 7 }, (_, i) => ({ agent: "echo", input: { i } })),
        { agent: "other" },
        { agent: "other" },
        { agent: "ghost" },
      ]),
    );
    expect(sub.items.map((i: { status: number }) => i.status)).toEqual([...Array(9).fill(201), 404]);
    const leases = (await lease(f, runnerId, { max_tasks: 9 })) as {
      task: { id: string; agent: string };
      epoch: number;
    }[];
    expect(leases).toHaveLength(9);
    const echo = leases.filter((l) => l.task.agent === "echo");
    await ok(
      report(f, runnerId, [
        ...echo.slice(0, 5).map((l) => ({ task_id: l.task.id, epoch: l.epoch, outcome: "complete", result: null })),
        ...echo.slice(5).map((l) => ({
          task_id: l.task.id,
          epoch: l.epoch,
          outcome: "fail",
          error: { code: "boom", message: "x" },
          retryable: false,
        })),
      ]),
    );
    const text = (await call("GET", "/metrics", f.read)).body as string;
    const value = (line: string): number => metricSample(text, line);
    expect(value('officeos_tasks_submitted_total{agent="echo"}')).toBe(7);
    expect(value('officeos_tasks_submitted_total{agent="other"}')).toBe(2);
    expect(value('officeos_schedule_to_start_seconds_count{agent="echo"}')).toBe(7);
    expect(value('officeos_schedule_to_start_seconds_count{agent="other"}')).toBe(2);
    expect(value('officeos_tasks_finished_total{agent="echo",state="succeeded"}')).toBe(5);
    expect(value('officeos_tasks_finished_total{agent="echo",state="failed"}')).toBe(2);
    expect(value('officeos_attempts_failed_total{agent="echo",code="boom"}')).toBe(2);
    // Each task's log: submitted, leased, then its end, seq 1, 2, 3.
    const events = (await ok(call("GET", `/v1/tasks/${echo[0]?.task.id}/events`, f.read))).events as {
      seq: number;
      type: string;
    }[];
    expect(events.map((e) => [e.seq, e.type])).toEqual([
      [1, "submitted"],
      [2, "leased"],
      [3, "succeeded"],
    ]);
  });

  it("refuses a report whose lease token is missing or forged on its own, and applies the rest", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const a = await submit(f, { agent: "echo" });
    const b = await submit(f, { agent: "echo" });
    const [la, lb] = await lease(f, runnerId, { max_tasks: 2 });
    const forged = `${String(lb.lease_token).slice(0, -4)}AAAA`;
    const r = await ok(
      report(f, runnerId, [
        { task_id: la.task.id, epoch: la.epoch, outcome: "complete", result: 1 },
        { task_id: lb.task.id, epoch: lb.epoch, outcome: "complete", result: 2, lease_token: forged },
      ]),
    );
    expect(r.items.map((i: { status: number }) => i.status)).toEqual([200, 401]);
    expect(await getTask(f, a.id)).toMatchObject({ state: "succeeded" });
    expect((await getTask(f, b.id)).state).toBe("leased");
  });

  it("refuses a stale epoch on its own and applies the rest", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {}, lease_ttl_ms: 5_000 });
    const old = await submit(f, { agent: "echo" });
    const [first] = await lease(f, runnerId);
    await advance(f.admin, 5_001); // the lease expires; the next poll re-leases it under a new epoch
    const other = await submit(f, { agent: "echo" });
    const again = await lease(f, runnerId, { max_tasks: 2 });
    const fresh = again.find((l) => l.task.id === old.id);
    const second = again.find((l) => l.task.id === other.id);
    expect(fresh.epoch).toBeGreaterThan(first.epoch);
    const r = await ok(
      report(f, runnerId, [
        { task_id: old.id, epoch: first.epoch, outcome: "complete", result: "zombie" },
        { task_id: other.id, epoch: second.epoch, outcome: "complete", result: "fine" },
        { task_id: other.id, epoch: second.epoch, outcome: "complete", result: "twice" },
        { task_id: "task_nosuch", epoch: 1, outcome: "fail", error: { code: "x", message: "y" } },
      ]),
    );
    expect(r.items.map((i: { status: number; error?: { code: string } }) => [i.status, i.error?.code])).toEqual([
      [409, "stale_epoch"],
      [200, undefined],
      [409, "conflict"],
      // Never leased, so no lease token can prove it: refused before the task is even looked up.
      [401, "unauthorized"],
    ]);
    expect(r.items[0].error.details).toMatchObject({ current_epoch: fresh.epoch });
    expect(await getTask(f, old.id)).toMatchObject({ state: "leased", attempts: 2 });
    expect(await getTask(f, other.id)).toMatchObject({ state: "succeeded", result: "fine" });
    // The live lease still reports fine.
    expect(
      (await ok(report(f, runnerId, [{ task_id: old.id, epoch: fresh.epoch, outcome: "complete", result: "ok" }])))
        .items[0].status,
    ).toBe(200);
  });

  it("refuses a task leased to another runner, and an unknown runner whole", async () => {
    const f = await fixture();
    const { leases } = await leased(f, 1);
    const l = leases[0] as (typeof leases)[0];
    const intruder = await registerRunner(f, { name: "r2", capacity: {} });
    const r = await ok(report(f, intruder, [{ task_id: l.task.id, epoch: l.epoch, outcome: "complete" }]));
    expect(r.items[0]).toMatchObject({ status: 409, error: { code: "conflict" } });
    expect((await getTask(f, l.task.id)).state).toBe("leased");
    expectError(
      await report(f, "runner_nosuch", [{ task_id: l.task.id, epoch: l.epoch, outcome: "complete" }]),
      404,
      "not_found",
    );
    expect((await getTask(f, l.task.id)).state).toBe("leased");
  });

  it("refuses a body with one malformed report whole, applying nothing", async () => {
    const f = await fixture();
    const { runnerId, leases } = await leased(f, 2);
    const [a, b] = leases as [(typeof leases)[0], (typeof leases)[0]];
    const good = { task_id: a.task.id, epoch: a.epoch, outcome: "complete", result: 1 };
    expectIssues(
      await report(f, runnerId, [good, { task_id: b.task.id, epoch: b.epoch, outcome: "explode" }]),
      "reports.1.outcome",
    );
    expectIssues(
      await report(f, runnerId, [good, { task_id: b.task.id, epoch: b.epoch, outcome: "fail" }]),
      "reports.1.error",
    );
    expectIssues(
      await report(f, runnerId, [good, { task_id: b.task.id, epoch: 0, outcome: "release" }]),
      "reports.1.epoch",
    );
    expectIssues(
      await report(f, runnerId, [good, { task_id: b.task.id, epoch: b.epoch, outcome: "release", result: 1 }]),
      "reports.1",
    );
    expectIssues(await report(f, runnerId, []), "reports");
    for (const l of [a, b]) expect((await getTask(f, l.task.id)).state).toBe("leased");
    expectError(await call("POST", `/v1/runners/${runnerId}/report`, f.submit, { reports: [good] }), 403, "forbidden");
  });

  it("frees capacity once for the batch, and the freed runner's parked poll gets the next tasks", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { resources: { cpu: 1000 } });
    const runnerId = await registerRunner(f, { name: "r1", capacity: { cpu: 2000 } });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await submit(f, { agent: "echo" })).id);
    const first = await lease(f, runnerId, { max_tasks: 4 });
    expect(first).toHaveLength(2); // capacity for two
    const poll = call("POST", `/v1/runners/${runnerId}/lease`, f.runner, { max_tasks: 4, wait_ms: 20_000 });
    await parked(f.admin);
    await ok(
      report(
        f,
        runnerId,
        first.map((l) => ({ task_id: l.task.id, epoch: l.epoch, outcome: "complete" })),
      ),
    );
    const { leases } = await ok(poll);
    expect(leases.map((l: { task: { id: string } }) => l.task.id).sort()).toEqual(ids.slice(2).sort());
  });
});
