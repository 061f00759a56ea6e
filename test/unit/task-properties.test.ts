// Properties of the machine over random event sequences from a submit, with
// random policies, stale and foreign calls, and jumps in time:
//   a. no row it reaches breaks an invariant (invariants.ts: a final or parked
//      task holds no lease, a queued task holds no lease, a gate only while
//      awaiting approval, 0 <= attempts <= max_attempts, ...);
//   b. epochs only grow; attempts never pass the policy's max times (1 + the
//      person's retries so far);
//   c. every outcome is one the table allows for that state and event, and every
//      refusal is the table's own or a guard's (epoch, holder, deadline, gate);
//   d. final states are absorbing: nothing the table allows leaves them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EVENT_KINDS, type EventKind, type LifecycleEvent } from "../../src/task/events.js";
import { invariantProblems } from "../../src/task/invariants.js";
import { apply, create, transition } from "../../src/task/machine.js";
import type { LifePolicy, TaskLife } from "../../src/task/row.js";
import { isFinal } from "../../src/task/states.js";
import { TABLE } from "../../src/task/table.js";
import { T0 } from "./task-helpers.js";

const GUARD_REASONS = [
  "stale_epoch",
  "not_holder",
  "not_due",
  "gate_mismatch",
  "gate_required",
  "already_decided",
  "epoch_not_increasing",
];

const arbPolicy: fc.Arbitrary<LifePolicy> = fc.record({
  retry: fc.record({
    max_attempts: fc.integer({ min: 1, max: 4 }),
    backoff: fc.record({
      initial_ms: fc.constantFrom(0, 1000),
      max_ms: fc.constant(60_000),
      multiplier: fc.constant(2),
      jitter: fc.constantFrom(0, 0.5),
    }),
    retry_on: fc.constantFrom(null, ["boom"], ["other"]),
    escalate_on: fc.constantFrom([], ["fatal"], ["task_timeout"]),
    on_exhausted: fc.constantFrom("escalate" as const, "fail" as const),
    different_runner: fc.boolean(),
  }),
  timeouts: fc.record(
    { attempt_ms: fc.integer({ min: 1000, max: 120_000 }), task_ms: fc.integer({ min: 10_000, max: 3_600_000 }) },
    { requiredKeys: [] },
  ),
  approvals: fc.record({
    timeout_ms: fc.constantFrom(null, 60_000),
    on_timeout: fc.constantFrom("cancel" as const, "escalate" as const, "approve" as const, "reject" as const),
  }),
  escalation: fc.record({
    timeout_ms: fc.constantFrom(null, 60_000),
    on_timeout: fc.constantFrom("cancel" as const, "fail" as const),
  }),
});

const arbMove = fc.record({
  pick: fc.nat(1000),
  wild: fc.nat(3),
  variant: fc.nat(59),
  dtMs: fc.oneof(
    { weight: 9, arbitrary: fc.integer({ min: 0, max: 40_000 }) },
    { weight: 1, arbitrary: fc.constant(4_000_000) },
  ),
});
type Move = { pick: number; wild: number; variant: number; dtMs: number };

/** Mostly an event the row's state accepts (so sequences go deep), one in four any event at all. */
function kindOf(m: Move, row: TaskLife): EventKind {
  const accepted = EVENT_KINDS.filter((e) => "to" in TABLE[row.state][e]);
  const from = m.wild === 0 || accepted.length === 0 ? EVENT_KINDS : accepted;
  return from[m.pick % from.length] ?? "submit";
}

