// The machine's paths one by one: the columns and log lines each writes (as
// the TenantDO's settle(), requeue(), escalate(), endParked() and grant() wrote
// them), the guards' typed refusals, and the two decided changes.
import { describe, expect, it } from "vitest";
import { apply, create, transition, type Transition } from "../../src/task/machine.js";
import type { LifecycleEvent } from "../../src/task/events.js";
import type { TaskLife } from "../../src/task/row.js";
import { leaseOf, policy, SAMPLES, step, submitted, T0 } from "./task-helpers.js";

function ok(row: TaskLife, ev: LifecycleEvent, now = T0): Transition {
  const t = transition(row, ev, now);
  if (t.kind !== "ok") throw new Error(`refused: ${t.reason}`);
  return t;
}

describe("submit and lease", () => {
  it("a submit queues the task with its deadline and wakes parked polls", () => {
    const made = create({ id: "t", agent: "a", input: "{}", priority: 5, policy: policy(), actor: "key:k" }, T0);
    expect(made.row).toMatchObject({
      state: "queued",
      attempts: 0,
      max_attempts: 3,
      queued_at: T0,
      deadline_at: T0 + 3_600_000,
      epoch: null,
      runner_id: null,
    });
    expect(made.events).toEqual([{ type: "submitted", actor: "key:k", state: "queued", details: { priority: 5 } }]);
    expect(made.effects).toContainEqual({ kind: "wake_polls" });
    expect(made.effects).toContainEqual({ kind: "deadline", at: T0 + 3_600_000 });
  });

  it("a lease charges an attempt, sets the lease and its deadlines, and allocates the runner", () => {
    const r = submitted();
    const t = ok(r, { kind: "lease", runnerId: "run_x", leaseId: "lease_1", epoch: 7, leaseTtlMs: 30_000 }, T0 + 500);
    expect(t.fields).toMatchObject({
      state: "leased",
      attempts: 1,
      runner_id: "run_x",
      lease_id: "lease_1",
      epoch: 7,
      lease_expires_at: T0 + 30_500,
      attempt_deadline_at: T0 + 60_500,
      started_at: T0 + 500,
      updated_at: T0 + 500,
    });
    expect(t.events).toEqual([
      { type: "leased", actor: "runner:run_x", state: "leased", details: { runner: "run_x", epoch: 7, attempt: 1 } },
    ]);
    expect(t.effects).toEqual([
      { kind: "allocate", runnerId: "run_x" },
      { kind: "deadline", at: T0 + 30_500 },
      { kind: "deadline", at: T0 + 60_500 },
      { kind: "observe_schedule_to_start", seconds: 0.5 },
    ]);
  });

  it("refuses a lease whose epoch does not beat the task's last one", () => {
    const r = step(submitted(), { kind: "lease", runnerId: "run_x", leaseId: "l", epoch: 7, leaseTtlMs: 1 });
    const back = step(r, { kind: "release", epoch: 7 });
    expect(
      transition(back, { kind: "lease", runnerId: "run_y", leaseId: "l2", epoch: 7, leaseTtlMs: 1 }, T0),
    ).toMatchObject({ kind: "refused", reason: "epoch_not_increasing" });
  });
});

describe("the fence", () => {
  const r = SAMPLES.running();
  const epoch = r.epoch ?? -1;
  it("an old epoch is stale in every state, before the state is looked at", () => {
    for (const s of ["queued", "running", "succeeded", "awaiting_approval"] as const) {
      const row = SAMPLES[s]();
      expect(
        transition(
          row,
          { kind: "complete", epoch: (row.epoch ?? 0) - 1, result: "1", outputProblem: null, rand: 0 },
          T0,
        ),
      ).toMatchObject({ kind: "refused", reason: "stale_epoch", state: s });
    }
  });
  it("the current epoch from another runner is not the holder's", () => {
    expect(
      transition(
        r,
        { kind: "fail", epoch, runnerId: "run_other", error: { code: "x", message: "" }, retryable: true, rand: 0 },
        T0,
      ),
    ).toMatchObject({ kind: "refused", reason: "not_holder" });
    expect(transition(r, { kind: "heartbeat", epoch, runnerId: "run_other", leaseTtlMs: 1 }, T0)).toMatchObject({
      kind: "refused",
      reason: "not_holder",
    });
  });
  it("a task back in the queue answers its old lease's calls with stale_epoch; an ended one with final", () => {
    const q = step(r, { kind: "release", epoch });
    expect(transition(q, { kind: "heartbeat", epoch, runnerId: "run_a", leaseTtlMs: 1 }, T0)).toMatchObject({
      reason: "stale_epoch",
    });
    const done = step(r, { kind: "complete", epoch, result: "1", outputProblem: null, rand: 0 });
    expect(transition(done, { kind: "checkpoint", epoch }, T0)).toMatchObject({ reason: "final", state: "succeeded" });
  });
});

