// The table promises nothing the machine cannot do: a breadth-first walk from a
// submit, under a handful of policies, applying every variant of every event
// (well-formed, at the moment its deadline falls due), takes every (state,
// event → target) the table lists. Deterministic, unlike a random walk.
import { describe, expect, it } from "vitest";
import { EVENT_KINDS, type EventKind, type LifecycleEvent } from "../../src/task/events.js";
import { apply, create, transition } from "../../src/task/machine.js";
import type { LifePolicy, TaskLife } from "../../src/task/row.js";
import { TASK_STATES } from "../../src/task/states.js";
import { TABLE } from "../../src/task/table.js";
import { eventFor, policy, T0 } from "./task-helpers.js";

const POLICIES: LifePolicy[] = [
  policy({ max_attempts: 2 }),
  policy(
    { max_attempts: 2, backoff: { initial_ms: 0, max_ms: 0, multiplier: 2, jitter: 0 }, on_exhausted: "fail" },
    {
      approvals: { timeout_ms: 1000, on_timeout: "approve" },
      escalation: { timeout_ms: 1000, on_timeout: "cancel" },
    },
  ),
  policy(
    { max_attempts: 2, retry_on: ["other"], escalate_on: ["task_timeout", "fatal"] },
    { approvals: { timeout_ms: 1000, on_timeout: "cancel" } },
  ),
  policy(
    { max_attempts: 1 },
    { approvals: { timeout_ms: 1000, on_timeout: "reject" }, escalation: { timeout_ms: 1000, on_timeout: "cancel" } },
  ),
];

/** Every variant of an event worth trying on this row. */
function variants(kind: EventKind, row: TaskLife): LifecycleEvent[] {
  const base = eventFor(kind, row);
  const epoch = row.epoch ?? -1;
  switch (kind) {
    case "complete":
      return [base, { kind, epoch, result: "1", outputProblem: "bad", rand: 0 }];
    case "fail":
      return ["boom", "fatal", "other"].flatMap((code) =>
        [true, false].map(
          (retryable): LifecycleEvent => ({ kind, epoch, error: { code, message: "" }, retryable, rand: 0 }),
        ),
      );
    case "approval_asked":
      return [base, { kind, epoch, gate: "ahead" }];
    case "approval_decided":
      return [base, { kind, decision: "reject", actor: "k" }, { kind, decision: "approve", gate: "ahead", actor: "k" }];
    default:
      return [base];
  }
}

/** A timer event is tried at the moment its own deadline falls due; anything else now. */
function timeFor(kind: EventKind, row: TaskLife, now: number): number {
  const at: Partial<Record<EventKind, number | null>> = {
    expire: row.lease_expires_at,
    attempt_timeout: row.attempt_deadline_at,
    task_timeout: row.deadline_at,
    retry_wake: row.wake_at,
    approval_deadline: row.wake_at,
    escalation_deadline: row.wake_at,
  };
  return Math.max(now, at[kind] ?? now);
}

const keyOf = (r: TaskLife): string =>
  JSON.stringify([
    r.state,
    r.attempts,
    r.max_attempts,
    r.approvals,
    r.epoch !== null,
    r.preempt_requested,
    r.policy,
    r.wake_at !== null,
    r.escalation !== null,
  ]);

describe("every target the table lists is reachable", () => {
  it("by a breadth-first walk from a submit", () => {
    const taken = new Set<string>();
    for (const p of POLICIES) {
      const start = create({ id: "t", agent: "a", input: "{}", priority: 0, policy: p, actor: "k" }, T0).row;
      let frontier: { row: TaskLife; now: number }[] = [{ row: start, now: T0 }];
      const seen = new Set<string>([keyOf(start)]);
      for (let depth = 0; depth < 10 && frontier.length > 0; depth++) {
        const next: typeof frontier = [];
        for (const { row, now } of frontier) {
          for (const kind of EVENT_KINDS) {
            for (const ev of variants(kind, row)) {
              const t = transition(row, ev, timeFor(kind, row, now));
              if (t.kind !== "ok") continue;
              taken.add(`${row.state} --${kind}--> ${t.to}`);
              const after = apply(row, t);
              const k = keyOf(after);
              if (!seen.has(k)) {
                seen.add(k);
                next.push({ row: after, now: Math.max(now, after.updated_at) });
              }
            }
          }
        }
        frontier = next;
      }
    }
    const promised = TASK_STATES.flatMap((s) =>
      EVENT_KINDS.flatMap((e) => {
        const c = TABLE[s][e];
        return "to" in c ? c.to.map((t) => `${s} --${e}--> ${t}`) : [];
      }),
    );
    expect(promised.filter((m) => !taken.has(m))).toEqual([]);
  });
});