/** Makes the move an event against the current row: mostly well-formed, sometimes stale, foreign or early. */
function eventOf(m: Move, row: TaskLife, epochCounter: { n: number }): LifecycleEvent {
  const v = m.variant;
  const kind = kindOf(m, row);
  const epoch = v % 7 === 0 ? (row.epoch ?? 0) - 1 : (row.epoch ?? -1);
  const runnerId = v % 5 === 0 ? "run_other" : (row.runner_id ?? "run_a");
  const rand = (v % 10) / 10;
  const gate = v % 3 === 0 ? "g" : "h";
  switch (kind) {
    case "submit":
    case "approval_deadline":
    case "escalation_deadline":
    case "retry_wake":
    case "preempt_request":
    case "preempt_withdraw":
      return { kind };
    case "lease": {
      if (v % 6 !== 0) epochCounter.n += 1;
      return {
        kind: "lease",
        runnerId: v % 2 === 0 ? "run_a" : "run_b",
        leaseId: `lease_${epochCounter.n}`,
        epoch: epochCounter.n,
        leaseTtlMs: 30_000,
      };
    }
    case "heartbeat":
      return { kind: "heartbeat", epoch, runnerId, leaseTtlMs: 30_000 };
    case "checkpoint":
      return { kind: "checkpoint", epoch };
    case "complete":
      return { kind: "complete", epoch, result: '"r"', outputProblem: v % 4 === 0 ? "missing field" : null, rand };
    case "fail":
      return {
        kind: "fail",
        epoch,
        runnerId,
        error: { code: ["boom", "fatal", "other"][v % 3] ?? "boom", message: "x" },
        retryable: v % 2 === 0,
        rand,
      };
    case "release":
      return { kind: "release", epoch };
    case "approval_asked":
      return { kind: "approval_asked", epoch, gate };
    case "approval_decided":
      return {
        kind: "approval_decided",
        decision: v % 2 === 0 ? "approve" : "reject",
        gate: v % 4 === 0 ? undefined : gate,
        actor: "key:k",
      };
    case "expire":
    case "attempt_timeout":
    case "task_timeout":
      return { kind, rand };
    case "person_retry":
      return {
        kind: "person_retry",
        actor: "key:k",
        stateEdited: v % 2 === 0,
        ...(v % 3 === 0 ? { input: '{"edited":true}' } : {}),
      };
    case "person_resolve":
      return { kind: "person_resolve", actor: "key:k", result: '"fixed"', ...(v % 2 === 0 ? { comment: "done" } : {}) };
    case "person_cancel":
      return { kind: "person_cancel", actor: "key:k" };
    case "cancel":
      return { kind: "cancel", actor: "key:k" };
  }
}

describe("the task machine over random event sequences", () => {
  it("keeps every invariant, and final states absorb", () => {
    fc.assert(
      fc.property(arbPolicy, fc.array(arbMove, { minLength: 1, maxLength: 80, size: "max" }), (policy, moves) => {
        const made = create({ id: "task_p", agent: "a", input: "{}", priority: 0, policy, actor: "key:k" }, T0);
        let row = made.row;
        let now = T0;
        const counter = { n: 0 };
        let personRetries = 0;
        let finalAt: TaskLife | null = null;
        expect(invariantProblems(row)).toEqual([]);
        for (const m of moves) {
          now += m.dtMs;
          const ev = eventOf(m, row, counter);
          const t = transition(row, ev, now);
          const c = TABLE[row.state][ev.kind];
          if (t.kind === "refused") {
            if ("refuse" in c && !GUARD_REASONS.includes(t.reason)) expect(t.reason).toBe(c.refuse);
            else if (!("refuse" in c)) expect(GUARD_REASONS).toContain(t.reason);
            continue;
          }
          expect(finalAt, `${ev.kind} left final state ${finalAt?.state ?? ""}`).toBeNull();
          expect("to" in c && c.to).toContain(t.to);
          const next = apply(row, t);
          expect(invariantProblems(next), `${row.state} --${ev.kind}--> ${next.state}`).toEqual([]);
          if (row.epoch !== null) expect(next.epoch).not.toBeNull();
          if (next.epoch !== row.epoch && row.epoch !== null)
            expect(next.epoch ?? -Infinity).toBeGreaterThan(row.epoch);
          if (ev.kind === "person_retry") personRetries++;
          expect(next.attempts).toBeLessThanOrEqual(policy.retry.max_attempts * (1 + personRetries));
          expect(next.max_attempts).toBeLessThanOrEqual(policy.retry.max_attempts * (1 + personRetries));
          row = next;
          if (isFinal(row.state)) finalAt = row;
        }
      }),
      { numRuns: 400 },
    );
  });
});
