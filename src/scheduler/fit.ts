// Pure placement checks: does a task fit a runner? No I/O, no clock.
import type { Labels, Resources } from "../api/schemas.js";

/** Like a Kubernetes nodeAffinity match expression, over runner labels. */
export interface MatchExpression {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

/** A runner taint: only agents that tolerate it may run there. */
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule";
}

export interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
}

export interface Requirements {
  resources: Resources;
  capabilities: string[];
  nodeSelector: Labels;
  /** All must match (AND). */
  affinity?: MatchExpression[];
  tolerations?: Toleration[];
}

export interface RunnerShape {
  capacity: Resources;
  labels: Labels;
  capabilities: string[];
  /** Agents the runner can start; null means any. */
  agents: string[] | null;
  taints?: Taint[];
}

/** capacity − allocated, per kind (never below zero). */
export function freeResources(capacity: Resources, allocated: Resources): Resources {
  const free: Resources = {};
  for (const k of Object.keys(capacity).sort()) free[k] = Math.max(0, (capacity[k] ?? 0) - (allocated[k] ?? 0));
  return free;
}

export function addResources(a: Resources, b: Resources): Resources {
  const out: Resources = { ...a };
  for (const k of Object.keys(b)) out[k] = (out[k] ?? 0) + (b[k] ?? 0);
  return out;
}

/** Every kind asked for is available; a kind the runner lacks counts as zero. */
export function fitsResources(request: Resources, free: Resources): boolean {
  for (const k of Object.keys(request)) {
    const want = request[k] ?? 0;
    if (want > 0 && want > (free[k] ?? 0)) return false;
  }
  return true;
}

export function matchesLabels(selector: Labels, labels: Labels): boolean {
  for (const k of Object.keys(selector)) if (labels[k] !== selector[k]) return false;
  return true;
}

export function hasCapabilities(required: string[], offered: string[]): boolean {
  return required.every((c) => offered.includes(c));
}

export function matchesExpression(e: MatchExpression, labels: Labels): boolean {
  const v = labels[e.key];
  switch (e.operator) {
    case "In":
      return v !== undefined && (e.values ?? []).includes(v);
    case "NotIn":
      return v === undefined || !(e.values ?? []).includes(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
  }
}

/** Every taint of the runner is tolerated. */
export function toleratesAll(tolerations: readonly Toleration[], taints: readonly Taint[]): boolean {
  return taints.every((t) =>
    tolerations.some((o) => o.key === t.key && (o.operator === "Exists" || o.value === t.value)),
  );
}

/** Static fit: could this runner ever run the task, with all its capacity free? */
export function fitsStatically(agent: string, req: Requirements, runner: RunnerShape): boolean {
  return (
    (runner.agents === null || runner.agents.includes(agent)) &&
    matchesLabels(req.nodeSelector, runner.labels) &&
    (req.affinity ?? []).every((e) => matchesExpression(e, runner.labels)) &&
    toleratesAll(req.tolerations ?? [], runner.taints ?? []) &&
    hasCapabilities(req.capabilities, runner.capabilities) &&
    fitsResources(req.resources, runner.capacity)
  );
}

/** Fit now: static fit and the resources are free at this moment. */
export function fitsNow(agent: string, req: Requirements, runner: RunnerShape, free: Resources): boolean {
  return fitsStatically(agent, req, runner) && fitsResources(req.resources, free);
}

/**
 * How strongly a runner isolates its agents, weakest first (agent-runner/src/sandbox.ts): none, a uid
 * of its own per task, a pid namespace (unshare), the full bwrap sandbox. The runner reports its level
 * as the label ISOLATION_LABEL, which it sets itself at registration (a configured label of that
 * name is overwritten by what it achieves).
 */
export const ISOLATION_LEVELS = ["none", "uid", "unshare", "bwrap"] as const;
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number];
export const ISOLATION_LABEL = "officeos.io/isolation";

/** The placement constraint for an agent requiring at least `min`: the runner's level is one of those at or above it. */
export function isolationAffinity(min: IsolationLevel | undefined): MatchExpression[] {
  if (min === undefined || min === "none") return [];
  return [{ key: ISOLATION_LABEL, operator: "In", values: ISOLATION_LEVELS.slice(ISOLATION_LEVELS.indexOf(min)) }];
}
