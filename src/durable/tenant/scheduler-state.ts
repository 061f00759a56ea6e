// The TenantDO's in-memory view for scheduling, derived from its SQLite rows
// and kept in step by the same code paths that write them: the queue index,
// per-agent DRF accounts, per-runner allocations, busy instances and active
// leases. Rebuilt from storage whenever the object starts. It writes one
// thing itself: each agent's latest lease sequence number (agent_leases),
// in onLeased, so every lease path keeps DRF's tie-break in step.
import type { Resources } from "../../api/schemas.js";
import { QueueIndex, type QueuedTask } from "../../drf/queue-index.js";
import type { Account } from "../../drf/share.js";
import { addResources, type Requirements, type RunnerShape } from "../../scheduler/fit.js";
import {
  requirementsOf,
  runnerShape,
  runnerState,
  storedAgent,
  type AgentRow,
  type RunnerRow,
  type TaskRow,
} from "./rows.js";
import { HOLDS_RUNNER_STATES, sqlList } from "../../task/states.js";

export interface ActiveLeaseInfo {
  taskId: string;
  agent: string;
  priority: number;
  runnerId: string;
  instance: string;
  resources: Resources;
  preemptible: boolean;
  startedAtMs: number;
  checkpointAtMs: number | null;
}

interface SqlLike {
  exec<T extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): { toArray(): T[] };
}

const NO_RUNNERS: readonly string[] = Object.freeze([]);

const negate = (r: Resources): Resources => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, -v]));

export class SchedulerState {
  /** The tenant-wide lease sequence: the highest Account.lastLease given so far. */
  private leaseSeq = 0;
  readonly index = new QueueIndex();
  readonly accounts = new Map<string, Account>();
  readonly busy = new Set<string>();
  readonly active = new Map<string, ActiveLeaseInfo>();
  readonly runners = new Map<string, { row: RunnerRow; shape: RunnerShape }>();
  /** Concurrent-run caps (quota.concurrent_runs) per agent, and for the whole tenant. */
  readonly caps = new Map<string, number>();
  tenantCap: number | null = null;
  /** Waiting task → the runner held for it (mirrors runners.held_for). */
  readonly holds = new Map<string, string>();
  private readonly runnerAlloc = new Map<string, Resources>();
  /** One Requirements object per distinct stored text: tasks share them (memory, placement keys). */
  private readonly interned = new Map<string, Requirements>();
  /** Ready runners and their summed capacity, for one instant (time stands still within a turn). */
  private readyMemo: { at: number; list: { row: RunnerRow; shape: RunnerShape }[]; capacity: Resources } | null = null;

  private constructor(private readonly sql: SqlLike) {}

  static load(sql: SqlLike): SchedulerState {
    const s = new SchedulerState(sql);
    for (const l of sql.exec<{ agent: string; last_lease: number }>("SELECT * FROM agent_leases").toArray()) {
      s.account(l.agent).lastLease = l.last_lease;
      if (l.last_lease > s.leaseSeq) s.leaseSeq = l.last_lease;
    }
    for (const a of sql.exec<AgentRow>("SELECT * FROM agents").toArray()) {
      const stored = storedAgent(a);
      s.setWeight(a.name, stored.weight);
      s.setCap(a.name, stored.quota.concurrent_runs);
    }
    const tq = sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'tenant_quota'").toArray()[0]?.v;
    s.tenantCap = tq ? ((JSON.parse(tq) as { concurrent_runs?: number }).concurrent_runs ?? null) : null;
    for (const r of sql.exec<RunnerRow>("SELECT * FROM runners").toArray()) s.upsertRunner(r);
    for (const t of sql.exec<TaskRow>("SELECT * FROM tasks WHERE state = 'queued'").toArray()) s.onQueued(t);
    for (const t of sql.exec<TaskRow>(`SELECT * FROM tasks WHERE state IN ${sqlList(HOLDS_RUNNER_STATES)}`).toArray())
      s.track(t);
    return s;
  }

  queued(row: TaskRow): QueuedTask {
    let req = this.interned.get(row.requirements);
    if (!req) this.interned.set(row.requirements, (req = requirementsOf(row)));
    return {
      id: row.id,
      seq: row.seq,
      agent: row.agent,
      priority: row.priority,
      instance: row.instance,
      req,
      avoid: row.avoid_runners === "[]" ? NO_RUNNERS : (JSON.parse(row.avoid_runners) as string[]),
      queuedAtMs: row.queued_at ?? row.created_at,
    };
  }

  account(agent: string): Account {
    let a = this.accounts.get(agent);
    if (!a) this.accounts.set(agent, (a = { weight: 1, allocated: {}, running: 0, lastLease: 0 }));
    return a;
  }

  setWeight(agent: string, weight: number): void {
    this.account(agent).weight = weight;
  }

  setCap(agent: string, cap: number | undefined): void {
    if (cap === undefined) this.caps.delete(agent);
    else this.caps.set(agent, cap);
  }

  /**
   * Daily CPU budgets spent: agent name (or "" for the whole tenant) → when the period ends. Their
   * queued tasks are not leased until then (the TenantDO keeps this in step; see refreshBudgets).
   */
  readonly budgetSpent = new Map<string, number>();