describe("decided change (b): leased → running moves updated_at on a heartbeat as on a checkpoint", () => {
  it("both write the same fields and the same log line", () => {
    const r = SAMPLES.leased();
    const later = T0 + 5000;
    const hb = ok(r, { kind: "heartbeat", epoch: r.epoch ?? -1, runnerId: "run_a", leaseTtlMs: 30_000 }, later);
    const cp = ok(r, { kind: "checkpoint", epoch: r.epoch ?? -1 }, later);
    expect(hb.fields).toMatchObject({ state: "running", updated_at: later });
    expect(cp.fields).toMatchObject({ state: "running", updated_at: later });
    expect(hb.events).toEqual(cp.events);
    // Later heartbeats only extend the lease: a running task's updated_at stays.
    const again = ok(
      apply(r, hb),
      { kind: "heartbeat", epoch: r.epoch ?? -1, runnerId: "run_a", leaseTtlMs: 30_000 },
      later + 1000,
    );
    expect(again.fields).toEqual({ lease_expires_at: later + 31_000 });
    expect(again.events).toEqual([]);
  });
});

describe("decided change (a): cancelling an escalated task keeps its escalation, by either route", () => {
  it("the API's cancel and the person's cancel write the same escalation", () => {
    const e = SAMPLES.escalated();
    expect(e.escalation).not.toBeNull();
    const byApi = apply(e, ok(e, { kind: "cancel", actor: "key:k" }));
    const byPerson = apply(e, ok(e, { kind: "person_cancel", actor: "key:k" }));
    expect(byApi.state).toBe("cancelled");
    expect(byApi.escalation).toBe(e.escalation);
    expect(byPerson.escalation).toBe(e.escalation);
    expect(byApi.wake_at).toBeNull();
    expect(byPerson.wake_at).toBeNull();
  });
  it("a person's retry clears it: the task is no longer escalated", () => {
    const e = SAMPLES.escalated();
    const t = ok(e, { kind: "person_retry", actor: "key:k", input: '{"q":9}', stateEdited: true, comment: "again" });
    expect(t.fields).toMatchObject({
      state: "queued",
      escalation: null,
      error: null,
      input: '{"q":9}',
      avoid_runners: "[]",
      max_attempts: e.attempts + 1,
      wake_at: null,
    });
    expect(t.events).toEqual([
      {
        type: "escalation_retried",
        actor: "key:k",
        state: "queued",
        details: { comment: "again", input_edited: true, state_edited: true },
      },
    ]);
  });
});

describe("ends of an attempt", () => {
  it("a retryable failure with backoff waits, logs the failure then the schedule, and frees the runner", () => {
    const r = SAMPLES.running();
    const t = ok(
      r,
      { kind: "fail", epoch: r.epoch ?? -1, error: { code: "boom", message: "m" }, retryable: true, rand: 0 },
      T0 + 10,
    );
    expect(t.fields).toMatchObject({
      state: "retry_wait",
      wake_at: T0 + 1010,
      attempts: 1,
      avoid_runners: '["run_a"]',
      lease_id: null,
      lease_expires_at: null,
      attempt_deadline_at: null,
    });
    expect(t.events.map((e) => e.type)).toEqual(["attempt_failed", "retry_scheduled"]);
    expect(t.effects).toContainEqual({ kind: "free", runnerId: "run_a" });
    expect(t.effects).toContainEqual({ kind: "count", metric: "officeos_retries_total", labels: { agent: "a" } });
  });
  it("an expired lease requeues at once; an invalid output is a retryable failure", () => {
    const r = SAMPLES.running();
    expect(transition(r, { kind: "expire", rand: 0 }, T0)).toMatchObject({ kind: "refused", reason: "not_due" });
    const ex = ok(r, { kind: "expire", rand: 0 }, (r.lease_expires_at ?? 0) + 1);
    expect(ex.to).toBe("queued");
    expect(ex.events.map((e) => e.type)).toEqual(["lease_expired", "requeued"]);
    const bad = ok(r, { kind: "complete", epoch: r.epoch ?? -1, result: "1", outputProblem: "no field x", rand: 0 });
    expect(bad.to).toBe("retry_wait");
    expect(bad.events[0]).toMatchObject({ type: "invalid_output", details: { code: "invalid_output" } });
    expect(bad.fields.result).toBeUndefined();
  });
  it("a release gives the attempt back", () => {
    const r = SAMPLES.running();
    const t = ok(r, { kind: "release", epoch: r.epoch ?? -1 });
    expect(t.fields).toMatchObject({ state: "queued", attempts: 0 });
    expect(t.events).toEqual([
      { type: "released", actor: "runner:run_a", state: "queued", details: { runner: "run_a" } },
    ]);
  });
  it("the task deadline fails a queued task with its own event and no attempt failure", () => {
    const q = SAMPLES.queued();
    const t = ok(q, { kind: "task_timeout", rand: 0 }, (q.deadline_at ?? 0) + 1);
    expect(t.to).toBe("failed");
    expect(t.events).toEqual([
      { type: "task_timeout", actor: "system", state: "failed", details: { code: "task_timeout" } },
    ]);
    expect(t.effects).toContainEqual({ kind: "dequeue" });
  });
});

