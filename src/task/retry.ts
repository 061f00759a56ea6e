// The retry decision, beside the machine that applies it: a pure decision from
// the task's attempts, its retry policy and how the attempt ended. No clock and
// no randomness of its own: `rand` in [0, 1) is passed in. Its one home;
// src/scheduler/outcome.ts re-exports it.
import type { LifeRetry } from "./row.js";

export type AttemptEnd =
  | { kind: "succeeded" }
  | { kind: "cancelled" }
  /** Given back (drain, preemption, an approval gate): the attempt is not charged. */
  | { kind: "released" }
  /** Failed, or the lease expired (code `lease_expired`, a retryable failure). */
  | {
      kind: "failed";
      retryable: boolean;
      code: string;
      /** A rule of deterministic.ts matched: no retry, the policy's on_exhausted applies at once. */
      deterministic?: string;
    };

export interface AttemptState {
  attempts: number;
  maxAttempts: number;
  runnerId: string | null;
  avoidRunners: readonly string[];
}

/** A retry policy with every default filled in. */
export interface Policy {
  maxAttempts: number;
  backoff: { initialMs: number; maxMs: number; multiplier: number; jitter: number };
  /** Codes that retry; null: every retryable failure. */
  retryOn: readonly string[] | null;
  escalateOn: readonly string[];
  onExhausted: "escalate" | "fail";
  differentRunner: boolean;
}

export const DEFAULT_POLICY: Policy = {
  maxAttempts: 3,
  backoff: { initialMs: 1000, maxMs: 60_000, multiplier: 2, jitter: 0.2 },
  retryOn: null,
  escalateOn: [],
  onExhausted: "escalate",
  differentRunner: true,
};

/** Failures that requeue at once: the runner is gone, not the work at fault, so waiting buys nothing. */
export const IMMEDIATE_RETRY_CODES: readonly string[] = ["lease_expired"];

export interface NextState {
  state: "queued" | "retry_wait" | "succeeded" | "failed" | "escalated" | "cancelled";
  attempts: number;
  avoidRunners: string[];
  /** retry_wait: how long until the next attempt may start. */
  delayMs?: number;
}

/**
 * Delay before attempt n+1 after n failed attempts: initial × multiplier^(n−1),
 * capped at max, of which a `jitter` fraction is drawn at random (so 0.2 gives
 * 80–100 % of the nominal delay; 1 is "full jitter").
 */
export function backoffMs(b: Policy["backoff"], failedAttempts: number, rand: number): number {
  const n = Math.max(1, failedAttempts);
  const nominal = Math.min(b.maxMs, b.initialMs * b.multiplier ** (n - 1));
  return Math.round(nominal * (1 - b.jitter * rand));
}

export function nextState(s: AttemptState, end: AttemptEnd, policy: Policy = DEFAULT_POLICY, rand = 0): NextState {
  const same = { attempts: s.attempts, avoidRunners: [...s.avoidRunners] };
  switch (end.kind) {
    case "succeeded":
      return { ...same, state: "succeeded" };
    case "cancelled":
      return { ...same, state: "cancelled" };
    case "released":
      return { ...same, state: "queued", attempts: Math.max(0, s.attempts - 1) };
    case "failed": {
      if (policy.escalateOn.includes(end.code)) return { ...same, state: "escalated" };
      const retries =
        end.retryable &&
        (policy.retryOn === null || policy.retryOn.includes(end.code) || IMMEDIATE_RETRY_CODES.includes(end.code));
      if (!retries) return { ...same, state: "failed" };
      if (s.attempts >= s.maxAttempts || end.deterministic !== undefined)
        return { ...same, state: policy.onExhausted === "fail" ? "failed" : "escalated" };
      // Retry, preferring another runner than the one that just failed it.
      if (policy.differentRunner && s.runnerId !== null && !same.avoidRunners.includes(s.runnerId))
        same.avoidRunners.push(s.runnerId);
      if (IMMEDIATE_RETRY_CODES.includes(end.code)) return { ...same, state: "queued" };
      const delayMs = backoffMs(policy.backoff, s.attempts, rand);
      return delayMs > 0 ? { ...same, state: "retry_wait", delayMs } : { ...same, state: "queued" };
    }
  }
}

/** rows.ts's toPolicy: the stored (snake_case) retry policy as the decision reads it. */
export function toPolicy(r: LifeRetry): Policy {
  return {
    maxAttempts: r.max_attempts,
    backoff: {
      initialMs: r.backoff.initial_ms,
      maxMs: Math.max(r.backoff.max_ms, 0),
      multiplier: r.backoff.multiplier,
      jitter: r.backoff.jitter,
    },
    retryOn: r.retry_on,
    escalateOn: r.escalate_on,
    onExhausted: r.on_exhausted,
    differentRunner: r.different_runner,
  };
}
