// How an attempt ends: fail (retryable or not), release, cancel.
import { describe, expect, it } from "vitest";
import {
  call,
  expectError,
  fixture,
  getTask,
  heartbeat,
  lease,
  ok,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
} from "./helpers.js";

const ERR = { code: "tool_error", message: "the CRM answered 502" };

const fail = (f: Fixture, id: string, epoch: number, retryable?: boolean, error = ERR) =>
  ok(
    call(
      "POST",
      `/v1/tasks/${id}/fail`,
      f.runner,
      retryable === undefined ? { epoch, error } : { epoch, error, retryable },
    ),
  );

/** No backoff here: these tests are about where a retry goes, not when (see retry-policy.test.ts). */
const NOW = { initial_ms: 0, max_ms: 0 };

async function twoRunners(f: Fixture, spec: { retry?: Record<string, unknown> } & Record<string, unknown> = {}) {
  await putAgent(f, "echo", { ...spec, retry: { backoff: NOW, ...spec.retry } });
  const first = await registerRunner(f, { name: "first", capacity: {} });
  const second = await registerRunner(f, { name: "second", capacity: {} });
  return { first, second };
}

describe("fail", () => {
  it("retryable: requeues with the attempt counted and the failing runner avoided", async () => {
    const f = await fixture();
    const { first, second } = await twoRunners(f);
    const task = await submit(f, { agent: "echo" });
    const [l] = await lease(f, first);
    const { task: after } = await fail(f, task.id, l.epoch, true);
    expect(after).toMatchObject({ state: "queued", attempts: 1, error: ERR });
    expect(await lease(f, first)).toEqual([]);
    const [again] = await lease(f, second);
    expect(again.task).toMatchObject({ id: task.id, attempts: 2, runner_id: second });
  });

  it("retryable is the default", async () => {
    const f = await fixture();
    const { first } = await twoRunners(f);
    const task = await submit(f, { agent: "echo" });
    const [l] = await lease(f, first);
    expect((await fail(f, task.id, l.epoch)).task.state).toBe("queued");
  });

  it("once every live runner that fits has failed it, any of them may take it again", async () => {
    const f = await fixture();
    const { first, second } = await twoRunners(f);
    const task = await submit(f, { agent: "echo" });
    const [l1] = await lease(f, first);
    await fail(f, task.id, l1.epoch, true);
    const [l2] = await lease(f, second);
    // Another message: the same error twice in a row would end the retries (src/task/deterministic.ts).
    await fail(f, task.id, l2.epoch, true, { ...ERR, message: "the CRM answered 503" });
    // Both are avoided now; neither may wait for the other.
    const got = [...(await lease(f, first)), ...(await lease(f, second))];
    expect(got.map((l) => l.task.id)).toEqual([task.id]);
    expect(got[0].task.attempts).toBe(3);
  });

  it("not retryable: the task fails at once, attempts left or not", async () => {
    const f = await fixture();
    const { first } = await twoRunners(f, { retry: { max_attempts: 5 } });
    const task = await submit(f, { agent: "echo" });
    const [l] = await lease(f, first);
    const { task: after } = await fail(f, task.id, l.epoch, false);
    expect(after).toMatchObject({ state: "failed", attempts: 1, error: ERR });
    expect(await lease(f, first)).toEqual([]);
  });

  it("retryable on the last attempt escalates", async () => {
    const f = await fixture();
    const { first, second } = await twoRunners(f, { retry: { max_attempts: 2 } });
    const task = await submit(f, { agent: "echo" });
    const [l1] = await lease(f, first);
    await fail(f, task.id, l1.epoch, true);
    const [l2] = await lease(f, second);
    const { task: after } = await fail(f, task.id, l2.epoch, true);
    expect(after).toMatchObject({ state: "escalated", attempts: 2 });
  });
});

describe("release", () => {
  it("requeues without charging an attempt and without avoiding the runner", async () => {
    const f = await fixture();
    const { first } = await twoRunners(f, { retry: { max_attempts: 1 } });
    const task = await submit(f, { agent: "echo" });
    const [l] = await lease(f, first);
    const { task: after } = await ok(call("POST", `/v1/tasks/${task.id}/release`, f.runner, { epoch: l.epoch }));
    expect(after).toMatchObject({ state: "queued", attempts: 0 });
    // With max_attempts 1, a charged attempt would have escalated it; it runs again instead.
    const [again] = await lease(f, first);
    expect(again.task).toMatchObject({ id: task.id, attempts: 1 });
    expect(again.epoch).toBeGreaterThan(l.epoch);
  });
});

describe("cancel", () => {
  it("cancels a queued or a leased task, and refuses to cancel a finished one", async () => {
    const f = await fixture();
    const { first } = await twoRunners(f);
    const queued = await submit(f, { agent: "echo", priority: -1 });
    const running = await submit(f, { agent: "echo" });
    const [l] = await lease(f, first);
    expect(l.task.id).toBe(running.id);
    expect((await ok(call("POST", `/v1/tasks/${queued.id}/cancel`, f.submit))).task.state).toBe("cancelled");
    expect((await ok(call("POST", `/v1/tasks/${running.id}/cancel`, f.submit))).task.state).toBe("cancelled");
    expectError(await call("POST", `/v1/tasks/${running.id}/cancel`, f.submit), 409, "conflict");
    // The runner learns it in its next heartbeat, and its complete is refused.
    expect((await heartbeat(f, first, [{ task_id: running.id, epoch: l.epoch }])).cancel).toEqual([running.id]);
    expectError(await call("POST", `/v1/tasks/${running.id}/complete`, f.runner, { epoch: l.epoch }), 409, "conflict");
    expect(await lease(f, first)).toEqual([]);
    expect((await getTask(f, running.id)).state).toBe("cancelled");
    expectError(await call("POST", "/v1/tasks/task_nope/cancel", f.submit), 404, "not_found");
  });
});
