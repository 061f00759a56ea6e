// TenantDO — one per tenant. Owns, in its SQLite storage: the tenant's API key
// hashes, agents, runners, tasks with their leases, and the epoch counter that
// fences stale leases. In memory only: parked long-poll requests (lost on
// eviction, which simply drops those connections) and the alarm time it set.
// Placement checks come from the pure `scheduler/fit`; this class loads rows,
// asks, and commits.
import { DurableObject } from "cloudflare:workers";
import { fail, ok, type Failure, type Result } from "../api/errors.js";
import type { Agent, AgentSpec, HeartbeatAnswer, LlmReservation, LlmSettled, QuotasView, RegisterRunner, ReserveLlm, Resources, Runner, SchedulerView, Scope, SettleLlm, SubmitTask, Task, TaskError, TaskState, TaskUsage, TenantQuota } from "../api/schemas.js";
import { randomHex, timingSafeEqual } from "../auth/keys.js";
import type { Env } from "../env.js";
import { dominantShare } from "../drf/share.js";
import type { Requirements } from "../scheduler/fit.js";
import { nextState } from "../scheduler/outcome.js";
import { SchedulerState } from "./tenant/scheduler-state.js";
import { Placement } from "./tenant/placement.js";
import { Quotas } from "./tenant/quotas.js";
import {
  ACTIVE_STATES,
  agentView,
  requirementsOf,
  iso,
  normalizeAgentSpec,
  runnerState,
  runnerView,
  stableStringify,
  storedAgent,
  taskView,
  type AgentRow,
  type RunnerRow,
  type StoredAgent,
  type TaskRow,
} from "./tenant/rows.js";
import { migrate } from "./migrate.js";
import { TENANT_MIGRATIONS } from "./tenant/schema.js";

export interface LeaseGrant {
  lease_id: string;
  epoch: number;
  expires_at: string;
  task: Task;
  /** True when an earlier attempt or task of the instance may have left a checkpoint. */
  load_checkpoint: boolean;
  /** What one run of the agent asked for: the runner sets its cgroup limits and GPUs from it. */
  resources: Resources;
}

