// Weighted Dominant Resource Fairness (Ghodsi et al., NSDI 2011): an agent's
// dominant share is the largest fraction of any one resource kind of the
// cluster that it holds, divided by its weight. Kinds an agent holds none of
// do not count. Pure: no I/O, no clock.
import type { Resources } from "../api/schemas.js";

export interface Account {
  weight: number;
  /** Sum of the resources of the agent's active leases. */
  allocated: Resources;
  /** Number of active leases (second tie-breaker). */
  running: number;
  /**
   * The tenant-wide lease sequence number of the agent's latest lease; 0 if it was never leased
   * (third tie-breaker: least recently leased first, see compareRanked).
   */
  lastLease: number;
}

export interface Share {
  share: number;
  /** The kind that gives the share; null when the agent holds nothing. */
  resource: string | null;
}

export function dominantShare(allocated: Resources, capacity: Resources, weight: number): Share {
  let best = 0;
  let resource: string | null = null;
  for (const k of Object.keys(allocated).sort()) {
    const a = allocated[k] ?? 0;
    if (a <= 0) continue;
    const c = capacity[k] ?? 0;
    // Holding a kind the cluster no longer has (its runner left) counts as all of it.
    const s = c > 0 ? a / c : 1;
    if (s > best) {
      best = s;
      resource = k;
    }
  }
  return { share: best / (weight > 0 ? weight : 1), resource };
}

export interface Ranked {
  agent: string;
  share: number;
  running: number;
  lastLease: number;
}

export function rankAgent(agent: string, acc: Account | undefined, capacity: Resources): Ranked {
  return {
    agent,
    share: acc ? dominantShare(acc.allocated, capacity, acc.weight).share : 0,
    running: acc?.running ?? 0,
    lastLease: acc?.lastLease ?? 0,
  };
}

/**
 * The total order: lower share first, then fewer running, then least recently leased (never
 * leased first), then name.
 *
 * Why "least recently leased" and not Mesos' tie-break: Mesos' DRF sorter breaks equal shares on
 * the number of allocations ever made to a client, a count that is never decremented, so a client
 * added later (or one that sat idle) has the lowest count and wins every tie until it has caught up
 * with the others: a burst of a, a, a … for the newcomer. Ordering by the sequence number of each
 * agent's latest lease instead alternates equal agents from the first tie (a, b, a, b …), a
 * newcomer goes first once and then takes its turn in the rotation, and the state is one number per
 * agent that never has to be rebalanced. The name comes last only so that the order is total.
 */
export function compareRanked(a: Ranked, b: Ranked): number {
  if (a.share !== b.share) return a.share < b.share ? -1 : 1;
  if (a.running !== b.running) return a.running - b.running;
  if (a.lastLease !== b.lastLease) return a.lastLease - b.lastLease;
  return a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0;
}

export function rankAgents(
  agents: Iterable<string>,
  accounts: ReadonlyMap<string, Account>,
  capacity: Resources,
): Ranked[] {
  const out: Ranked[] = [];
  for (const agent of agents) out.push(rankAgent(agent, accounts.get(agent), capacity));
  return out.sort(compareRanked);
}
