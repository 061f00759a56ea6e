// What every adapter of the TenantDO shares: its storage, its clock, the stores
// over it, the in-memory scheduling view, and the one path a task's lifecycle
// takes — load → transition() → TaskStore.commit() → the call's effects. The
// adapters (tasks, attempts, people, runners, agents, leasing, deadlines, keys,
// quotas, metrics) each hold this and nothing else of one another's.
import { fail, ok, type Failure, type Result } from "../../api/errors.js";
import type { Env } from "../../env.js";
import type { LifecycleEvent } from "../../task/events.js";
import { transition } from "../../task/machine.js";
import type { Remote } from "../../api/context.js";
import type { AgentDO } from "../agent-do.js";
import { Agents } from "./agents.js";
import { AuditLog } from "./audit.js";
import { capsFrom, type Caps } from "./access.js";
import type { Clock } from "./clock.js";
import { Counters, LATENCY_BUCKETS } from "./counters.js";
import { Deadlines } from "./deadlines.js";
import { CallEffects, type EffectPorts } from "./effects-runner.js";
import { EventLog } from "./events.js";
import { Keyring, rateLimitsFrom } from "./keyring.js";
import { Leasing } from "./leasing.js";
import { Quotas } from "./quotas.js";
import { ACTIVE_STATES, type RunnerRow, type TaskRow } from "./rows.js";
import { SchedulerState } from "./scheduler-state.js";
import { SessionStore } from "./sessions.js";
import { TaskStore } from "./task-store.js";

/** Who did it, in the event and audit logs: `key:<id>`, `runner:<id>`, `system`. */
export type Actor = string;
export const SYSTEM: Actor = "system";

/** A task queued this long outranks every priority class where it fits (see drf/pick.ts). */
export const STARVATION_MS = 10 * 60_000;

