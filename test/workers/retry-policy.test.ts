// Retry policy through the Worker: backoff waits, codes that retry or escalate,
// timeouts per attempt and per task, output schemas. The tenant's clock is
// moved forward instead of sleeping.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  fireAlarm,
  fixture,
  getTask,
  lease,
  ok,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
} from "./helpers.js";

const fail = (f: Fixture, id: string, epoch: number, code = "tool_error", retryable = true) =>
  ok(
    call("POST", `/v1/tasks/${id}/fail`, f.runner, {
      epoch,
      // A message of its own per attempt: the same error twice in a row would end the retries (deterministic.ts).
      error: { code, message: `the CRM answered 502 (epoch ${epoch})` },
      retryable,
    }),
  );
const complete = (f: Fixture, id: string, epoch: number, result: unknown) =>
  ok(call("POST", `/v1/tasks/${id}/complete`, f.runner, { epoch, result }));
const FIXED = { initial_ms: 1000, max_ms: 8000, multiplier: 2, jitter: 0 };

describe("retry policy", () => {
  it("waits out an exponential backoff between attempts, on another runner, then escalates", async () => {
    const f = await fixture();
    await putAgent(f, "crm", { retry: { max_attempts: 3, backoff: FIXED } });
    const a = await registerRunner(f, { name: "a", capacity: {} });
    const b = await registerRunner(f, { name: "b", capacity: {} });
    const task = await submit(f, { agent: "crm" });

    const [l1] = await lease(f, a);
    const t1 = (await fail(f, task.id, l1.epoch)).task;
    expect(t1).toMatchObject({ state: "retry_wait", attempts: 1 });
    expect(Date.parse(t1.not_before) - Date.parse(t1.updated_at)).toBe(1000);
    // Not before the backoff is over, on either runner (the real clock moves too: half is a safe margin).
    await advance(f.admin, 500);
    expect([...(await lease(f, a)), ...(await lease(f, b))]).toEqual([]);
    await advance(f.admin, 500);
    expect(await lease(f, a)).toEqual([]); // a failed it: b is preferred
    const [l2] = await lease(f, b);
    expect(l2.task).toMatchObject({ id: task.id, attempts: 2, runner_id: b });

    const t2 = (await fail(f, task.id, l2.epoch)).task;
    expect(Date.parse(t2.not_before) - Date.parse(t2.updated_at)).toBe(2000); // doubled
    await advance(f.admin, 2000);
    expect(await fireAlarm(f.admin)).toBe(true); // the alarm requeues it, no request needed
    expect((await getTask(f, task.id)).state).toBe("queued");
    const [l3] = await lease(f, a);
    const t3 = (await fail(f, task.id, l3.epoch)).task;
    expect(t3).toMatchObject({
      state: "escalated",
      attempts: 3,
      error: { code: "tool_error" },
      escalation: { reason: { code: "tool_error" } },
    });
  });

  it("the same error twice in a row is not retried a third time, and the error names the rule", async () => {
    const f = await fixture();
    await putAgent(f, "crm", { retry: { max_attempts: 3, backoff: { ...FIXED, initial_ms: 0, max_ms: 0 } } });
    const a = await registerRunner(f, { name: "a", capacity: {} });
    const task = await submit(f, { agent: "crm" });
    const same = { code: "agent_exited", message: "agent exited with code 1 before reporting" };
    const [l1] = await lease(f, a);
    const t1 = (await ok(call("POST", `/v1/tasks/${task.id}/fail`, f.runner, { epoch: l1.epoch, error: same }))).task;
    expect(t1.state).toBe("queued");
    const [l2] = await lease(f, a);
    const t2 = (await ok(call("POST", `/v1/tasks/${task.id}/fail`, f.runner, { epoch: l2.epoch, error: same }))).task;
    expect(t2).toMatchObject({
      state: "escalated",
      attempts: 2,
      error: { ...same, details: { deterministic: "same_error_twice" } },
      escalation: { reason: { details: { deterministic: "same_error_twice" } } },
    });
  });

  it("a missing module ends the retries after one attempt", async () => {
    const f = await fixture();
    await putAgent(f, "crm", { retry: { max_attempts: 3, backoff: FIXED } });
    const a = await registerRunner(f, { name: "a", capacity: {} });
    const task = await submit(f, { agent: "crm" });
    const [l1] = await lease(f, a);
    const error = {
      code: "agent_exited",
      message: "agent exited with code 1 before reporting",
      details: { stderr_tail: "Error: Cannot find module 'left-pad'\nRequire stack:" },
    };
    const t1 = (await ok(call("POST", `/v1/tasks/${task.id}/fail`, f.runner, { epoch: l1.epoch, error }))).task;
    expect(t1).toMatchObject({
      state: "escalated",
      attempts: 1,
      error: { details: { deterministic: "module_not_found" } },
    });
  });

  it("retry_on retries only the named codes; escalate_on goes to a person at once; on_exhausted fail", async () => {
    const f = await fixture();
    await putAgent(f, "crm", {
      retry: {
        max_attempts: 5,
        backoff: { initial_ms: 0, max_ms: 0 },
        retry_on: ["rate_limited"],
        escalate_on: ["needs_human"],
      },
    });
    await putAgent(f, "batch", { retry: { max_attempts: 1, on_exhausted: "fail" } });
    const r = await registerRunner(f, { name: "r", capacity: {} });

    const t1 = await submit(f, { agent: "crm" });
    let [l] = await lease(f, r);
    expect((await fail(f, t1.id, l.epoch, "rate_limited")).task.state).toBe("queued");
    [l] = await lease(f, r);
    expect((await fail(f, t1.id, l.epoch, "tool_error")).task.state).toBe("failed");

    const t2 = await submit(f, { agent: "crm" });
    [l] = await lease(f, r);
    expect((await fail(f, t2.id, l.epoch, "needs_human", false)).task).toMatchObject({
      state: "escalated",
      attempts: 1,
    });

    const t3 = await submit(f, { agent: "batch" });
    [l] = await lease(f, r);
    expect((await fail(f, t3.id, l.epoch)).task.state).toBe("failed");
  });

  it("a task may override its agent's policy", async () => {
    const f = await fixture();
    await putAgent(f, "crm", { retry: { max_attempts: 5, backoff: FIXED } });
    const r = await registerRunner(f, { name: "r", capacity: {} });
    const task = await submit(f, { agent: "crm", retry: { max_attempts: 1 } });
    expect(task.max_attempts).toBe(1);
    const [l] = await lease(f, r);
    expect((await fail(f, task.id, l.epoch)).task.state).toBe("escalated");
  });

  it("an attempt over its time limit fails as attempt_timeout and retries; a task over its limit fails for good", async () => {
    const f = await fixture();
    await putAgent(f, "slow", {
      retry: { max_attempts: 5, backoff: { initial_ms: 0, max_ms: 0 } },
      timeouts: { attempt_ms: 10_000, task_ms: 15_000 },
    });
    const r = await registerRunner(f, { name: "r", capacity: {}, lease_ttl_ms: 600_000 });
    const task = await submit(f, { agent: "slow" });
    const [l1] = await lease(f, r);
    await advance(f.admin, 10_000);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await getTask(f, task.id)).toMatchObject({ state: "queued", error: { code: "attempt_timeout" } });
    // Its late report is refused: the attempt is over.
    expect((await call("POST", `/v1/tasks/${task.id}/complete`, f.runner, { epoch: l1.epoch, result: 1 })).status).toBe(
      409,
    );

    await lease(f, r);
    await advance(f.admin, 5_000); // 15 s since submission, 5 s into the second attempt
    const done = await getTask(f, task.id);
    expect(done).toMatchObject({ state: "failed", error: { code: "task_timeout" } });
    const events = (await ok(call("GET", `/v1/tasks/${task.id}/events`, f.admin))).events.map(
      (e: { type: string }) => e.type,
    );
    expect(events, JSON.stringify(events)).toEqual([
      "submitted",
      "leased",
      "attempt_timeout",
      "requeued",
      "leased",
      "task_timeout",
    ]);
  });

  it("a result that breaks the agent's output schema is a failed attempt (invalid_output), never a success", async () => {
    const f = await fixture();
    const schema = { type: "object", required: ["total"], properties: { total: { type: "number", minimum: 0 } } };
    await putAgent(f, "invoice", {
      output_schema: schema,
      retry: { max_attempts: 2, backoff: { initial_ms: 0, max_ms: 0 } },
    });
    const r = await registerRunner(f, { name: "r", capacity: {} });
    const task = await submit(f, { agent: "invoice" });
    let [l] = await lease(f, r);
    const bad = (await complete(f, task.id, l.epoch, { total: -3 })).task;
    expect(bad).toMatchObject({ state: "queued", error: { code: "invalid_output" } });
    expect(bad.error.message).toContain("/total");
    expect(bad.result).toBeUndefined();
    [l] = await lease(f, r);
    expect((await complete(f, task.id, l.epoch, { total: 12.5 })).task).toMatchObject({
      state: "succeeded",
      result: { total: 12.5 },
    });
  });
});
