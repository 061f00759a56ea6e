// People in the loop through the Worker: escalations (retry with edits,
// resolve, cancel, deadlines) and approval gates (wait, answer, answer ahead,
// deadlines), with the event log and the metrics that follow them.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  expectError,
  fireAlarm,
  fixture,
  getTask,
  lease,
  metricSample,
  ok,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
} from "./helpers.js";

const NO_BACKOFF = { initial_ms: 0, max_ms: 0 };

async function escalated(f: Fixture, spec: Record<string, unknown> = {}): Promise<{ id: string; runner: string }> {
  await putAgent(f, "crm", { retry: { max_attempts: 1 }, ...spec });
  const runner = await registerRunner(f, { name: "r", capacity: { cpu: 1000 } });
  const task = await submit(f, { agent: "crm", input: { account: 1 } });
  const [l] = await lease(f, runner);
  await ok(
    call("POST", `/v1/tasks/${task.id}/fail`, f.runner, {
      epoch: l.epoch,
      error: { code: "crm_down", message: "502" },
    }),
  );
  return { id: task.id, runner };
}

const act = (f: Fixture, id: string, body: Record<string, unknown>, key = f.admin) =>
  call("POST", `/v1/escalations/${id}`, key, body);
const decide = (f: Fixture, id: string, body: Record<string, unknown>, key = f.admin) =>
  call("POST", `/v1/approvals/${id}`, key, body);
const askApproval = (f: Fixture, id: string, epoch: number, gate = "send-email") =>
  ok(
    call("POST", `/v1/tasks/${id}/approval`, f.runner, {
      epoch,
      gate,
      message: "Send 3 emails?",
      details: { to: ["a@x"] },
    }),
  );
const eventTypes = async (f: Fixture, id: string): Promise<string[]> =>
  (await ok(call("GET", `/v1/tasks/${id}/events`, f.read))).events.map((e: { type: string }) => e.type);

describe("escalations", () => {
  it("lists an exhausted task with its reason; a person's retry runs it again with edited input and state", async () => {
    const f = await fixture();
    const { id, runner } = await escalated(f);
    const list = (await ok(call("GET", "/v1/escalations", f.read))).escalations;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ task: { id, state: "escalated" }, reason: { code: "crm_down" } });

    // Only an admin acts; a read key may look.
    expectError(await act(f, id, { action: "retry" }, f.read), 403, "forbidden");
    const retried = (
      await ok(
        act(f, id, { action: "retry", input: { account: 2 }, state: { cursor: { step: 4 } }, comment: "CRM is back" }),
      )
    ).task;
    expect(retried).toMatchObject({ state: "queued", input: { account: 2 }, attempts: 1, max_attempts: 2 });
    expect(retried.escalation).toBeUndefined();
    const [l] = await lease(f, runner);
    expect(l.task.id).toBe(id);
    // The edited state is the checkpoint it resumes from.
    expect((await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.runner))).state).toMatchObject({
      cursor: { step: 4 },
    });
    expect(await eventTypes(f, id)).toEqual([
      "submitted",
      "leased",
      "attempt_failed",
      "escalated",
      "escalation_retried",
      "leased",
    ]);
    const ev = (await ok(call("GET", `/v1/tasks/${id}/events?after=4`, f.read))).events[0];
    expect(ev).toMatchObject({
      type: "escalation_retried",
      actor: expect.stringMatching(/^key:/),
      details: { comment: "CRM is back", input_edited: true, state_edited: true },
    });
  });

  it("resolve finishes it with the person's result; cancel ends it; neither applies twice", async () => {
    const f = await fixture();
    const { id } = await escalated(f);
    expect((await ok(act(f, id, { action: "resolve", result: { refunded: true } }))).task).toMatchObject({
      state: "succeeded",
      result: { refunded: true },
    });
    expectError(await act(f, id, { action: "cancel" }), 409, "conflict");
    const g = await fixture();
    const other = await escalated(g);
    expect((await ok(act(g, other.id, { action: "cancel" }))).task.state).toBe("cancelled");
    expect((await ok(call("GET", "/v1/escalations", g.read))).escalations).toEqual([]);
  });

  it("refuses bad actions with 400 and changes nothing", async () => {
    const f = await fixture();
    const { id } = await escalated(f);
    expectError(await act(f, id, { action: "resolve", input: { x: 1 } }), 400, "bad_request");
    expectError(await act(f, id, { action: "retry", result: 1 }), 400, "bad_request");
    expectError(await act(f, id, { action: "explode" }), 400, "bad_request");
    expectError(await act(f, "task_nope", { action: "cancel" }), 404, "not_found");
    expect((await getTask(f, id)).state).toBe("escalated");
  });

  it("an escalation nobody acts on ends per its deadline policy", async () => {
    const f = await fixture();
    const { id } = await escalated(f, { escalation: { timeout_ms: 60_000, on_timeout: "fail" } });
    expect((await getTask(f, id)).escalation.deadline_at).toBeTypeOf("string");
    await advance(f.admin, 60_000);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await getTask(f, id)).toMatchObject({ state: "failed", error: { code: "escalation_timeout" } });
  });
});

