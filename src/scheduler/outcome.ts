// What follows an attempt's end: a pure decision from the task's attempts, its
// retry policy and how the attempt ended. The TenantDO applies it.
export type AttemptEnd =
  | { kind: "succeeded" }
  | { kind: "cancelled" }
  /** Given back (drain, preemption): the attempt is not charged. */
  | { kind: "released" }
  /** Failed, or the lease expired (a retryable failure). */
  | { kind: "failed"; retryable: boolean };

export interface AttemptState {
  attempts: number;
  maxAttempts: number;
  runnerId: string | null;
  avoidRunners: readonly string[];
}

export interface NextState {
  state: "queued" | "succeeded" | "failed" | "escalated" | "cancelled";
  attempts: number;
  avoidRunners: string[];
}

export function nextState(s: AttemptState, end: AttemptEnd): NextState {
  const same = { attempts: s.attempts, avoidRunners: [...s.avoidRunners] };
  switch (end.kind) {
    case "succeeded":
      return { ...same, state: "succeeded" };
    case "cancelled":
      return { ...same, state: "cancelled" };
    case "released":
      return { ...same, state: "queued", attempts: Math.max(0, s.attempts - 1) };
    case "failed":
      if (!end.retryable) return { ...same, state: "failed" };
      if (s.attempts >= s.maxAttempts) return { ...same, state: "escalated" };
      // Retry, preferring another runner than the one that just failed it.
      if (s.runnerId !== null && !same.avoidRunners.includes(s.runnerId)) same.avoidRunners.push(s.runnerId);
      return { ...same, state: "queued" };
  }
}
