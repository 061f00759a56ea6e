// How a task ends an attempt, or ends outright from the queue or a parked
// state: the retry decision (retry.ts) picks the next state, and this file
// writes the columns and the event-log lines the TenantDO's settle() and
// outcomeEvents() wrote, in the same order.
import type { Actor, Effect, LogEntry, Metric } from "./events.js";
import { iso, policyOf, type Fields, type LifeError, type TaskLife } from "./row.js";
import { classifyFailure, markDeterministic } from "./deterministic.js";
import { nextState, toPolicy } from "./retry.js";
import { holdsRunner, isFinal, type TaskState } from "./states.js";

export const SYSTEM: Actor = "system";

export type Outcome =
  | { kind: "succeeded"; result: string }
  | { kind: "failed"; error: LifeError; retryable: boolean }
  | { kind: "released" }
  | { kind: "cancelled" };

/** A transition before machine.ts adds what entering its state implies. */
export interface Step {
  to: TaskState;
  fields: Fields;
  events: LogEntry[];
  effects: Effect[];
}

const FAILURE_LOG = {
  lease_expired: "lease_expired",
  attempt_timeout: "attempt_timeout",
  invalid_output: "invalid_output",
} as const;

export function count(metric: Metric, labels: Record<string, string>): Effect {
  return { kind: "count", metric, labels };
}

/** A retryable failure that another attempt would only repeat (deterministic.ts) says so in its error. */
function classified(row: TaskLife, outcome: Outcome): { outcome: Outcome; rule?: string } {
  if (outcome.kind !== "failed" || !outcome.retryable) return { outcome };
  const d = classifyFailure(row.error === null ? null : (JSON.parse(row.error) as LifeError), outcome.error);
  if (d === null) return { outcome };
  return { outcome: { ...outcome, error: markDeterministic(outcome.error, d) }, rule: d.rule };
}

export function settle(row: TaskLife, given: Outcome, nowMs: number, actor: Actor, rand: number): Step {
  const policy = policyOf(row);
  const { outcome, rule } = classified(row, given);
  const next = nextState(
    {
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
      runnerId: row.runner_id,
      avoidRunners: JSON.parse(row.avoid_runners) as string[],
    },
    outcome.kind === "failed"
      ? {
          kind: "failed",
          retryable: outcome.retryable,
          code: outcome.error.code,
          ...(rule !== undefined ? { deterministic: rule } : {}),
        }
      : { kind: outcome.kind },
    toPolicy(policy.retry),
    rand,
  );
  const to: TaskState = next.state;
  const fields: Fields = { attempts: next.attempts, avoid_runners: JSON.stringify(next.avoidRunners) };
  if (outcome.kind === "succeeded") fields.result = outcome.result;
  if (outcome.kind === "failed") fields.error = JSON.stringify(outcome.error);
  if (to === "retry_wait") fields.wake_at = nowMs + (next.delayMs ?? 0);
  if (to === "escalated" && outcome.kind === "failed") {
    const deadline = policy.escalation.timeout_ms !== null ? nowMs + policy.escalation.timeout_ms : null;
    fields.wake_at = deadline;
    fields.escalation = JSON.stringify({
      reason: outcome.error,
      escalated_at: iso(nowMs),
      ...(deadline !== null ? { deadline_at: iso(deadline) } : {}),
    });
  }
  const events: LogEntry[] = [];
  const effects: Effect[] = [];
  const log = (type: LogEntry["type"], by: Actor, state: TaskState | null, details?: LogEntry["details"]): void => {
    events.push(details === undefined ? { type, actor: by, state } : { type, actor: by, state, details });
  };
  const agent = { agent: row.agent };
  const runner = row.runner_id ?? undefined;
  const wasHolding = holdsRunner(row.state);
  switch (outcome.kind) {
    case "succeeded":
      log("succeeded", actor, to);
      break;
    case "cancelled":
      log("cancelled", actor, to);
      break;
    case "released":
      log("released", actor, to, { runner });
      break;
    case "failed": {
      const code = outcome.error.code;
      if (code === "lease_expired") effects.push(count("officeos_lease_expiries_total", agent));
      if (wasHolding) effects.push(count("officeos_attempts_failed_total", { ...agent, code }));
      // A task deadline ends the task itself: its own event below says so.
      if (wasHolding && code !== "task_timeout") {
        const type = code in FAILURE_LOG ? FAILURE_LOG[code as keyof typeof FAILURE_LOG] : "attempt_failed";
        log(type, actor, null, {
          code,
          message: outcome.error.message,
          retryable: outcome.retryable,
          runner,
          attempt: row.attempts,
          ...(rule !== undefined ? { deterministic: rule } : {}),
        });
      }
      if (to === "retry_wait") {
        effects.push(count("officeos_retries_total", agent));
        log("retry_scheduled", SYSTEM, to, {
          delay_ms: next.delayMs ?? 0,
          not_before: iso(nowMs + (next.delayMs ?? 0)),
        });
      } else if (to === "queued") {
        effects.push(count("officeos_retries_total", agent));
        log("requeued", SYSTEM, to);
      } else if (to === "escalated") {
        effects.push(count("officeos_escalations_total", agent));
        const why = rule !== undefined ? { deterministic: rule } : {};
        log("escalated", SYSTEM, to, { code, attempts: row.attempts, ...why });
      } else if (to === "failed")
        log(code === "task_timeout" ? "task_timeout" : "failed", SYSTEM, to, {
          code,
          ...(rule !== undefined ? { deterministic: rule } : {}),
        });
      break;
    }
  }
  if (isFinal(to)) effects.push(count("officeos_tasks_finished_total", { ...agent, state: to }));
  return { to, fields, events, effects };
}

/** Back to the queue from a parked state (retry wait over, approval answered, a person's retry). */
export function requeue(type: LogEntry["type"], actor: Actor, details: LogEntry["details"], fields: Fields = {}): Step {
  return {
    to: "queued",
    fields,
    events: [details === undefined ? { type, actor, state: "queued" } : { type, actor, state: "queued", details }],
    effects: [],
  };
}

/** A parked task (escalated) ends without running again; `type` defaults to the state's name. */
export function endParked(
  row: TaskLife,
  to: "succeeded" | "failed" | "cancelled",
  value: { result?: string; error?: LifeError },
  actor: Actor,
  type?: LogEntry["type"],
): Step {
  const fields: Fields = {};
  if (to === "succeeded") fields.result = value.result ?? "null";
  if (to === "failed") fields.error = JSON.stringify(value.error ?? null);
  return {
    to,
    fields,
    events: [{ type: type ?? to, actor, state: to }],
    effects: [count("officeos_tasks_finished_total", { agent: row.agent, state: to })],
  };
}