describe("approval gates", () => {
  it("asking ends the attempt uncharged; deciding requeues with the decision kept", () => {
    const r = SAMPLES.running();
    const ask = ok(r, { kind: "approval_asked", epoch: r.epoch ?? -1, gate: "pay", message: "pay 5?" }, T0 + 1);
    expect(ask.fields).toMatchObject({
      state: "awaiting_approval",
      attempts: 0,
      wake_at: T0 + 600_001,
      lease_id: null,
    });
    const waiting = apply(r, ask);
    expect(
      transition(waiting, { kind: "approval_decided", decision: "approve", gate: "other", actor: "key:k" }, T0),
    ).toMatchObject({ reason: "gate_mismatch", detail: { gate: "pay" } });
    const d = ok(waiting, { kind: "approval_decided", decision: "reject", actor: "key:k", comment: "no" }, T0 + 2);
    expect(d.fields).toMatchObject({ state: "queued", gate: null, wake_at: null });
    expect(JSON.parse(d.fields.approvals ?? "{}")).toEqual({
      pay: { decision: "reject", comment: "no", by: "key:k", at: new Date(T0 + 2).toISOString() },
    });
    expect(d.events).toEqual([
      { type: "rejected", actor: "key:k", state: "queued", details: { gate: "pay", comment: "no" } },
    ]);
  });
  it("a gate decided ahead passes at once when reached; deciding it twice is refused", () => {
    const r = SAMPLES.leased();
    expect(transition(r, { kind: "approval_decided", decision: "approve", actor: "key:k" }, T0)).toMatchObject({
      reason: "gate_required",
    });
    const ahead = apply(r, ok(r, { kind: "approval_decided", decision: "approve", gate: "pay", actor: "key:k" }));
    expect(ahead.state).toBe("leased");
    expect(
      transition(ahead, { kind: "approval_decided", decision: "reject", gate: "pay", actor: "key:j" }, T0),
    ).toMatchObject({ reason: "already_decided" });
    const ask = ok(ahead, { kind: "approval_asked", epoch: ahead.epoch ?? -1, gate: "pay" });
    expect(ask.to).toBe("leased");
    expect(ask.fields).toEqual({});
    expect(ask.effects).toEqual([
      { kind: "gate_decided", decision: expect.objectContaining({ decision: "approve", by: "key:k" }) },
    ]);
  });
  it("the approval deadline escalates by default, with the reason as the error", () => {
    const w = SAMPLES.awaiting_approval();
    const t = ok(w, { kind: "approval_deadline" }, (w.wake_at ?? 0) + 1);
    expect(t.to).toBe("escalated");
    expect(JSON.parse(t.fields.error ?? "{}")).toMatchObject({ code: "approval_timeout" });
    expect(t.fields.gate).toBeNull();
  });
});

describe("escalations", () => {
  it("resolve succeeds with the person's result, and a comment is its own line", () => {
    const e = SAMPLES.escalated();
    const t = ok(e, { kind: "person_resolve", actor: "key:k", result: '"ok"', comment: "fixed by hand" });
    expect(t.fields).toMatchObject({ state: "succeeded", result: '"ok"' });
    expect(t.events).toEqual([
      { type: "resolved", actor: "key:k", state: "succeeded" },
      { type: "resolved", actor: "key:k", state: null, details: { comment: "fixed by hand" } },
    ]);
  });
  it("the escalation deadline fails it when the policy says fail", () => {
    const e = SAMPLES.escalated();
    expect(transition(e, { kind: "escalation_deadline" }, T0)).toMatchObject({ reason: "not_due" });
    const t = ok(e, { kind: "escalation_deadline" }, (e.wake_at ?? 0) + 1);
    expect(t.fields).toMatchObject({ state: "failed", wake_at: null });
    expect(t.events).toEqual([{ type: "failed", actor: "system:timeout", state: "failed" }]);
  });
  it("a lease can follow a person's retry only with a higher epoch", () => {
    const e = SAMPLES.escalated();
    const q = step(e, { kind: "person_retry", actor: "key:k" });
    expect(step(q, leaseOf(q)).attempts).toBe(e.attempts + 1);
  });
});
