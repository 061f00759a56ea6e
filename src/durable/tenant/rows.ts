// Row shapes of TenantDO tables and their API views.
import type { JsonValue } from "../../api/errors.js";
import type {
  Agent,
  AgentQuota,
  AgentSpec,
  GateDecision,
  Labels,
  Resources,
  RetryPolicy,
  Runner,
  Task,
  TaskError,
  TaskState,
  TaskUsage,
} from "../../api/schemas.js";
import { DEFAULT_POLICY } from "../../scheduler/outcome.js";
import type { LifeRetry } from "../../task/row.js";
import { toPolicy } from "../../task/retry.js";
import {
  freeResources,
  type IsolationLevel,
  type MatchExpression,
  type Requirements,
  type RunnerShape,
  type Taint,
  type Toleration,
} from "../../scheduler/fit.js";

export type TaskRow = {
  id: string;
  seq: number;
  agent: string;
  input: string;
  priority: number;
  instance: string;
  state: TaskState;
  attempts: number;
  max_attempts: number;
  requirements: string;
  idempotency_key: string | null;
  request: string | null;
  result: string | null;
  error: string | null;
  checkpoint_seq: number | null;
  avoid_runners: string;
  runner_id: string | null;
  lease_id: string | null;
  epoch: number | null;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  queued_at: number | null;
  preemptible: number;
  preempt_requested: number;
  checkpoint_at: number | null;
  /** TaskPolicy JSON; null for rows older than policies (defaults apply). */
  policy: string | null;
  /** retry_wait: when it queues; awaiting_approval / escalated: the deadline. */
  wake_at: number | null;
  deadline_at: number | null;
  attempt_deadline_at: number | null;
  /** PendingGate JSON while awaiting approval. */
  gate: string | null;
  /** Record<gate, GateDecision> JSON. */
  approvals: string | null;
  /** {reason, escalated_at} JSON while escalated. */
  escalation: string | null;
  started_at: number | null;
  event_seq: number;
  /** Compute used by the last attempt (TaskUsage JSON), from the runner's report. */
  usage?: string | null;
};

export type RunnerRow = {
  id: string;
  name: string;
  capacity: string;
  labels: string;
  capabilities: string;
  agents: string | null;
  lease_ttl_ms: number;
  draining: number;
  registered_at: number;
  last_seen_at: number;
  taints: string;
  held_for: string | null;
  /** RunnerHealth JSON from its last heartbeat. */
  health: string | null;
  /** RegisterRunner.host: with the name, what a restart takes over. */
  host: string | null;
  /** When the runner said it stopped cleanly (drained, agents gone); NULL while it runs. */
  stopped_at: number | null;
};

export type AgentRow = { name: string; spec: string; updated_at: number };

export const ACTIVE_STATES: readonly TaskState[] = ["leased", "running"];
/** Waiting on time or a person, holding no runner. */
export const PARKED_STATES: readonly TaskState[] = ["retry_wait", "awaiting_approval", "escalated"];
export const FINAL_STATES: readonly TaskState[] = ["succeeded", "failed", "escalated", "cancelled"];

export const iso = (ms: number): string => new Date(ms).toISOString();

