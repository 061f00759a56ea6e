// Rows in every state, reached through the machine itself from a submit, and
// a well-formed event of every kind for a given row (the current epoch, the
// holding runner, a gate not decided yet), for the task-* tests.
import { expect } from "vitest";
import type { EventKind, LifecycleEvent } from "../../src/task/events.js";
import { apply, create, transition } from "../../src/task/machine.js";
import type { LifePolicy, TaskLife } from "../../src/task/row.js";
import type { TaskState } from "../../src/task/states.js";

export const T0 = 1_700_000_000_000;
/** Later than every deadline the sample policy sets. */
export const LATE = T0 + 365 * 24 * 3600_000;

export function policy(
  over: Partial<LifePolicy["retry"]> = {},
  rest: Partial<Omit<LifePolicy, "retry">> = {},
): LifePolicy {
  return {
    retry: {
      max_attempts: 3,
      backoff: { initial_ms: 1000, max_ms: 60_000, multiplier: 2, jitter: 0.2 },
      retry_on: null,
      escalate_on: [],
      on_exhausted: "escalate",
      different_runner: true,
      ...over,
    },
    timeouts: { attempt_ms: 60_000, task_ms: 3_600_000 },
    approvals: { timeout_ms: 600_000, on_timeout: "escalate" },
    escalation: { timeout_ms: 86_400_000, on_timeout: "fail" },
    ...rest,
  };
}

export function submitted(p: LifePolicy = policy(), now = T0): TaskLife {
  return create({ id: "task_1", agent: "a", input: '{"q":1}', priority: 0, policy: p, actor: "key:k" }, now).row;
}

/** Applies the event, failing the test if the machine refuses it. */
export function step(row: TaskLife, ev: LifecycleEvent, now = T0): TaskLife {
  const t = transition(row, ev, now);
  if (t.kind !== "ok") throw new Error(`refused ${ev.kind} from ${row.state}: ${t.reason}`);
  return apply(row, t);
}

let nextEpoch = 100;
export function leaseOf(row: TaskLife, runnerId = "run_a"): LifecycleEvent {
  nextEpoch = Math.max(nextEpoch, row.epoch ?? 0) + 1;
  return { kind: "lease", runnerId, leaseId: `lease_${nextEpoch}`, epoch: nextEpoch, leaseTtlMs: 30_000 };
}

const leased = (p?: LifePolicy): TaskLife => {
  const r = submitted(p);
  return step(r, leaseOf(r));
};
const running = (p?: LifePolicy): TaskLife => {
  const r = leased(p);
  return step(r, { kind: "heartbeat", epoch: r.epoch ?? -1, runnerId: "run_a", leaseTtlMs: 30_000 });
};
const failOnce = (r: TaskLife, retryable: boolean): TaskLife =>
  step(r, { kind: "fail", epoch: r.epoch ?? -1, error: { code: "boom", message: "it broke" }, retryable, rand: 0 });

/** A row in each state, every one reached from a submit (a queued row after a lease, so it has an epoch). */
export const SAMPLES: { readonly [S in TaskState]: () => TaskLife } = {
  queued: () => {
    const r = leased();
    return step(r, { kind: "release", epoch: r.epoch ?? -1 });
  },
  retry_wait: () => failOnce(running(), true),
  leased: () => leased(),
  running: () => running(),
  awaiting_approval: () => {
    const r = running();
    return step(r, { kind: "approval_asked", epoch: r.epoch ?? -1, gate: "g", message: "ok?" });
  },
  escalated: () => failOnce(running(policy({ max_attempts: 1 })), true),
  succeeded: () => {
    const r = running();
    return step(r, { kind: "complete", epoch: r.epoch ?? -1, result: '"done"', outputProblem: null, rand: 0 });
  },
  failed: () => failOnce(running(), false),
  cancelled: () => step(running(), { kind: "cancel", actor: "key:k" }),
};

/** A well-formed event of each kind for `row`: the guards (epoch, holder, gate) pass, so only the state decides. */
export function eventFor(kind: EventKind, row: TaskLife): LifecycleEvent {
  const epoch = row.epoch ?? -1;
  const runnerId = row.runner_id ?? "run_a";
  switch (kind) {
    case "submit":
      return { kind };
    case "lease":
      return leaseOf(row);
    case "heartbeat":
      return { kind, epoch, runnerId, leaseTtlMs: 30_000 };
    case "checkpoint":
      return { kind, epoch };
    case "complete":
      return { kind, epoch, runnerId, result: '{"ok":true}', outputProblem: null, rand: 0.5 };
    case "fail":
      return { kind, epoch, runnerId, error: { code: "boom", message: "x" }, retryable: true, rand: 0.5 };
    case "release":
      return { kind, epoch, runnerId };
    case "approval_asked":
      return { kind, epoch, runnerId, gate: "fresh-gate" };
    case "approval_decided":
      return row.state === "awaiting_approval"
        ? { kind, decision: "approve", actor: "key:k" }
        : { kind, decision: "approve", gate: "later-gate", actor: "key:k" };
    case "expire":
    case "attempt_timeout":
    case "task_timeout":
      return { kind, rand: 0.5 };
    case "person_retry":
      return { kind, actor: "key:k", input: '{"q":2}' };
    case "person_resolve":
      return { kind, actor: "key:k", result: '"by hand"' };
    case "person_cancel":
    case "cancel":
      return { kind, actor: "key:k" };
    case "approval_deadline":
    case "escalation_deadline":
    case "retry_wake":
    case "preempt_request":
    case "preempt_withdraw":
      return { kind };
  }
}

export function expectState(row: TaskLife, s: TaskState): void {
  expect(row.state).toBe(s);
}
