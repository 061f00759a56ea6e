// Pure placement checks: does a task fit a runner? No I/O, no clock.
import type { Labels, Resources } from "../api/schemas.js";

export interface Requirements {
  resources: Resources;
  capabilities: string[];
  nodeSelector: Labels;
}

export interface RunnerShape {
  capacity: Resources;
  labels: Labels;
  capabilities: string[];
  /** Agents the runner can start; null means any. */
  agents: string[] | null;
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

/** Static fit: could this runner ever run the task, with all its capacity free? */
export function fitsStatically(agent: string, req: Requirements, runner: RunnerShape): boolean {
  return (
    (runner.agents === null || runner.agents.includes(agent)) &&
    matchesLabels(req.nodeSelector, runner.labels) &&
    hasCapabilities(req.capabilities, runner.capabilities) &&
    fitsResources(req.resources, runner.capacity)
  );
}

/** Fit now: static fit and the resources are free at this moment. */
export function fitsNow(agent: string, req: Requirements, runner: RunnerShape, free: Resources): boolean {
  return fitsStatically(agent, req, runner) && fitsResources(req.resources, free);
}