export function taskView(r: TaskRow): Task {
  const t: Task = {
    id: r.id,
    agent: r.agent,
    state: r.state,
    priority: r.priority,
    instance: r.instance,
    input: JSON.parse(r.input) as JsonValue,
    attempts: r.attempts,
    max_attempts: r.max_attempts,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
  if (r.result !== null) t.result = JSON.parse(r.result) as JsonValue;
  if (r.error !== null) t.error = JSON.parse(r.error) as TaskError;
  if (r.checkpoint_seq !== null) t.checkpoint_seq = r.checkpoint_seq;
  if (r.runner_id !== null) t.runner_id = r.runner_id;
  if (r.idempotency_key !== null) t.idempotency_key = r.idempotency_key;
  if (r.state === "retry_wait" && r.wake_at !== null) t.not_before = iso(r.wake_at);
  if (r.policy !== null) {
    const timeouts = (JSON.parse(r.policy) as TaskPolicy).timeouts;
    if (Object.keys(timeouts).length > 0) t.timeouts = timeouts;
  }
  if (r.deadline_at !== null) t.deadline_at = iso(r.deadline_at);
  if (r.gate !== null) t.gate = JSON.parse(r.gate) as NonNullable<Task["gate"]>;
  if (r.approvals !== null) t.approvals = JSON.parse(r.approvals) as Record<string, GateDecision>;
  if (r.escalation !== null) t.escalation = JSON.parse(r.escalation) as NonNullable<Task["escalation"]>;
  if (r.usage) t.usage = JSON.parse(r.usage) as TaskUsage;
  return t;
}

export function requirementsOf(r: TaskRow): Requirements {
  return JSON.parse(r.requirements) as Requirements;
}

export function runnerShape(r: RunnerRow): RunnerShape {
  return {
    capacity: JSON.parse(r.capacity) as Resources,
    labels: JSON.parse(r.labels) as Labels,
    capabilities: JSON.parse(r.capabilities) as string[],
    agents: r.agents === null ? null : (JSON.parse(r.agents) as string[]),
    taints: JSON.parse(r.taints) as Taint[],
  };
}

export function runnerState(r: RunnerRow, nowMs: number): Runner["state"] {
  if (r.stopped_at !== null && r.stopped_at !== undefined) return "stopped";
  if (r.draining) return "draining";
  if (nowMs - r.last_seen_at > r.lease_ttl_ms) return "dead";
  return r.health !== null && (JSON.parse(r.health) as { ready: boolean }).ready === false ? "not_ready" : "ready";
}

export function runnerView(r: RunnerRow, allocated: Resources, activeLeases: number, nowMs: number): Runner {
  const shape = runnerShape(r);
  const view: Runner = {
    id: r.id,
    name: r.name,
    capacity: shape.capacity,
    allocated: freeResources(allocated, {}),
    labels: shape.labels,
    capabilities: shape.capabilities,
    taints: shape.taints ?? [],
    agents: shape.agents,
    lease_ttl_ms: r.lease_ttl_ms,
    state: runnerState(r, nowMs),
    active_leases: activeLeases,
    registered_at: iso(r.registered_at),
    last_seen_at: iso(r.last_seen_at),
  };
  if (r.host !== null && r.host !== undefined) view.host = r.host;
  if (r.stopped_at !== null && r.stopped_at !== undefined) view.stopped_at = iso(r.stopped_at);
  if (r.health !== null) view.health = JSON.parse(r.health) as NonNullable<Runner["health"]>;
  return view;
}

/** The stored (snake_case) retry policy: the lifecycle core's own shape (src/task/row.ts). */
export type StoredRetry = LifeRetry;

export interface StoredTimeouts {
  attempt_ms?: number;
  task_ms?: number;
  stall_ms?: number;
}

export interface StoredAgent {
  capabilities: string[];
  resources: Resources;
  node_selector: Labels;
  node_affinity: MatchExpression[];
  tolerations: Toleration[];
  weight: number;
  preemptible: boolean;
  retry: StoredRetry;
  timeouts: StoredTimeouts;
  approvals: { timeout_ms: number | null; on_timeout: "cancel" | "escalate" | "approve" | "reject" };
  escalation: { timeout_ms: number | null; on_timeout: "cancel" | "fail" };
  output_schema?: JsonValue;
  quota: AgentQuota;
  tools: string[];
  egress: string[];
  isolation: IsolationLevel;
}

/** What a task carries of its agent's policies (with per-task overrides), fixed at submission. */
export interface TaskPolicy {
  retry: StoredRetry;
  timeouts: StoredTimeouts;
  approvals: StoredAgent["approvals"];
  escalation: StoredAgent["escalation"];
}

export const DEFAULT_MAX_ATTEMPTS = DEFAULT_POLICY.maxAttempts;

/** Fills a retry policy's gaps from `base` (the defaults, or the agent's policy for a per-task override). */
export function mergeRetry(spec: RetryPolicy | undefined, base: StoredRetry = DEFAULT_RETRY): StoredRetry {
  return {
    max_attempts: spec?.max_attempts ?? base.max_attempts,
    backoff: {
      initial_ms: spec?.backoff?.initial_ms ?? base.backoff.initial_ms,
      max_ms: spec?.backoff?.max_ms ?? base.backoff.max_ms,
      multiplier: spec?.backoff?.multiplier ?? base.backoff.multiplier,
      jitter: spec?.backoff?.jitter ?? base.backoff.jitter,
    },
    retry_on: spec?.retry_on ? [...new Set(spec.retry_on)].sort() : base.retry_on,
    escalate_on: spec?.escalate_on ? [...new Set(spec.escalate_on)].sort() : base.escalate_on,
    on_exhausted: spec?.on_exhausted ?? base.on_exhausted,
    different_runner: spec?.different_runner ?? base.different_runner,
  };
}

const DEFAULT_RETRY: StoredRetry = {
  max_attempts: DEFAULT_POLICY.maxAttempts,
  backoff: {
    initial_ms: DEFAULT_POLICY.backoff.initialMs,
    max_ms: DEFAULT_POLICY.backoff.maxMs,
    multiplier: DEFAULT_POLICY.backoff.multiplier,
    jitter: DEFAULT_POLICY.backoff.jitter,
  },
  retry_on: null,
  escalate_on: [],
  on_exhausted: "escalate",
  different_runner: true,
};

/** The stored policy as the retry decision reads it: one definition, in the lifecycle core. */
export { toPolicy };

export function normalizeAgentSpec(spec: AgentSpec): StoredAgent {
  const out: StoredAgent = {
    capabilities: [...new Set(spec.capabilities ?? [])].sort(),
    resources: spec.resources ?? {},
    node_selector: spec.node_selector ?? {},
    node_affinity: spec.node_affinity ?? [],
    tolerations: spec.tolerations ?? [],
    weight: spec.weight ?? 1,
    preemptible: spec.preemptible ?? true,
    retry: mergeRetry(spec.retry),
    timeouts: { ...spec.timeouts },
    approvals: { timeout_ms: spec.approvals?.timeout_ms ?? null, on_timeout: spec.approvals?.on_timeout ?? "escalate" },
    escalation: {
      timeout_ms: spec.escalation?.timeout_ms ?? null,
      on_timeout: spec.escalation?.on_timeout ?? "cancel",
    },
    quota: spec.quota ?? {},
    tools: [...new Set(spec.tools ?? [])].sort(),
    egress: [...new Set((spec.egress ?? []).map((e) => e.toLowerCase()))].sort(),
    isolation: spec.isolation ?? "none",
  };
  if (spec.output_schema !== undefined) out.output_schema = spec.output_schema as JsonValue;
  return out;
}

/** Agents stored before a field existed read with its default. */
export function storedAgent(r: AgentRow): StoredAgent {
  return normalizeAgentSpec(JSON.parse(r.spec) as AgentSpec);
}

export function agentView(r: AgentRow): Agent {
  return { name: r.name, ...storedAgent(r), updated_at: iso(r.updated_at) };
}

/** JSON with object keys sorted, so equal requests compare equal whatever their key order. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(",")}}`;
}

export function taskPolicy(r: TaskRow): TaskPolicy {
  if (r.policy !== null) return JSON.parse(r.policy) as TaskPolicy;
  const d = normalizeAgentSpec({ retry: { max_attempts: r.max_attempts } });
  return { retry: d.retry, timeouts: d.timeouts, approvals: d.approvals, escalation: d.escalation };
}
