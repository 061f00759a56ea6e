// Which limit keeps an agent's tasks from being leased now: a spent daily CPU
// budget (the tenant's or the agent's), the tenant's concurrent-runs quota, or
// the agent's. Pure. SchedulerState.atCap answers the same question as a
// boolean, in the same order; `capBlock(...) !== null` is that boolean.

export interface RunLimits {
  /** Concurrent-run caps (quota.concurrent_runs) by agent. */
  caps: ReadonlyMap<string, number>;
  /** The tenant's concurrent-run cap; null when it has none. */
  tenantCap: number | null;
  /** Tasks the agent runs now (its active leases). */
  runningOf(agent: string): number;
  /** Active leases of the whole tenant. */
  activeTotal: number;
  /** Spent daily CPU budgets: agent name, or "" for the tenant → when the period ends (ms). */
  budgetSpent: ReadonlyMap<string, number>;
}

export type CapBlock =
  | { kind: "budget"; scope: "tenant" | "agent"; untilMs: number }
  | { kind: "cap"; scope: "tenant" | "agent"; cap: number; running: number };

export function capBlock(agent: string, l: RunLimits): CapBlock | null {
  const tenantUntil = l.budgetSpent.get("");
  if (tenantUntil !== undefined) return { kind: "budget", scope: "tenant", untilMs: tenantUntil };
  const agentUntil = l.budgetSpent.get(agent);
  if (agentUntil !== undefined) return { kind: "budget", scope: "agent", untilMs: agentUntil };
  if (l.tenantCap !== null && l.activeTotal >= l.tenantCap)
    return { kind: "cap", scope: "tenant", cap: l.tenantCap, running: l.activeTotal };
  const cap = l.caps.get(agent);
  const running = l.runningOf(agent);
  if (cap !== undefined && running >= cap) return { kind: "cap", scope: "agent", cap, running };
  return null;
}