  /** The agent (or the tenant) already runs as many tasks as its quota allows, or has spent its daily CPU. */
  atCap(agent: string): boolean {
    if (this.budgetSpent.size > 0 && (this.budgetSpent.has("") || this.budgetSpent.has(agent))) return true;
    if (this.tenantCap !== null && this.active.size >= this.tenantCap) return true;
    const cap = this.caps.get(agent);
    return cap !== undefined && (this.accounts.get(agent)?.running ?? 0) >= cap;
  }

  /** A runner row deleted (see TenantDO.pruneRunners): it holds no lease, so only its hold goes. */
  removeRunner(id: string): void {
    const r = this.runners.get(id);
    if (!r) return;
    if (r.row.held_for) this.holds.delete(r.row.held_for);
    this.runners.delete(id);
    this.runnerAlloc.delete(id);
    this.readyMemo = null;
  }

  upsertRunner(row: RunnerRow): void {
    const before = this.runners.get(row.id)?.row.held_for;
    if (before) this.holds.delete(before);
    if (row.held_for) this.holds.set(row.held_for, row.id);
    this.runners.set(row.id, { row, shape: runnerShape(row) });
    this.readyMemo = null;
  }

  /** Holds (or frees, with null) a runner for a waiting task. */
  setHold(runnerId: string, taskId: string | null): void {
    const r = this.runners.get(runnerId);
    if (!r) return;
    if (r.row.held_for) this.holds.delete(r.row.held_for);
    r.row.held_for = taskId;
    if (taskId) this.holds.set(taskId, runnerId);
  }

  touchRunner(id: string, nowMs: number): void {
    const r = this.runners.get(id);
    if (!r) return;
    r.row.last_seen_at = nowMs;
    this.readyMemo = null;
  }

  onQueued(row: TaskRow): void {
    this.index.add(this.queued(row));
  }

  onDequeued(taskId: string): void {
    this.index.remove(taskId);
  }

  /** A task was just leased (once per grant): track it and move its agent to the back of the tie-break. */
  onLeased(row: TaskRow): void {
    this.track(row);
    const seq = ++this.leaseSeq;
    this.account(row.agent).lastLease = seq;
    this.sql.exec(
      "INSERT INTO agent_leases (agent, last_lease) VALUES (?, ?) ON CONFLICT (agent) DO UPDATE SET last_lease = excluded.last_lease",
      row.agent,
      seq,
    );
  }

  /** A leased or running task joins the in-memory view (a new lease, or one found at load). */
  private track(row: TaskRow): void {
    this.index.remove(row.id);
    const resources = requirementsOf(row).resources;
    const info: ActiveLeaseInfo = {
      taskId: row.id,
      agent: row.agent,
      priority: row.priority,
      runnerId: row.runner_id as string,
      instance: row.instance,
      resources,
      preemptible: row.preemptible === 1,
      startedAtMs: row.updated_at,
      checkpointAtMs: row.checkpoint_at,
    };
    this.active.set(row.id, info);
    this.busy.add(row.instance);
    const acc = this.account(row.agent);
    acc.allocated = addResources(acc.allocated, resources);
    acc.running++;
    this.runnerAlloc.set(info.runnerId, addResources(this.runnerAlloc.get(info.runnerId) ?? {}, resources));
  }

  onEnded(taskId: string): void {
    const info = this.active.get(taskId);
    if (!info) return;
    this.active.delete(taskId);
    this.busy.delete(info.instance);
    const acc = this.account(info.agent);
    acc.allocated = clean(addResources(acc.allocated, negate(info.resources)));
    acc.running--;
    this.runnerAlloc.set(
      info.runnerId,
      clean(addResources(this.runnerAlloc.get(info.runnerId) ?? {}, negate(info.resources))),
    );
  }

  allocatedOn(runnerId: string): Resources {
    return this.runnerAlloc.get(runnerId) ?? {};
  }

  readyRunners(nowMs: number): { row: RunnerRow; shape: RunnerShape }[] {
    return this.ready(nowMs).list;
  }

  /** The tenant's capacity: the sum over its ready runners. */
  capacity(nowMs: number): Resources {
    return this.ready(nowMs).capacity;
  }

  private ready(nowMs: number): { at: number; list: { row: RunnerRow; shape: RunnerShape }[]; capacity: Resources } {
    if (this.readyMemo?.at === nowMs) return this.readyMemo;
    const list: { row: RunnerRow; shape: RunnerShape }[] = [];
    for (const r of this.runners.values()) if (runnerState(r.row, nowMs) === "ready") list.push(r);
    list.sort((a, b) => (a.row.id < b.row.id ? -1 : 1));
    let capacity: Resources = {};
    for (const r of list) capacity = addResources(capacity, r.shape.capacity);
    return (this.readyMemo = { at: nowMs, list, capacity });
  }
}

/** Sums of floats drift; a kind back at about zero is dropped. */
function clean(r: Resources): Resources {
  const out: Resources = {};
  for (const [k, v] of Object.entries(r)) if (Math.abs(v) > 1e-9) out[k] = v;
  return out;
}
