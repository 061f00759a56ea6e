// The part of a `tasks` row the lifecycle reads and writes, column for column
// (same names, same SQLite types: JSON columns stay JSON text), so a transition's
// fields go into one UPDATE as they are. src/durable/tenant/rows.ts's TaskRow is
// assignable to TaskLife (test/unit/task-groups.test.ts checks it).
import type { TaskState } from "./states.js";

export interface TaskLife {
  id: string;
  agent: string;
  state: TaskState;
  /** JSON text; only a person's retry with edited input changes it. */
  input: string;
  attempts: number;
  max_attempts: number;
  /** JSON text of the result (`"null"` is a null result; SQL NULL is none). */
  result: string | null;
  /** TaskError JSON. */
  error: string | null;
  /** JSON array of runner ids. */
  avoid_runners: string;
  /** The runner that holds, or last held, the lease: kept after the lease ends, for the view and ownership. */
  runner_id: string | null;
  lease_id: string | null;
  /** Fencing token of the last lease; never cleared, only grows. */
  epoch: number | null;
  lease_expires_at: number | null;
  attempt_deadline_at: number | null;
  preempt_requested: number;
  created_at: number;
  updated_at: number;
  queued_at: number | null;
  started_at: number | null;
  deadline_at: number | null;
  /** retry_wait: when it queues; awaiting_approval / escalated: their deadline. */
  wake_at: number | null;
  /** PendingGate JSON while awaiting approval. */
  gate: string | null;
  /** Record<gate, GateDecision> JSON. */
  approvals: string | null;
  /** {reason, escalated_at, deadline_at?} JSON; set on escalation, kept by the final states that end it. */
  escalation: string | null;
  /** TaskPolicy JSON; null for rows older than policies (defaults apply). */
  policy: string | null;
}

export type Column = Exclude<keyof TaskLife, "id" | "agent" | "created_at" | "policy">;
/** What a transition writes: the columns it changes, with their new values. */
export type Fields = { [C in Column]?: TaskLife[C] };

export interface LifeError {
  code: string;
  message: string;
  /** What the runner or the lifecycle adds: `stderr_tail`, `deterministic` (src/task/deterministic.ts). */
  details?: Record<string, unknown>;
}

export interface LifeRetry {
  max_attempts: number;
  backoff: { initial_ms: number; max_ms: number; multiplier: number; jitter: number };
  retry_on: string[] | null;
  escalate_on: string[];
  on_exhausted: "escalate" | "fail";
  different_runner: boolean;
}

/** The task's policy as src/durable/tenant/rows.ts stores it (TaskPolicy), the parts the lifecycle reads. */
export interface LifePolicy {
  retry: LifeRetry;
  timeouts: { attempt_ms?: number; task_ms?: number; stall_ms?: number };
  approvals: { timeout_ms: number | null; on_timeout: "cancel" | "escalate" | "approve" | "reject" };
  escalation: { timeout_ms: number | null; on_timeout: "cancel" | "fail" };
}

export interface GateDecisionJson {
  decision: "approve" | "reject";
  comment?: string;
  by: string;
  at: string;
}

/** The defaults of rows.ts (normalizeAgentSpec) for a row stored before policies existed. */
export function policyOf(r: Pick<TaskLife, "policy" | "max_attempts">): LifePolicy {
  if (r.policy !== null) return JSON.parse(r.policy) as LifePolicy;
  return {
    retry: {
      max_attempts: r.max_attempts,
      backoff: { initial_ms: 1000, max_ms: 60_000, multiplier: 2, jitter: 0.2 },
      retry_on: null,
      escalate_on: [],
      on_exhausted: "escalate",
      different_runner: true,
    },
    timeouts: {},
    approvals: { timeout_ms: null, on_timeout: "escalate" },
    escalation: { timeout_ms: null, on_timeout: "cancel" },
  };
}

export function decisionsOf(r: Pick<TaskLife, "approvals">): Record<string, GateDecisionJson> {
  return r.approvals === null ? {} : (JSON.parse(r.approvals) as Record<string, GateDecisionJson>);
}

export function gateNameOf(r: Pick<TaskLife, "gate">): string {
  return (JSON.parse(r.gate ?? "{}") as { gate?: string }).gate ?? "";
}

export const iso = (ms: number): string => new Date(ms).toISOString();