export class Tenant {
  readonly sql: SqlStorage;
  readonly events: EventLog;
  readonly store: TaskStore;
  readonly counters: Counters;
  readonly audit: AuditLog;
  readonly keyring: Keyring;
  readonly sessions: SessionStore;
  /** The call in progress and its deferred effects (effects-runner.ts). */
  readonly fx: CallEffects;
  readonly deadlines: Deadlines;
  readonly leasing: Leasing;
  readonly agents: Agents;
  /** Per-tenant caps on runners and keys (OFFICEOS_MAX_RUNNERS, OFFICEOS_MAX_KEYS); tests may lower them. */
  caps: Caps;
  starvationMs = STARVATION_MS;
  /** In-memory scheduling view, built from storage on first use. */
  private state: SchedulerState | null = null;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
    readonly clock: Clock,
  ) {
    this.sql = ctx.storage.sql;
    this.events = new EventLog(this.sql);
    this.store = new TaskStore(this.sql, this.events);
    this.counters = new Counters(this.sql);
    this.audit = new AuditLog(this.sql);
    this.keyring = new Keyring(this.sql, this.audit, rateLimitsFrom(env as unknown as Record<string, unknown>));
    this.caps = capsFrom(env as unknown as Record<string, unknown>);
    this.sessions = new SessionStore(this.sql);
    this.deadlines = new Deadlines(this);
    this.leasing = new Leasing(this);
    this.agents = new Agents(this);
    this.fx = new CallEffects(this.ports(), clock);
  }

  now(): number {
    return this.clock.now();
  }

  sched(): SchedulerState {
    if (this.state) return this.state;
    this.state = SchedulerState.load(this.sql);
    this.refreshBudgets(this.now());
    return this.state;
  }

  /**
   * Re-reads which daily CPU budgets are spent (the tenant's, each agent's) into the scheduler, which
   * leases none of their tasks until the period ends; the next tick looks again then. Runs when the
   * scheduler state loads, when usage is recorded, and when limits change.
   */
  refreshBudgets(now: number): void {
    const st = this.sched();
    const spent = this.quotas().cpuSpent(this.agents.quotas(), now);
    const freed = [...st.budgetSpent.keys()].some((k) => !spent.has(k));
    st.budgetSpent.clear();
    for (const [k, until] of spent) {
      st.budgetSpent.set(k, until);
      this.deadlines.noteDue(until);
    }
    if (freed) this.fx.wakePolls();
  }

  quotas(): Quotas {
    return new Quotas(this.sql);
  }

  /**
   * Commits one lifecycle event of a task through the machine (load → transition → commit);
   * its effects join the call's. The row as committed, or null when the machine refused the event.
   */
  settle(row: TaskRow, ev: LifecycleEvent, now: number): TaskRow | null {
    const t = transition(row, ev, now);
    if (t.kind === "refused") return null;
    const settled = this.store.commit(row.id, t, now);
    if (!settled) return null;
    if (t.to === "escalated" && t.from !== "escalated") this.retainParked(row.instance, settled.wake_at, now);
    this.fx.add(row.id, t.effects);
    return settled;
  }

  /** The task's row when `epoch` is its live lease, else the error a fenced call gets. */
  activeLease(taskId: string, epoch: number, now: number): Result<TaskRow> {
    this.deadlines.tick(now);
    const row = this.taskRow(taskId);
    if (!row) return fail("not_found", `task "${taskId}" not found`);
    if (row.epoch !== epoch) return staleEpoch(epoch, row);
    if (!ACTIVE_STATES.includes(row.state)) {
      if (row.state === "queued") return staleEpoch(epoch, row);
      return fail("conflict", `task is already ${row.state}`, { state: row.state });
    }
    return ok(row);
  }

  /**
   * A task parked (approval gate, escalation): its instance's spilled checkpoints must
   * outlive the wait, so the AgentDO keeps them past the deadline, or without expiry
   * when there is none (AgentDO.retain). Best effort, after the answer: a Redis outage
   * here leaves the default TTL, itself longer than any bounded park.
   */
  retainParked(instance: string, deadline: number | null, now: number): void {
    const tenant = this.meta("tenant_id");
    if (tenant === null || !this.env.UPSTASH_REDIS_REST_URL) return;
    const stub = this.env.AGENT.get(this.env.AGENT.idFromName(`${tenant}/${instance}`)) as unknown as Remote<AgentDO>;
    const seconds = deadline === null ? null : Math.max(1, Math.ceil((deadline - now) / 1000));
    this.ctx.waitUntil(
      stub.retain(seconds).then(
        () => undefined,
        () => undefined,
      ),
    );
  }

  touchRunner(id: string, now: number): void {
    this.sql.exec("UPDATE runners SET last_seen_at = ? WHERE id = ?", now, id);
    this.sched().touchRunner(id, now);
  }

  allocation(runnerId: string): { allocated: Record<string, number>; count: number } {
    const st = this.sched();
    let count = 0;
    for (const a of st.active.values()) if (a.runnerId === runnerId) count++;
    return { allocated: st.allocatedOn(runnerId), count };
  }

  taskRow(id: string): TaskRow | undefined {
    return this.store.load(id);
  }

  runnerRow(id: string): RunnerRow | undefined {
    return this.sql.exec<RunnerRow>("SELECT * FROM runners WHERE id = ?", id).toArray()[0];
  }

  meta(k: string): string | null {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0]?.v ?? null;
  }

  setMeta(k: string, v: string): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }

  /** Increments a persisted counter and returns the new value. */
  bump(k: string): number {
    const row = this.sql
      .exec<{ v: string }>(
        "INSERT INTO meta (k, v) VALUES (?, '1') ON CONFLICT (k) DO UPDATE SET v = CAST(CAST(v AS INTEGER) + 1 AS TEXT) RETURNING v",
        k,
      )
      .one();
    return Number(row.v);
  }

  /** How the effects of a call's transitions reach the scheduler index, the metrics, the alarm and parked polls. */
  private ports(): EffectPorts {
    const row = (id: string): TaskRow => this.store.load(id) as TaskRow;
    return {
      perTask: (taskId, e) => {
        const st = this.sched();
        if (e.kind === "enqueue") st.onQueued(row(taskId));
        else if (e.kind === "dequeue") st.onDequeued(taskId);
        else if (e.kind === "allocate") st.onLeased(row(taskId));
        else if (e.kind === "free") st.onEnded(taskId);
        else if (e.kind === "count") this.counters.inc(e.metric, e.labels);
        else if (e.kind === "observe_schedule_to_start")
          this.counters.observe("officeos_schedule_to_start_seconds", LATENCY_BUCKETS, e.seconds, {
            agent: row(taskId).agent,
          });
        // gate_decided: the caller answers the agent with the decision.
      },
      noteDue: (at) => this.deadlines.noteDue(at),
      settleDue: (now) => this.deadlines.tick(now),
      wakePolls: (now) => this.leasing.pump(now),
      considerPreemption: (now) => this.leasing.preempt(now),
    };
  }
}

export function staleEpoch(epoch: number, row: TaskRow): Failure {
  return fail("stale_epoch", `lease epoch ${epoch} is no longer current for task "${row.id}"`, {
    current_epoch: row.epoch,
    state: row.state,
  });
}