export interface TaskListQuery {
  state?: TaskState | undefined;
  agent?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

interface Waiter {
  runnerId: string;
  maxTasks: number;
  resolve: (r: Result<LeaseGrant[]>) => void;
  timer: ReturnType<typeof setTimeout>;
}

type Outcome =
  | { kind: "succeeded"; result: unknown }
  | { kind: "failed"; error: TaskError; retryable: boolean }
  | { kind: "released" }
  | { kind: "cancelled" };

const ACTIVE_SQL = "('leased', 'running')";
const DEFAULT_LEASE_TTL_MS = 30_000;
/** A task queued this long outranks every priority class where it fits (see drf/pick.ts). */
export const STARVATION_MS = 10 * 60_000;


export class TenantDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Parked long-polls, oldest first: the first to wait is the first served. */
  private waiters: Waiter[] = [];
  private alarmAt: number | null = null;
  /** In-memory scheduling view, built from storage on first use. */
  private state: SchedulerState | null = null;
  /** Tests move this DO's clock forward instead of sleeping. */
  clockOffsetMs = 0;
  starvationMs = STARVATION_MS;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, TENANT_MIGRATIONS);
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private sched(): SchedulerState {
    return (this.state ??= SchedulerState.load(this.sql));
  }

  // ---- tenant and keys ---------------------------------------------------

  /** Readiness probe: storage answers a query. */
  ping(): boolean {
    return this.sql.exec<{ one: number }>("SELECT 1 AS one").toArray()[0]?.one === 1;
  }

  init(tenantId: string, name: string, keyId: string, keyHash: string): Result<{ id: string; name: string }> {
    if (this.meta("tenant_id") !== null) return fail("conflict", "tenant already exists");
    const now = this.now();
    this.ctx.storage.transactionSync(() => {
      this.setMeta("tenant_id", tenantId);
      this.setMeta("name", name);
      this.sql.exec("INSERT INTO api_keys (id, hash, scopes, created_at) VALUES (?, ?, ?, ?)", keyId, keyHash, JSON.stringify(["admin"]), now);
    });
    return ok({ id: tenantId, name });
  }

  authenticate(keyId: string, keyHash: string): Result<{ scopes: Scope[] }> {
    const row = this.sql.exec<{ hash: string; scopes: string; revoked_at: number | null }>("SELECT hash, scopes, revoked_at FROM api_keys WHERE id = ?", keyId).toArray()[0];
    if (!row || row.revoked_at !== null || !timingSafeEqual(row.hash, keyHash)) return fail("unauthorized", "invalid API key");
    return ok({ scopes: JSON.parse(row.scopes) as Scope[] });
  }

  createKey(keyId: string, keyHash: string, scopes: Scope[]): Result<{ id: string; scopes: Scope[] }> {
    const uniq = [...new Set(scopes)].sort();
    this.sql.exec("INSERT INTO api_keys (id, hash, scopes, created_at) VALUES (?, ?, ?, ?)", keyId, keyHash, JSON.stringify(uniq), this.now());
    return ok({ id: keyId, scopes: uniq });
  }

  // ---- agents --------------------------------------------------------------

  putAgent(name: string, spec: AgentSpec): Result<Agent> {
    const stored = normalizeAgentSpec(spec);
    const now = this.now();
    this.sql.exec(
      "INSERT INTO agents (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
      name,
      JSON.stringify(stored),
      now,
    );
    this.sched().setWeight(name, stored.weight);
    this.sched().setCap(name, stored.quota.concurrent_runs);
    this.pump(now);
    return ok(agentView({ name, spec: JSON.stringify(stored), updated_at: now }));
  }

  getAgent(name: string): Result<Agent> {
    const row = this.agentRow(name);
    return row ? ok(agentView(row)) : fail("not_found", `agent "${name}" is not registered`);
  }

  listAgents(): Result<Agent[]> {
    return ok(this.sql.exec<AgentRow>("SELECT * FROM agents ORDER BY name").toArray().map(agentView));
  }

  // ---- runners -------------------------------------------------------------

  registerRunner(body: RegisterRunner): Result<Runner> {
    const now = this.now();
    const id = `run_${randomHex(8)}`;
    const agents = body.agents ? JSON.stringify([...new Set(body.agents)].sort()) : null;
    this.sql.exec(
      "INSERT INTO runners (id, name, capacity, labels, capabilities, agents, taints, lease_ttl_ms, registered_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      id,
      body.name,
      JSON.stringify(body.capacity),
      JSON.stringify(body.labels ?? {}),
      JSON.stringify([...new Set(body.capabilities ?? [])].sort()),
      agents,
      JSON.stringify(body.taints ?? []),
      body.lease_ttl_ms ?? DEFAULT_LEASE_TTL_MS,
      now,
      now,
    );
    this.sched().upsertRunner(this.runnerRow(id) as RunnerRow);
    return this.getRunner(id);
  }

  getRunner(id: string): Result<Runner> {
    const row = this.runnerRow(id);
    if (!row) return fail("not_found", `runner "${id}" not found`);
    const { allocated, count } = this.allocation(id);
    return ok(runnerView(row, allocated, count, this.now()));
  }

  listRunners(): Result<Runner[]> {
    const now = this.now();
    const rows = this.sql.exec<RunnerRow>("SELECT * FROM runners ORDER BY registered_at, id").toArray();
    return ok(
      rows.map((r) => {
        const { allocated, count } = this.allocation(r.id);
        return runnerView(r, allocated, count, now);
      }),
    );
  }

  drainRunner(id: string): Result<Runner> {
    if (!this.runnerRow(id)) return fail("not_found", `runner "${id}" not found`);
    this.sql.exec("UPDATE runners SET draining = 1, held_for = NULL WHERE id = ?", id);
    this.sched().upsertRunner(this.runnerRow(id) as RunnerRow);
    this.dropWaiter(id);
    return this.getRunner(id);
  }

  /**
   * Long-poll for work. Answers at once with what fits; otherwise parks until
   * a fitting task arrives (submit, requeue, freed capacity) or `waitMs` passes.
   */
  async lease(runnerId: string, maxTasks: number, waitMs: number): Promise<Result<LeaseGrant[]>> {
    const now = this.now();
    this.expireLeases(now);
    const runner = this.runnerRow(runnerId);
    if (!runner) return fail("not_found", `runner "${runnerId}" not found`);
    if (runner.draining) return fail("conflict", `runner "${runnerId}" is draining`);
    this.touchRunner(runnerId, now);
    const grants = this.tryLease(runner, maxTasks, now);
    if (grants.length > 0 || waitMs === 0) return ok(grants);
    this.dropWaiter(runnerId);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        runnerId,
        maxTasks,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(ok([]));
        }, waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  heartbeat(runnerId: string, leases: { task_id: string; epoch: number }[]): Result<HeartbeatAnswer> {
    const now = this.now();
    this.expireLeases(now);
    const runner = this.runnerRow(runnerId);
    if (!runner) return fail("not_found", `runner "${runnerId}" not found`);
    this.touchRunner(runnerId, now);
    const expires = now + runner.lease_ttl_ms;
    const cancel: string[] = [];
    const preempt: string[] = [];
    this.ctx.storage.transactionSync(() => {
      for (const l of leases) {
        const row = this.sql
          .exec<{ preempt_requested: number }>(
            `UPDATE tasks SET lease_expires_at = ?, state = 'running' WHERE id = ? AND runner_id = ? AND epoch = ? AND state IN ${ACTIVE_SQL} RETURNING preempt_requested`,
            expires,
            l.task_id,
            runnerId,
            l.epoch,
          )
          .toArray()[0];
        if (!row) cancel.push(l.task_id);
        else if (row.preempt_requested) preempt.push(l.task_id);
      }
    });
    this.maybePreempt(now);
    return ok({ expires_at: iso(expires), cancel, preempt });
  }

  // ---- tasks ---------------------------------------------------------------

  submit(req: SubmitTask): Result<{ task: Task; created: boolean }> {
    const now = this.now();
    this.expireLeases(now);
    const agentRow = this.agentRow(req.agent);
    if (!agentRow) return fail("not_found", `agent "${req.agent}" is not registered`);
    const agent: StoredAgent = storedAgent(agentRow);
    const input = req.input ?? null;
    const request = stableStringify({ agent: req.agent, input, priority: req.priority ?? 0, instance: req.instance ?? null, node_selector: req.node_selector ?? {} });
    if (req.idempotency_key !== undefined) {
      const prior = this.sql.exec<TaskRow>("SELECT * FROM tasks WHERE idempotency_key = ?", req.idempotency_key).toArray()[0];
      if (prior) {
        if (prior.request !== request)
          return fail("conflict", "idempotency key was used for a different request", { task_id: prior.id });
        return ok({ task: taskView(prior), created: false });
      }
    }
    for (const [k, v] of Object.entries(req.node_selector ?? {})) {
      const fixed = agent.node_selector[k];
      if (fixed !== undefined && fixed !== v)
        return fail("bad_request", `node_selector ${k}=${v} contradicts agent "${req.agent}" which requires ${k}=${fixed}`);
    }
    const requirements: Requirements = {
      resources: agent.resources,
      capabilities: agent.capabilities,
      nodeSelector: { ...agent.node_selector, ...req.node_selector },
      affinity: agent.node_affinity,
      tolerations: agent.tolerations,
    };
    const id = `task_${randomHex(10)}`;
    const seq = this.bump("task_seq");
    this.sql.exec(
      `INSERT INTO tasks (id, seq, agent, input, priority, instance, state, max_attempts, requirements, idempotency_key, request, created_at, updated_at, queued_at, preemptible)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      seq,
      req.agent,
      JSON.stringify(input),
      req.priority ?? 0,
      req.instance ?? id,
      agent.retry.max_attempts,
      JSON.stringify(requirements),
      req.idempotency_key ?? null,
      request,
      now,
      now,
      now,
      agent.preemptible ? 1 : 0,
    );
    const row = this.taskRow(id) as TaskRow;
    this.sched().onQueued(row);
    this.pump(now);
    this.maybePreempt(now);
    return ok({ task: taskView(this.taskRow(id) as TaskRow), created: true });
  }

  getTask(id: string): Result<Task> {
    this.expireLeases(this.now());
    const row = this.taskRow(id);
    return row ? ok(taskView(row)) : fail("not_found", `task "${id}" not found`);
  }

  listTasks(q: TaskListQuery): Result<{ tasks: Task[]; next_cursor?: string }> {
    this.expireLeases(this.now());
    const limit = q.limit ?? 50;
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.state) (where.push("state = ?"), args.push(q.state));
    if (q.agent) (where.push("agent = ?"), args.push(q.agent));
    if (q.cursor) (where.push("seq < ?"), args.push(Number(q.cursor)));
    const sqlText = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
    const rows = this.sql.exec<TaskRow>(sqlText, ...args, limit + 1).toArray();
    const page = rows.slice(0, limit);
    const out: { tasks: Task[]; next_cursor?: string } = { tasks: page.map(taskView) };
    if (rows.length > limit) out.next_cursor = String(page[page.length - 1]?.seq);
    return ok(out);
  }

  cancel(id: string): Result<Task> {
    const now = this.now();
    this.expireLeases(now);
    const row = this.taskRow(id);
    if (!row) return fail("not_found", `task "${id}" not found`);
    if (row.state !== "queued" && !ACTIVE_STATES.includes(row.state)) return fail("conflict", `task is already ${row.state}`);
    this.settle(row, { kind: "cancelled" }, now);
    return ok(taskView(this.taskRow(id) as TaskRow));
  }

  /** Fencing for a checkpoint write: the lease must be current. Marks the task running. */
  checkLease(taskId: string, epoch: number): Result<{ instance: string }> {
    const now = this.now();
    const r = this.activeLease(taskId, epoch, now);
    if (r.kind === "error") return r;
    if (r.value.state === "leased") this.sql.exec("UPDATE tasks SET state = 'running', updated_at = ? WHERE id = ?", now, taskId);
    return ok({ instance: r.value.instance });
  }

  recordCheckpoint(taskId: string, epoch: number, seq: number): void {
    const now = this.now();
    this.sql.exec("UPDATE tasks SET checkpoint_seq = ?, checkpoint_at = ? WHERE id = ? AND epoch = ? AND COALESCE(checkpoint_seq, 0) < ?", seq, now, taskId, epoch, seq);
    const info = this.sched().active.get(taskId);
    if (info) info.checkpointAtMs = now;
  }

  /** Per agent: weight, dominant resource and share, queued and running counts. */
  scheduler(): Result<SchedulerView> {
    const now = this.now();
    this.expireLeases(now);
    const st = this.sched();
    const capacity = st.capacity(now);
    const queued = st.index.queuedByAgent();
    const names = new Set([...st.accounts.keys(), ...queued.keys()]);
    const agents = [...names].sort().map((agent) => {
      const acc = st.account(agent);
      const d = dominantShare(acc.allocated, capacity, acc.weight);
      return { agent, weight: acc.weight, dominant_resource: d.resource, dominant_share: d.share, allocated: acc.allocated, queued: queued.get(agent) ?? 0, running: acc.running };
    });
    return ok({ capacity, agents, queued: st.index.size, running: st.active.size });
  }

  /** Which AgentDO holds this task's checkpoints. */
  taskInstance(taskId: string): Result<{ instance: string }> {
    const row = this.taskRow(taskId);
    return row ? ok({ instance: row.instance }) : fail("not_found", `task "${taskId}" not found`);
  }

  complete(taskId: string, epoch: number, result: unknown): Result<Task> {
    return this.finish(taskId, epoch, { kind: "succeeded", result: result ?? null });
  }

  fail(taskId: string, epoch: number, error: TaskError, retryable: boolean): Result<Task> {
    return this.finish(taskId, epoch, { kind: "failed", error, retryable });
  }

  /** Gives a lease back (drain, preemption): requeued, the attempt not charged. */
  release(taskId: string, epoch: number): Result<Task> {
    return this.finish(taskId, epoch, { kind: "released" });
  }

  // ---- quotas (logic in tenant/quotas.ts) ---------------------------------------

  putTenantQuota(q: TenantQuota): Result<TenantQuota> {
    this.quotas().setTenantQuota(q);
    this.sched().tenantCap = q.concurrent_runs ?? null;
    this.pump(this.now());
    return ok(q);
  }

  getQuotas(): Result<QuotasView> {
    const now = this.now();
    this.expireLeases(now);
    const agents = this.sql.exec<AgentRow>("SELECT * FROM agents ORDER BY name").toArray().map((r) => ({ name: r.name, quota: storedAgent(r).quota, running: this.sched().accounts.get(r.name)?.running ?? 0 }));
    return ok(this.quotas().view(agents, this.sched().active.size, now));
  }

  /** Only the holder of the task's live lease may spend its agent's LLM quota. */
  reserveLlm(req: ReserveLlm): Result<LlmReservation> {
    const now = this.now();
    const lease = this.activeLease(req.task_id, req.epoch, now);
    if (lease.kind === "error") return lease;
    const agent = this.agentRow(lease.value.agent);
    const quota = agent ? storedAgent(agent).quota : {};
    const q = { taskId: req.task_id, agent: lease.value.agent, instance: lease.value.instance, tokens: req.tokens, requests: req.requests ?? 1, maxWaitMs: req.max_wait_ms ?? 0 };
    return this.quotas().reserve(q, quota, now);
  }

  settleLlm(reservationId: string, body: SettleLlm): Result<LlmSettled> {
    return this.quotas().settle(reservationId, body, this.now());
  }

  cancelLlm(reservationId: string): Result<LlmSettled> {
    return this.quotas().cancel(reservationId, this.now());
  }

  /** Compute an attempt used (runner's cgroup figures), sent just before its complete or fail. */
  recordUsage(taskId: string, epoch: number, usage: TaskUsage): Result<null> {
    const r = this.activeLease(taskId, epoch, this.now());
    if (r.kind === "error") return r;
    this.sql.exec("UPDATE tasks SET usage = ? WHERE id = ?", JSON.stringify(usage), taskId);
    this.quotas().recordUsage(r.value.agent, usage, this.now());
    return ok(null);
  }

  private quotas(): Quotas {
    return new Quotas(this.sql);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = this.now();
    this.expireLeases(now);
    const next = this.sql.exec<{ t: number | null }>(`SELECT MIN(lease_expires_at) AS t FROM tasks WHERE state IN ${ACTIVE_SQL}`).toArray()[0]?.t ?? null;
    if (next !== null) this.scheduleAlarm(next);
  }

  // ---- internals -------------------------------------------------------------

  private finish(taskId: string, epoch: number, outcome: Outcome): Result<Task> {
    const now = this.now();
    const r = this.activeLease(taskId, epoch, now);
    if (r.kind === "error") return r;
    this.settle(r.value, outcome, now);
    return ok(taskView(this.taskRow(taskId) as TaskRow));
  }

  private activeLease(taskId: string, epoch: number, now: number): Result<TaskRow> {
    this.expireLeases(now);
    const row = this.taskRow(taskId);
    if (!row) return fail("not_found", `task "${taskId}" not found`);
    if (row.epoch !== epoch) return staleEpoch(epoch, row);
    if (!ACTIVE_STATES.includes(row.state)) {
      if (row.state === "queued") return staleEpoch(epoch, row);
      return fail("conflict", `task is already ${row.state}`, { state: row.state });
    }
    return ok(row);
  }

  /** Ends an attempt (or a queued task) and applies the next state the pure core decides. */
  private settle(row: TaskRow, outcome: Outcome, now: number): void {
    const next = nextState(
      { attempts: row.attempts, maxAttempts: row.max_attempts, runnerId: row.runner_id, avoidRunners: JSON.parse(row.avoid_runners) as string[] },
      outcome.kind === "failed" ? { kind: "failed", retryable: outcome.retryable } : { kind: outcome.kind },
    );
    const result = outcome.kind === "succeeded" ? JSON.stringify(outcome.result) : row.result;
    const error = outcome.kind === "failed" ? JSON.stringify(outcome.error) : row.error;
    this.sql.exec(
      `UPDATE tasks SET state = ?, attempts = ?, result = ?, error = ?, avoid_runners = ?, lease_id = NULL, lease_expires_at = NULL,
         preempt_requested = 0, queued_at = CASE WHEN ? = 'queued' THEN ? ELSE queued_at END, updated_at = ? WHERE id = ?`,
      next.state,
      next.attempts,
      result,
      error,
      JSON.stringify(next.avoidRunners),
      next.state,
      now,
      now,
      row.id,
    );
    const st = this.sched();
    if (row.state === "queued") st.onDequeued(row.id);
    else st.onEnded(row.id);
    if (next.state === "queued") st.onQueued(this.taskRow(row.id) as TaskRow);
    // Freed capacity, a requeued task or an unblocked instance can serve a parked poll.
    this.pump(now);
  }

  private expireLeases(now: number): void {
    const rows = this.sql.exec<TaskRow>(`SELECT * FROM tasks WHERE state IN ${ACTIVE_SQL} AND lease_expires_at <= ? ORDER BY lease_expires_at, seq`, now).toArray();
    for (const row of rows) {
      this.settle(row, { kind: "failed", error: { code: "lease_expired", message: `runner ${row.runner_id ?? "?"} stopped heartbeating` }, retryable: true }, now);
    }
  }

  private tryLease(runner: RunnerRow, maxTasks: number, now: number): LeaseGrant[] {
    return this.placement().lease(runner, maxTasks, now);
  }

  private maybePreempt(now: number): void {
    this.placement().preempt(now);
  }

  private placement(): Placement {
    return new Placement(this.sql, this.sched(), this.starvationMs, (row, runner, now) => this.grant(row, runner, now));
  }

  private grant(row: TaskRow, runner: RunnerRow, now: number): LeaseGrant {
    const epoch = this.bump("epoch");
    const leaseId = `lease_${randomHex(8)}`;
    const expires = now + runner.lease_ttl_ms;
    this.sql.exec(
      "UPDATE tasks SET state = 'leased', attempts = attempts + 1, runner_id = ?, lease_id = ?, epoch = ?, lease_expires_at = ?, updated_at = ? WHERE id = ?",
      runner.id,
      leaseId,
      epoch,
      expires,
      now,
      row.id,
    );
    this.scheduleAlarm(expires);
    const leased = this.taskRow(row.id) as TaskRow;
    this.sched().onLeased(leased);
    return {
      lease_id: leaseId,
      epoch,
      expires_at: iso(expires),
      task: taskView(leased),
      load_checkpoint: row.epoch !== null || row.instance !== row.id,
      resources: requirementsOf(leased).resources,
    };
  }

  /** Serves parked long-polls, oldest first, with whatever now fits them. */
  private pump(now: number): void {
    if (this.waiters.length === 0) return;
    const remaining: Waiter[] = [];
    for (const w of this.waiters) {
      const runner = this.sched().runners.get(w.runnerId)?.row;
      // A runner killed while parked leaves its poll here with nobody reading it;
      // once its heartbeats have lapsed, stop handing it work.
      if (!runner || runnerState(runner, now) !== "ready") {
        clearTimeout(w.timer);
        w.resolve(ok([]));
        continue;
      }
      const grants = this.tryLease(runner, w.maxTasks, now);
      if (grants.length > 0) {
        clearTimeout(w.timer);
        w.resolve(ok(grants));
      } else remaining.push(w);
    }
    this.waiters = remaining;
  }

  private dropWaiter(runnerId: string): void {
    for (const w of this.waiters.filter((x) => x.runnerId === runnerId)) {
      clearTimeout(w.timer);
      w.resolve(ok([]));
    }
    this.waiters = this.waiters.filter((x) => x.runnerId !== runnerId);
  }

  private scheduleAlarm(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    // The clock offset exists only in tests; the real alarm runs on wall time.
    void this.ctx.storage.setAlarm(at - this.clockOffsetMs);
  }

  private allocation(runnerId: string): { allocated: Record<string, number>; count: number } {
    const st = this.sched();
    let count = 0;
    for (const a of st.active.values()) if (a.runnerId === runnerId) count++;
    return { allocated: st.allocatedOn(runnerId), count };
  }

  private touchRunner(id: string, now: number): void {
    this.sql.exec("UPDATE runners SET last_seen_at = ? WHERE id = ?", now, id);
    this.sched().touchRunner(id, now);
  }

  private taskRow(id: string): TaskRow | undefined {
    return this.sql.exec<TaskRow>("SELECT * FROM tasks WHERE id = ?", id).toArray()[0];
  }

  private runnerRow(id: string): RunnerRow | undefined {
    return this.sql.exec<RunnerRow>("SELECT * FROM runners WHERE id = ?", id).toArray()[0];
  }

  private agentRow(name: string): AgentRow | undefined {
    return this.sql.exec<AgentRow>("SELECT * FROM agents WHERE name = ?", name).toArray()[0];
  }

  private meta(k: string): string | null {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0]?.v ?? null;
  }

  private setMeta(k: string, v: string): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }

  /** Increments a persisted counter and returns the new value. */
  private bump(k: string): number {
    const next = Number(this.meta(k) ?? "0") + 1;
    this.setMeta(k, String(next));
    return next;
  }
}

function staleEpoch(epoch: number, row: TaskRow): Failure {
  return fail("stale_epoch", `lease epoch ${epoch} is no longer current for task "${row.id}"`, { current_epoch: row.epoch, state: row.state });
}
