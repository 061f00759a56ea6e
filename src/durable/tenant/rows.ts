// Row shapes of TenantDO tables and their API views.
import type { JsonValue } from "../../api/errors.js";
import type { Agent, AgentQuota, AgentSpec, Labels, Resources, Runner, Task, TaskError, TaskState, TaskUsage } from "../../api/schemas.js";
import { freeResources, type MatchExpression, type Requirements, type RunnerShape, type Taint, type Toleration } from "../../scheduler/fit.js";

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
};

export type AgentRow = { name: string; spec: string; updated_at: number };

export const ACTIVE_STATES: readonly TaskState[] = ["leased", "running"];
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
  if (r.draining) return "draining";
  return nowMs - r.last_seen_at > r.lease_ttl_ms ? "dead" : "ready";
}

export function runnerView(r: RunnerRow, allocated: Resources, activeLeases: number, nowMs: number): Runner {
  const shape = runnerShape(r);
  return {
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
}

export interface StoredAgent {
  capabilities: string[];
  resources: Resources;
  node_selector: Labels;
  node_affinity: MatchExpression[];
  tolerations: Toleration[];
  weight: number;
  preemptible: boolean;
  retry: { max_attempts: number };
  quota: AgentQuota;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

export function normalizeAgentSpec(spec: AgentSpec): StoredAgent {
  return {
    capabilities: [...new Set(spec.capabilities ?? [])].sort(),
    resources: spec.resources ?? {},
    node_selector: spec.node_selector ?? {},
    node_affinity: spec.node_affinity ?? [],
    tolerations: spec.tolerations ?? [],
    weight: spec.weight ?? 1,
    preemptible: spec.preemptible ?? true,
    retry: { max_attempts: spec.retry?.max_attempts ?? DEFAULT_MAX_ATTEMPTS },
    quota: spec.quota ?? {},
  };
}

/** Agents stored before a field existed read with its default. */
export function storedAgent(r: AgentRow): StoredAgent {
  const s = JSON.parse(r.spec) as Partial<StoredAgent>;
  return normalizeAgentSpec({ ...s, retry: s.retry } as AgentSpec);
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
