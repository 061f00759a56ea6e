// Why a runner does not fit a task statically: the first of fitsStatically's
// checks that fails, with what it lacks. Each check calls fit.ts's own
// predicate on one item at a time, so the answer cannot drift from the rule;
// a check fit.ts gains later that this file does not know comes out as
// "other" (fitsStatically is asked last). Pure.
import type { Labels, Resources } from "../api/schemas.js";
import {
  fitsResources,
  fitsStatically,
  hasCapabilities,
  matchesExpression,
  matchesLabels,
  toleratesAll,
  type MatchExpression,
  type Requirements,
  type RunnerShape,
  type Taint,
} from "./fit.js";

export interface Shortfall {
  resource: string;
  requested: number;
  /** What the runner has of it (its capacity, or its free amount). */
  has: number;
}

export type StaticMiss =
  | { stage: "agent" }
  | { stage: "capability"; missing: string[] }
  | { stage: "selector"; nodeSelector: Labels; affinity: MatchExpression[] }
  | { stage: "taint"; taints: Taint[] }
  | { stage: "capacity"; short: Shortfall[] }
  | { stage: "other" };

/** How far a runner got through the checks: a higher rank is closer to fitting. */
export const STAGE_RANK: Record<StaticMiss["stage"], number> = {
  agent: 0,
  capability: 1,
  selector: 2,
  taint: 3,
  capacity: 4,
  other: 5,
};
export const FITS_RANK = 6;

/** The kinds of `request` that `have` lacks, sorted by name. */
export function shortfalls(request: Resources, have: Resources): Shortfall[] {
  const out: Shortfall[] = [];
  for (const k of Object.keys(request).sort()) {
    const want = request[k] ?? 0;
    if (!fitsResources({ [k]: want }, have)) out.push({ resource: k, requested: want, has: have[k] ?? 0 });
  }
  return out;
}

/** Null when the runner fits the task statically (exactly when fitsStatically holds). */
export function explainStatic(agent: string, req: Requirements, runner: RunnerShape): StaticMiss | null {
  if (runner.agents !== null && !runner.agents.includes(agent)) return { stage: "agent" };
  const missing = req.capabilities.filter((c) => !hasCapabilities([c], runner.capabilities));
  if (missing.length > 0) return { stage: "capability", missing: [...new Set(missing)].sort() };
  const nodeSelector: Labels = {};
  for (const k of Object.keys(req.nodeSelector).sort()) {
    const v = req.nodeSelector[k] as string;
    if (!matchesLabels({ [k]: v }, runner.labels)) nodeSelector[k] = v;
  }
  const affinity = (req.affinity ?? []).filter((e) => !matchesExpression(e, runner.labels));
  if (Object.keys(nodeSelector).length > 0 || affinity.length > 0) return { stage: "selector", nodeSelector, affinity };
  const taints = (runner.taints ?? []).filter((t) => !toleratesAll(req.tolerations ?? [], [t]));
  if (taints.length > 0) return { stage: "taint", taints };
  const short = shortfalls(req.resources, runner.capacity);
  if (short.length > 0) return { stage: "capacity", short };
  return fitsStatically(agent, req, runner) ? null : { stage: "other" };
}

export const rankOf = (m: StaticMiss | null): number => (m === null ? FITS_RANK : STAGE_RANK[m.stage]);

/** How much a miss lacks, to pick the closest runner among those at one stage. */
export function missSize(m: StaticMiss): number {
  switch (m.stage) {
    case "capability":
      return m.missing.length;
    case "selector":
      return Object.keys(m.nodeSelector).length + m.affinity.length;
    case "taint":
      return m.taints.length;
    case "capacity":
      return m.short.length;
    default:
      return 0;
  }
}

export const describeExpression = (e: MatchExpression): string =>
  e.operator === "In" || e.operator === "NotIn"
    ? `${e.key} ${e.operator} (${(e.values ?? []).join(", ")})`
    : `${e.key} ${e.operator}`;

export const describeTaint = (t: Taint): string => `${t.key}${t.value === undefined ? "" : `=${t.value}`}:${t.effect}`;