describe("approval gates", () => {
  async function atGate(f: Fixture, spec: Record<string, unknown> = {}) {
    await putAgent(f, "mailer", { resources: { cpu: 1000 }, retry: { max_attempts: 2, backoff: NO_BACKOFF }, ...spec });
    const a = await registerRunner(f, { name: "a", capacity: { cpu: 1000 } });
    const b = await registerRunner(f, { name: "b", capacity: { cpu: 1000 } });
    const task = await submit(f, { agent: "mailer" });
    const [l] = await lease(f, a);
    return { id: task.id as string, a, b, epoch: l.epoch as number };
  }

  it("the task waits without holding its runner or an attempt; approval resumes it anywhere with the decision", async () => {
    const f = await fixture();
    const { id, a, b, epoch } = await atGate(f);
    const asked = await askApproval(f, id, epoch);
    expect(asked).toMatchObject({
      state: "awaiting_approval",
      task: { state: "awaiting_approval", attempts: 0, gate: { gate: "send-email", message: "Send 3 emails?" } },
    });
    // The runner is free again: its capacity is back, and another task can use it.
    expect((await ok(call("GET", `/v1/runners/${a}`, f.read))).runner.allocated).toEqual({});
    // The old lease is over: its writes are refused.
    expect((await call("POST", `/v1/tasks/${id}/complete`, f.runner, { epoch, result: 1 })).status).toBe(409);
    expect(await lease(f, a)).toEqual([]);
    const waiting = (await ok(call("GET", "/v1/approvals", f.read))).approvals;
    expect(waiting).toMatchObject([
      { task: { id }, gate: "send-email", message: "Send 3 emails?", details: { to: ["a@x"] } },
    ]);

    const approved = (await ok(decide(f, id, { decision: "approve", comment: "fine" }))).task;
    expect(approved).toMatchObject({
      state: "queued",
      approvals: { "send-email": { decision: "approve", comment: "fine", by: expect.stringMatching(/^key:/) } },
    });
    const [l2] = await lease(f, b);
    expect(l2.task).toMatchObject({ id, attempts: 1, approvals: { "send-email": { decision: "approve" } } });
    // Reaching the same gate again (a restart at that step) passes at once, the lease kept.
    const again = await askApproval(f, id, l2.epoch);
    expect(again).toMatchObject({ state: "decided", decision: { decision: "approve" }, task: { state: "leased" } });
    expect(await eventTypes(f, id)).toEqual(["submitted", "leased", "approval_requested", "approved", "leased"]);
    expect((await ok(call("GET", "/v1/approvals", f.read))).approvals).toEqual([]);
  });

  it("a decision that arrives before the gate is reached is kept, not lost", async () => {
    const f = await fixture();
    await putAgent(f, "mailer");
    const r = await registerRunner(f, { name: "r", capacity: {} });
    const task = await submit(f, { agent: "mailer" });
    expectError(await decide(f, task.id, { decision: "approve" }), 409, "conflict"); // which gate?
    expect(
      (await ok(decide(f, task.id, { decision: "reject", gate: "wire-money", comment: "no" }))).task.approvals,
    ).toMatchObject({ "wire-money": { decision: "reject" } });
    expectError(await decide(f, task.id, { decision: "approve", gate: "wire-money" }), 409, "conflict");
    const [l] = await lease(f, r);
    expect(await askApproval(f, task.id, l.epoch, "wire-money")).toMatchObject({
      state: "decided",
      decision: { decision: "reject", comment: "no" },
    });
    expect((await getTask(f, task.id)).state).toBe("leased");
  });

  it("answering the wrong gate, or a task not waiting, is a 409; a stale epoch cannot ask", async () => {
    const f = await fixture();
    const { id, epoch } = await atGate(f);
    await askApproval(f, id, epoch);
    expectError(await decide(f, id, { decision: "approve", gate: "other" }), 409, "conflict");
    expectError(
      await call("POST", `/v1/tasks/${id}/approval`, f.runner, { epoch, gate: "send-email" }),
      409,
      "conflict",
    );
    expectError(await decide(f, id, { decision: "maybe" }), 400, "bad_request");
    expect((await getTask(f, id)).state).toBe("awaiting_approval");
  });

  it("a gate nobody answers follows its deadline policy: auto-approve, or escalate", async () => {
    const f = await fixture();
    const { id, epoch } = await atGate(f, { approvals: { timeout_ms: 30_000, on_timeout: "approve" } });
    await askApproval(f, id, epoch);
    await advance(f.admin, 30_000);
    expect(await fireAlarm(f.admin)).toBe(true);
    expect(await getTask(f, id)).toMatchObject({
      state: "queued",
      approvals: { "send-email": { decision: "approve", by: "system:timeout" } },
    });

    const g = await fixture();
    const t = await atGate(g, { approvals: { timeout_ms: 30_000, on_timeout: "escalate" } });
    await askApproval(g, t.id, t.epoch);
    await advance(g.admin, 30_000);
    expect(await getTask(g, t.id)).toMatchObject({
      state: "escalated",
      escalation: { reason: { code: "approval_timeout" } },
    });
  });
});

describe("events", () => {
  it("a long-poll on a task's events wakes at its next transition", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const r = await registerRunner(f, { name: "r", capacity: {} });
    const task = await submit(f, { agent: "echo" });
    const first = await ok(call("GET", `/v1/tasks/${task.id}/events`, f.read));
    expect(first).toMatchObject({
      events: [{ seq: 1, type: "submitted", state: "queued", actor: expect.stringMatching(/^key:/) }],
      next: 1,
    });
    const waiting = call("GET", `/v1/tasks/${task.id}/events?after=1&wait_ms=20000`, f.read);
    const [l] = await lease(f, r);
    const woke = await ok(waiting);
    expect(woke.events).toMatchObject([
      { seq: 2, type: "leased", actor: `runner:${r}`, details: { runner: r, epoch: l.epoch, attempt: 1 } },
    ]);
    expect(woke.next).toBe(2);
    expectError(await call("GET", `/v1/tasks/${task.id}/events?wait_ms=99999`, f.read), 400, "bad_request");
    expectError(await call("GET", "/v1/tasks/task_nope/events", f.read), 404, "not_found");
  });
});

describe("metrics", () => {
  it("serves Prometheus text whose counters and gauges follow the tasks", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { retry: { max_attempts: 2, backoff: NO_BACKOFF } });
    const r = await registerRunner(f, { name: "r", capacity: {} });
    const a = await submit(f, { agent: "echo" });
    await submit(f, { agent: "echo", priority: 5 });
    await submit(f, { agent: "echo", priority: 5 });
    let [l] = await lease(f, r);
    // priority 5 goes first
    await ok(
      call("POST", `/v1/tasks/${l.task.id}/fail`, f.runner, { epoch: l.epoch, error: { code: "boom", message: "x" } }),
    );
    [l] = await lease(f, r);
    await ok(call("POST", `/v1/tasks/${l.task.id}/complete`, f.runner, { epoch: l.epoch, result: 1 }));
    const res = await call("GET", "/metrics", f.read);
    expect(res.status).toBe(200);
    const text = res.body as string;
    const value = (line: string): number => metricSample(text, line);
    expect(value('officeos_tasks_submitted_total{agent="echo"}')).toBe(3);
    expect(value('officeos_tasks_finished_total{agent="echo",state="succeeded"}')).toBe(1);
    expect(value('officeos_attempts_failed_total{agent="echo",code="boom"}')).toBe(1);
    expect(value('officeos_retries_total{agent="echo"}')).toBe(1);
    expect(value('officeos_queue_depth{agent="echo",priority="5"}')).toBe(1);
    expect(value('officeos_queue_depth{agent="echo",priority="0"}')).toBe(1);
    expect(value('officeos_runners{state="ready"}')).toBe(1);
    expect(value('officeos_schedule_to_start_seconds_count{agent="echo"}')).toBe(2);
    expect(value('officeos_schedule_to_start_seconds_bucket{agent="echo",le="+Inf"}')).toBe(2);
    expect(text).toContain("# TYPE officeos_schedule_to_start_seconds histogram");
    expect(a.id).toBeTypeOf("string");
    expectError(await call("GET", "/metrics", null), 401, "unauthorized");
  });
});

describe("runner health", () => {
  it("a runner whose self-check fails is not_ready and gets no work until it passes", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const r = await registerRunner(f, { name: "r", capacity: {} });
    const health = {
      ready: false,
      checks: [{ name: "cgroups", ok: false, message: "memory controller not writable" }],
    };
    await ok(call("POST", `/v1/runners/${r}/heartbeat`, f.runner, { leases: [], health }));
    expect((await ok(call("GET", `/v1/runners/${r}`, f.read))).runner).toMatchObject({ state: "not_ready", health });
    await submit(f, { agent: "echo" });
    expect(await lease(f, r)).toEqual([]);
    await ok(call("POST", `/v1/runners/${r}/heartbeat`, f.runner, { leases: [], health: { ready: true } }));
    expect((await ok(call("GET", `/v1/runners/${r}`, f.read))).runner.state).toBe("ready");
    expect(await lease(f, r)).toHaveLength(1);
  });

  it("a runner silent past its lease TTL is dead, and its leases requeue within that time", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const r = await registerRunner(f, { name: "r", capacity: {}, lease_ttl_ms: 10_000 });
    const task = await submit(f, { agent: "echo" });
    await lease(f, r);
    await advance(f.admin, 10_001);
    expect((await ok(call("GET", `/v1/runners/${r}`, f.read))).runner.state).toBe("dead");
    expect(await getTask(f, task.id)).toMatchObject({ state: "queued", error: { code: "lease_expired" } });
  });
});
