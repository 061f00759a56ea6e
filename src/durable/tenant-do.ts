// TenantDO — one per tenant. Owns, in its SQLite storage: the tenant's API key
// hashes, agents, runners, tasks with their leases, and the epoch counter that
// fences stale leases. In memory only: parked long-poll requests (lost on
// eviction, which simply drops those connections) and the alarm time it set.
// Placement checks come from the pure `scheduler/fit`; this class loads rows,
// asks, and commits.
import { DurableObject } from "cloudflare:workers";
import { ERROR_STATUS, fail, ok, type Failure, type JsonValue, type Result } from "../api/errors.js";
import type {
  Agent,
  AgentSpec,
  ApprovalAnswer,
  BatchItemAnswer,
  Decide,
  EscalationAction,
  GateDecision,
  HeartbeatAnswer,
  LlmReservation,
  LlmSettled,
  QuotasView,
  RegisterRunner,
  ReportItem,
  ReserveLlm,
  Resources,
  Runner,
  SchedulerView,
  Scope,
  SettleLlm,
  SubmitTask,
  Task,
  TaskError,
  TaskEvents,
  TaskState,
  TaskUsage,
  TenantQuota,
} from "../api/schemas.js";
import { randomHex } from "../auth/keys.js";
import type { Env } from "../env.js";
import { dominantShare } from "../drf/share.js";
import { isolationAffinity, type Requirements } from "../scheduler/fit.js";
import { render, type Family } from "../metrics/prometheus.js";
import { OutputCheck, outputSchemaProblem } from "../schema/output.js";
import { EventLog, type EventType } from "./tenant/events.js";
import { TaskStore } from "./tenant/task-store.js";
import { EffectBatch, type EffectPorts } from "./tenant/effects-runner.js";
import { transition } from "../task/machine.js";
import type { LifecycleEvent } from "../task/events.js";
import { BYTES_BUCKETS, Counters, LATENCY_BUCKETS } from "./tenant/counters.js";
import { SchedulerState } from "./tenant/scheduler-state.js";
import { Placement } from "./tenant/placement.js";
import { Quotas } from "./tenant/quotas.js";
import { AUDIT_TYPES, AuditLog, RUNNER_AUDIT_TYPES, type AuditEntry, type AuditType } from "./tenant/audit.js";
import { Keyring, rateLimitsFrom, type Denied, type KeyInfo, type KeyView } from "./tenant/keyring.js";
import {
  AUDIT_GRACE_MS,
  auditOf,
  capsFrom,
  KEYED_METHODS,
  RULES,
  runnerKeyRule,
  runnerTarget,
  type Caps,
  type RuleName,
} from "./tenant/access.js";
import {
  ACTIVE_STATES,
  FINAL_STATES,
  agentView,
  mergeRetry,
  taskPolicy,
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
  type TaskPolicy,
  type TaskRow,
} from "./tenant/rows.js";
import { migrate } from "./migrate.js";
import { SessionStore, type SealedSession } from "./tenant/sessions.js";
import type { Remote } from "../api/context.js";
import type { AgentDO } from "./agent-do.js";
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

/** Who did it, in the event and audit logs: `key:<id>`, `runner:<id>`, `system`. */
export type Actor = string;
const SYSTEM: Actor = "system";

const ACTIVE_SQL = "('leased', 'running')";
/** States a task deadline applies to: not final, and not waiting on a person. */
const TIMED_SQL = "('queued', 'retry_wait', 'leased', 'running')";
const DEFAULT_LEASE_TTL_MS = 30_000;
/** A runner unseen this long is deleted when another registers, and its credentials revoked (pruneRunners). */
export const RUNNER_RETENTION_MS = 24 * 3600_000;
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
  private readonly events: EventLog;
  private readonly store: TaskStore;
  private readonly counters: Counters;
  /** Earliest deadline of any kind (lease, attempt, task, wake); -Infinity: not known yet. */
  private dueAt = -Infinity;
  /** Inside a batch: pump() and preemption wait until its end (see batched()). */
  private inBatch = false;
  private readonly validators = new Map<string, { spec: string; check: OutputCheck }>();
  /** Parsed agent specs by name (see agent()); putAgent() drops an entry when it writes the row. */
  private readonly agents = new Map<string, { row: AgentRow; stored: StoredAgent }>();
  private readonly audit: AuditLog;
  /** API keys, their rate limits and use (tenant/keyring.ts); tests may set `keyring.limits`. */
  readonly keyring: Keyring;
  /** Per-tenant caps on runners and keys (OFFICEOS_MAX_RUNNERS, OFFICEOS_MAX_KEYS); tests may lower them. */
  caps: Caps;
  private readonly sessions: SessionStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, TENANT_MIGRATIONS);
    this.events = new EventLog(this.sql);
    this.store = new TaskStore(this.sql, this.events);
    this.counters = new Counters(this.sql);
    this.audit = new AuditLog(this.sql);
    this.keyring = new Keyring(this.sql, this.audit, rateLimitsFrom(env as unknown as Record<string, unknown>));
    this.caps = capsFrom(env as unknown as Record<string, unknown>);
    this.sessions = new SessionStore(this.sql);
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private sched(): SchedulerState {
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
  private refreshBudgets(now: number): void {
    const st = this.sched();
    const agents = this.agentQuotas();
    const spent = this.quotas().cpuSpent(agents, now);
    const freed = [...st.budgetSpent.keys()].some((k) => !spent.has(k));
    st.budgetSpent.clear();
    for (const [k, until] of spent) {
      st.budgetSpent.set(k, until);
      this.noteDue(until);
    }
    if (freed) this.pump(now);
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
      this.keyring.create(keyId, keyHash, ["admin"], now, { createdBy: "operator" });
    });
    return ok({ id: tenantId, name });
  }

  /**
   * Checks a key (hash, revocation, expiry) and, with `charge`, takes a request
   * from its rate limit. The Worker calls this when its per-isolate cache does
   * not know the key; every later call goes through `authed`, which checks again.
   */
  authenticate(keyId: string, keyHash: string, charge = true): Result<KeyInfo> {
    const now = this.now();
    const key = this.keyring.check(keyId, keyHash, now);
    if (!key) return fail("unauthorized", "invalid API key");
    if (charge) {
      const denied = this.keyring.charge(key, now);
      if (denied) return fail(denied.code, denied.message, { retry_after_ms: denied.retryAfterMs ?? 1000 });
    }
    return ok(key);
  }

  /**
   * A tenant key's call: the key is checked here, in the same round trip as the
   * work (so a revoked key stops at once even when the Worker's cache still
   * knows it), charged against its rate limit once per HTTP request, held to its
   * own runner when it is a runner key, and the call audited when it changes policy.
   */
  async authed(
    auth: { keyId: string; hash: string; charge: boolean },
    method: string,
    args: unknown[],
  ): Promise<{ kind: "ok"; value: unknown } | ({ kind: "denied" } & Denied) | Failure> {
    const now = this.now();
    const key = this.keyring.check(auth.keyId, auth.hash, now);
    if (!key) return { kind: "denied", code: "unauthorized", message: "invalid API key" };
    if (auth.charge) {
      const denied = this.keyring.charge(key, now);
      if (denied) return { kind: "denied", ...denied };
    }
    if (!KEYED_METHODS.has(method)) return fail("forbidden", `no such operation: ${method}`);
    if (key.scopes.includes("runner") && !key.scopes.includes("admin")) {
      const refused =
        this.actsAsOwnRunner(key, runnerTarget(method, args)) ?? this.runnerRuleRefusal(key, method, args, now);
      if (refused) return refused;
    }
    const actor = `key:${key.id}`;
    const fn = (this as unknown as Record<string, (...a: unknown[]) => unknown>)[method] as (
      ...a: unknown[]
    ) => unknown;
    let value: unknown;
    if (method === "createKey" || method === "revokeKey" || method === "recordAudit" || method === "createSession")
      value = fn.call(this, ...args, actor);
    else value = await fn.call(this, ...args);
    const r = value as Result<unknown> | undefined;
    if (r && typeof r === "object" && "kind" in r && r.kind === "ok") {
      if (method === "registerRunner")
        this.sql.exec("UPDATE runners SET registered_by = ? WHERE id = ?", key.id, (r.value as Runner).id);
      const a = auditOf(method, args, r.value);
      if (a) this.audit.append(now, a.type, actor, a.subject, a.details);
    }
    return { kind: "ok", value };
  }

  /** A runner key acts only as a runner it registered, or the one its credential is bound to. */
  private actsAsOwnRunner(key: KeyInfo, target: ReturnType<typeof runnerTarget>): Failure | null {
    if (!target) return null;
    let runnerId: string | null;
    if ("runner" in target) runnerId = target.runner;
    else if ("reservation" in target)
      runnerId =
        this.sql
          .exec<{ runner_id: string | null }>(
            "SELECT runner_id FROM quota_reservations WHERE id = ?",
            target.reservation,
          )
          .toArray()[0]?.runner_id ?? null;
    else
      runnerId =
        this.sql
          .exec<{ runner_id: string | null }>("SELECT runner_id FROM tasks WHERE id = ?", target.task)
          .toArray()[0]?.runner_id ?? null;
    if (runnerId === null) return null;
    if (key.runner_id !== null)
      return key.runner_id === runnerId
        ? null
        : fail("forbidden", `this credential belongs to runner "${key.runner_id}", not "${runnerId}"`);
    const by = this.sql
      .exec<{ registered_by: string | null }>("SELECT registered_by FROM runners WHERE id = ?", runnerId)
      .toArray()[0];
    if (!by) return null; // no such runner: the call itself answers 404
    return by.registered_by === key.id
      ? null
      : fail("forbidden", `runner "${runnerId}" was not registered with this key`);
  }

  /** The control-plane rules (tenant/access.ts RULES) a non-admin runner key's call breaks, as a 403 naming the rule. */
  private runnerRuleRefusal(key: KeyInfo, method: string, args: unknown[], now: number): Failure | null {
    const refuse = (rule: RuleName): Failure => fail("forbidden", `${RULES[rule]} (rule ${rule})`, { rule });
    const rule = runnerKeyRule(key, method, args);
    if (rule) return refuse(rule);
    if (method === "createKey") {
      const runnerId = (args[3] as { runner_id: string }).runner_id;
      const by = this.sql
        .exec<{ registered_by: string | null }>("SELECT registered_by FROM runners WHERE id = ?", runnerId)
        .toArray()[0];
      if (!by || by.registered_by !== key.id || this.keyring.liveBoundTo(runnerId, now) > 0)
        return refuse("runner_key_own_credential_only");
    }
    if (method === "recordAudit") {
      const taskId = (args[0] as { task_id: string }).task_id;
      const t = this.sql
        .exec<{ runner_id: string | null; state: string; updated_at: number }>(
          "SELECT runner_id, state, updated_at FROM tasks WHERE id = ?",
          taskId,
        )
        .toArray()[0];
      const held =
        t !== undefined &&
        t.runner_id !== null &&
        (ACTIVE_STATES.includes(t.state as TaskState) || t.updated_at >= now - AUDIT_GRACE_MS);
      if (!held || this.actsAsOwnRunner(key, { runner: t.runner_id as string }))
        return refuse("runner_audits_held_tasks");
    }
    return null;
  }

  createKey(
    keyId: string,
    keyHash: string,
    scopes: Scope[],
    opts: { expires_at?: number; runner_id?: string; name?: string } = {},
    actor = SYSTEM,
  ): Result<{ id: string; scopes: Scope[]; expires_at?: string; runner_id?: string }> {
    const now = this.now();
    if (opts.expires_at !== undefined && opts.expires_at <= now)
      return fail("bad_request", "expires_at is in the past");
    if (opts.runner_id !== undefined && !this.runnerRow(opts.runner_id))
      return fail("not_found", `runner "${opts.runner_id}" not found`);
    // Runner credentials are held to one per runner by the runner cap; every other key counts here.
    const live = this.keyring.liveUnbound(now);
    if (opts.runner_id === undefined && live >= this.caps.keys)
      return fail(
        "conflict",
        `the tenant has ${live} active keys, its cap (OFFICEOS_MAX_KEYS = ${this.caps.keys}): revoke one first`,
        { cap: "OFFICEOS_MAX_KEYS", limit: this.caps.keys },
      );
    const k = this.keyring.create(keyId, keyHash, scopes, now, {
      expiresAt: opts.expires_at ?? null,
      runnerId: opts.runner_id ?? null,
      name: opts.name ?? null,
      createdBy: actor,
    });
    return ok({
      id: k.id,
      scopes: k.scopes,
      ...(k.expires_at !== null ? { expires_at: iso(k.expires_at) } : {}),
      ...(k.runner_id !== null ? { runner_id: k.runner_id } : {}),
    });
  }

  listKeys(): Result<{ keys: KeyView[] }> {
    return ok({ keys: this.keyring.list(this.now()) });
  }

  revokeKey(keyId: string, actor = SYSTEM): Result<KeyView> {
    const r = this.keyring.revoke(keyId, this.now(), actor);
    if (r.kind === "ok") this.sessions.endForKey(keyId);
    return r;
  }

  // ---- dashboard sessions (tenant/sessions.ts) --------------------------------
  // createSession is a keyed call (the signed-in key, through authed); openSession and
  // endSession are called by the dashboard with the session id alone, which proves them.

  createSession(id: string, sealed: Uint8Array, iv: Uint8Array, actor: Actor = SYSTEM): Result<{ expires_at: number }> {
    if (!actor.startsWith("key:")) return fail("forbidden", "a dashboard session belongs to a key");
    return ok({ expires_at: this.sessions.create(id, { keyId: actor.slice(4), sealed, iv }, this.now()).expiresAt });
  }

  openSession(id: string): Result<SealedSession> {
    return this.sessions.open(id, this.now());
  }

  endSession(id: string): Result<{ ended: boolean }> {
    return ok({ ended: this.sessions.end(id) });
  }

  listAudit(q: {
    type?: AuditType | undefined;
    cursor?: string | undefined;
    limit?: number | undefined;
  }): Result<{ events: AuditEntry[]; next_cursor?: string }> {
    this.keyring.flushUsage();
    const before = q.cursor !== undefined ? Number(q.cursor) : undefined;
    if (before !== undefined && !Number.isSafeInteger(before))
      return fail("bad_request", "cursor is not one this API gave");
    return ok(this.audit.list({ type: q.type, before, limit: q.limit ?? 100 }));
  }

  /** Events a runner reports (a denied tool call); only tool events, only for this tenant. */
  recordAudit(
    e: { type: AuditType; task_id?: string | undefined; details?: Record<string, JsonValue> | undefined },
    actor = SYSTEM,
  ): Result<null> {
    if (!(RUNNER_AUDIT_TYPES as readonly string[]).includes(e.type))
      return fail("forbidden", `runners report tool, runtime-API and egress events only, not ${e.type}`);
    if (!AUDIT_TYPES.includes(e.type)) return fail("bad_request", "unknown audit type");
    this.audit.append(this.now(), e.type, actor, e.task_id ?? null, e.details);
    return ok(null);
  }

  /** The tenant's lease-token key (32 random bytes, hex), made on first use. */
  leaseSecret(): string {
    let s = this.meta("lease_secret");
    if (s === null) {
      s = randomHex(32);
      this.setMeta("lease_secret", s);
    }
    return s;
  }

  // ---- agents --------------------------------------------------------------

  putAgent(name: string, spec: AgentSpec): Result<Agent> {
    const stored = normalizeAgentSpec(spec);
    if (stored.output_schema !== undefined) {
      const bad = outputSchemaProblem(stored.output_schema);
      if (bad) return fail("bad_request", `output_schema is not a usable JSON Schema: ${bad}`);
    }
    if (stored.retry.backoff.max_ms < stored.retry.backoff.initial_ms)
      return fail("bad_request", "retry.backoff.max_ms must be at least retry.backoff.initial_ms");
    const now = this.now();
    this.sql.exec(
      "INSERT INTO agents (name, spec, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at",
      name,
      JSON.stringify(stored),
      now,
    );
    this.agents.delete(name);
    this.sched().setWeight(name, stored.weight);
    this.sched().setCap(name, stored.quota.concurrent_runs);
    this.refreshBudgets(now);
    this.pump(now);
    return ok(agentView({ name, spec: JSON.stringify(stored), updated_at: now }));
  }

  getAgent(name: string): Result<Agent> {
    const row = this.agent(name)?.row;
    return row ? ok(agentView(row)) : fail("not_found", `agent "${name}" is not registered`);
  }

  listAgents(): Result<Agent[]> {
    return ok(this.sql.exec<AgentRow>("SELECT * FROM agents ORDER BY name").toArray().map(agentView));
  }

  // ---- runners -------------------------------------------------------------

  registerRunner(body: RegisterRunner): Result<Runner> {
    const now = this.now();
    this.pruneRunners(now);
    const count = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM runners").one().n;
    if (count >= this.caps.runners)
      return fail(
        "conflict",
        `the tenant has ${count} runners, its cap (OFFICEOS_MAX_RUNNERS = ${this.caps.runners}): drain and remove one first`,
        { cap: "OFFICEOS_MAX_RUNNERS", limit: this.caps.runners },
      );
    const id = `run_${randomHex(8)}`;
    const agents = body.agents ? JSON.stringify([...new Set(body.agents)].sort()) : null;
    this.sql.exec(
      "INSERT INTO runners (id, name, capacity, labels, capabilities, agents, taints, lease_ttl_ms, registered_at, last_seen_at, health) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
      body.health !== undefined ? JSON.stringify(body.health) : null,
    );
    this.sched().upsertRunner(this.runnerRow(id) as RunnerRow);
    return this.getRunner(id);
  }

  /**
   * Deletes runners unseen for RUNNER_RETENTION_MS (dead, or drained and gone) that hold no lease,
   * and revokes the credentials bound to them. Runs when a runner registers, the only call that adds
   * rows, so a fleet whose runners restart under new ids keeps a bounded table (and scheduler index).
   */
  private pruneRunners(now: number): void {
    this.tick(now); // expired leases are requeued first, so a dead runner holds none
    const gone = this.sql
      .exec<{ id: string }>(
        `SELECT id FROM runners WHERE last_seen_at < ? AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.runner_id = runners.id AND tasks.state IN ${ACTIVE_SQL})`,
        now - RUNNER_RETENTION_MS,
      )
      .toArray();
    for (const { id } of gone) {
      this.sql.exec("DELETE FROM runners WHERE id = ?", id);
      this.sched().removeRunner(id);
      this.dropWaiter(id);
      this.keyring.revokeBoundTo(id, now, SYSTEM);
    }
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
    this.tick(now);
    const runner = this.runnerRow(runnerId);
    if (!runner) return fail("not_found", `runner "${runnerId}" not found`);
    if (runner.draining) return fail("conflict", `runner "${runnerId}" is draining`);
    this.touchRunner(runnerId, now);
    // A runner whose self-check fails gets no work; it waits out the poll so as not to spin.
    if (runnerState(runner, now) === "not_ready")
      return new Promise((resolve) => setTimeout(() => resolve(ok([])), waitMs));
    const grants = this.counters.batch(() => this.tryLease(runner, maxTasks, now));
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

  heartbeat(
    runnerId: string,
    leases: { task_id: string; epoch: number }[],
    health?: Runner["health"],
  ): Result<HeartbeatAnswer> {
    const now = this.now();
    this.tick(now);
    const runner = this.runnerRow(runnerId);
    if (!runner) return fail("not_found", `runner "${runnerId}" not found`);
    this.touchRunner(runnerId, now);
    if (health !== undefined) {
      const text = JSON.stringify(health);
      if (text !== runner.health) {
        this.sql.exec("UPDATE runners SET health = ? WHERE id = ?", text, runnerId);
        this.sched().upsertRunner(this.runnerRow(runnerId) as RunnerRow);
        if (health.ready && runner.health !== null) this.pump(now);
      }
    }
    const expires = now + runner.lease_ttl_ms;
    const cancel: string[] = [];
    const preempt: string[] = [];
    const batch = new EffectBatch();
    this.ctx.storage.transactionSync(() => {
      for (const l of leases) {
        const row = this.store.load(l.task_id);
        const ev = { kind: "heartbeat", runnerId, epoch: l.epoch, leaseTtlMs: runner.lease_ttl_ms } as const;
        const t = row && transition(row, ev, now);
        const after = t?.kind === "ok" ? this.store.commit(l.task_id, t, now) : null;
        if (!after || t?.kind !== "ok") {
          cancel.push(l.task_id);
          continue;
        }
        batch.add(l.task_id, t.effects);
        if (after.preempt_requested) preempt.push(l.task_id);
      }
    });
    batch.run(this.effectPorts(now));
    this.maybePreempt(now);
    return ok({ expires_at: iso(expires), cancel, preempt });
  }

  // ---- tasks ---------------------------------------------------------------

  submit(req: SubmitTask, actor: Actor = SYSTEM): Result<{ task: Task; created: boolean }> {
    const now = this.now();
    this.tick(now);
    const agent: StoredAgent | undefined = this.agent(req.agent)?.stored;
    if (!agent) return fail("not_found", `agent "${req.agent}" is not registered`);
    const input = req.input ?? null;
    const request = stableStringify({
      agent: req.agent,
      input,
      priority: req.priority ?? 0,
      instance: req.instance ?? null,
      node_selector: req.node_selector ?? {},
      retry: req.retry ?? null,
      timeouts: req.timeouts ?? null,
    });
    if (req.idempotency_key !== undefined) {
      const prior = this.sql
        .exec<TaskRow>("SELECT * FROM tasks WHERE idempotency_key = ?", req.idempotency_key)
        .toArray()[0];
      if (prior) {
        if (prior.request !== request)
          return fail("conflict", "idempotency key was used for a different request", { task_id: prior.id });
        return ok({ task: taskView(prior), created: false });
      }
    }
    for (const [k, v] of Object.entries(req.node_selector ?? {})) {
      const fixed = agent.node_selector[k];
      if (fixed !== undefined && fixed !== v)
        return fail(
          "bad_request",
          `node_selector ${k}=${v} contradicts agent "${req.agent}" which requires ${k}=${fixed}`,
        );
    }
    const requirements: Requirements = {
      resources: agent.resources,
      capabilities: agent.capabilities,
      nodeSelector: { ...agent.node_selector, ...req.node_selector },
      affinity: [...agent.node_affinity, ...isolationAffinity(agent.isolation)],
      tolerations: agent.tolerations,
    };
    const policy: TaskPolicy = {
      retry: mergeRetry(req.retry, agent.retry),
      timeouts: { ...agent.timeouts, ...req.timeouts },
      approvals: agent.approvals,
      escalation: agent.escalation,
    };
    if (policy.retry.backoff.max_ms < policy.retry.backoff.initial_ms)
      return fail("bad_request", "retry.backoff.max_ms must be at least retry.backoff.initial_ms");
    const deadline = policy.timeouts.task_ms !== undefined ? now + policy.timeouts.task_ms : null;
    const id = `task_${randomHex(10)}`;
    const seq = this.bump("task_seq");
    // Inserted with its first event's seq taken (event_seq 1), and read back in the same statement.
    const row = this.sql
      .exec<TaskRow>(
        `INSERT INTO tasks (id, seq, agent, input, priority, instance, state, max_attempts, requirements, idempotency_key, request, created_at, updated_at, queued_at, preemptible, policy, deadline_at, event_seq)
       VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING *`,
        id,
        seq,
        req.agent,
        JSON.stringify(input),
        req.priority ?? 0,
        req.instance ?? id,
        policy.retry.max_attempts,
        JSON.stringify(requirements),
        req.idempotency_key ?? null,
        request,
        now,
        now,
        now,
        agent.preemptible ? 1 : 0,
        JSON.stringify(policy),
        deadline,
      )
      .one();
    this.events.appendAt(id, 1, now, "submitted", actor, "queued", { priority: req.priority ?? 0 });
    this.counters.inc("officeos_tasks_submitted_total", { agent: req.agent });
    if (deadline !== null) this.noteDue(deadline);
    this.sched().onQueued(row);
    // Outside a batch a parked poll may take the task at once: answer with the row as it is then.
    if (this.inBatch) return ok({ task: taskView(row), created: true });
    this.pump(now);
    this.maybePreempt(now);
    return ok({ task: taskView(this.taskRow(id) as TaskRow), created: true });
  }

  getTask(id: string): Result<Task> {
    this.tick(this.now());
    const row = this.taskRow(id);
    return row ? ok(taskView(row)) : fail("not_found", `task "${id}" not found`);
  }

  listTasks(q: TaskListQuery): Result<{ tasks: Task[]; next_cursor?: string }> {
    this.tick(this.now());
    const limit = q.limit ?? 50;
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.state) where.push("state = ?"), args.push(q.state);
    if (q.agent) where.push("agent = ?"), args.push(q.agent);
    if (q.cursor) where.push("seq < ?"), args.push(Number(q.cursor));
    const sqlText = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
    const rows = this.sql.exec<TaskRow>(sqlText, ...args, limit + 1).toArray();
    const page = rows.slice(0, limit);
    const out: { tasks: Task[]; next_cursor?: string } = { tasks: page.map(taskView) };
    if (rows.length > limit) out.next_cursor = String(page[page.length - 1]?.seq);
    return ok(out);
  }

  cancel(id: string, actor: Actor = SYSTEM): Result<Task> {
    const now = this.now();
    this.tick(now);
    const row = this.taskRow(id);
    if (!row) return fail("not_found", `task "${id}" not found`);
    if (FINAL_STATES.includes(row.state) && row.state !== "escalated")
      return fail("conflict", `task is already ${row.state}`);
    if (!this.settleNow(row, { kind: "cancel", actor }, now)) return fail("conflict", `task is already ${row.state}`);
    return ok(taskView(this.taskRow(id) as TaskRow));
  }

  /** Fencing for a checkpoint write: the lease must be current. Marks the task running. */
  checkLease(taskId: string, epoch: number): Result<{ instance: string }> {
    const now = this.now();
    const r = this.activeLease(taskId, epoch, now);
    if (r.kind === "error") return r;
    if (r.value.state === "leased") {
      const t = transition(r.value, { kind: "checkpoint", epoch }, now);
      if (t.kind === "ok" && this.store.commit(taskId, t, now)) {
        const batch = new EffectBatch();
        batch.add(taskId, t.effects);
        batch.run(this.effectPorts(now));
      }
    }
    return ok({ instance: r.value.instance });
  }

  /** A checkpoint landed: the task's latest seq, and its size and write time for the metrics. */
  recordCheckpoint(
    taskId: string,
    epoch: number,
    seq: number,
    stats?: { bytes: number; ms: number; kind: "full" | "delta" },
  ): void {
    const now = this.now();
    const row = this.sql
      .exec<{ agent: string }>(
        "UPDATE tasks SET checkpoint_seq = ?, checkpoint_at = ? WHERE id = ? AND epoch = ? AND COALESCE(checkpoint_seq, 0) < ? RETURNING agent",
        seq,
        now,
        taskId,
        epoch,
        seq,
      )
      .toArray()[0];
    const info = this.sched().active.get(taskId);
    if (info) info.checkpointAtMs = now;
    if (row && stats) {
      this.counters.inc("officeos_checkpoints_total", { agent: row.agent, kind: stats.kind });
      this.counters.inc("officeos_checkpoint_bytes_total", { agent: row.agent }, stats.bytes);
      this.counters.observe("officeos_checkpoint_size_bytes", BYTES_BUCKETS, stats.bytes);
      this.counters.observe("officeos_checkpoint_write_seconds", LATENCY_BUCKETS, stats.ms / 1000);
    }
  }

  /** Per agent: weight, dominant resource and share, queued and running counts. */
  scheduler(): Result<SchedulerView> {
    const now = this.now();
    this.tick(now);
    const st = this.sched();
    const capacity = st.capacity(now);
    const queued = st.index.queuedByAgent();
    const names = new Set([...st.accounts.keys(), ...queued.keys()]);
    const agents = [...names].sort().map((agent) => {
      const acc = st.account(agent);
      const d = dominantShare(acc.allocated, capacity, acc.weight);
      return {
        agent,
        weight: acc.weight,
        dominant_resource: d.resource,
        dominant_share: d.share,
        allocated: acc.allocated,
        queued: queued.get(agent) ?? 0,
        running: acc.running,
      };
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

  // ---- batches: one RPC, each item exactly as its single call ------------------

  /**
   * Many submits in one call. Each item goes through submit() as it is (its own
   * validation, its own idempotency key) and is answered on its own; parked
   * polls are served and preemption looked at once, after the last item.
   */
  submitBatch(reqs: SubmitTask[], actor: Actor = SYSTEM): Result<{ items: BatchItemAnswer[] }> {
    return ok({
      items: this.batched(() =>
        reqs.map((req) =>
          itemAnswer(this.submit(req, actor), (v) => ({ status: v.created ? 201 : 200, task: v.task })),
        ),
      ),
    });
  }

  /**
   * A runner's outcomes in one call: complete, fail or release, each fenced by
   * its epoch exactly as the single calls (usage recorded first, as they do),
   * and refused on its own when stale. A task leased to another runner is refused too.
   */
  report(runnerId: string, items: ReportItem[]): Result<{ items: (BatchItemAnswer & { task_id: string })[] }> {
    const now = this.now();
    this.tick(now);
    if (!this.runnerRow(runnerId)) return fail("not_found", `runner "${runnerId}" not found`);
    this.touchRunner(runnerId, now);
    const batch = new EffectBatch();
    const answers = this.batched(() => {
      const out = items.map((it) => {
        const held = this.sql
          .exec<{ runner_id: string | null; epoch: number | null }>(
            "SELECT runner_id, epoch FROM tasks WHERE id = ?",
            it.task_id,
          )
          .toArray()[0];
        let r: Result<Task>;
        if (held && held.epoch === it.epoch && held.runner_id !== runnerId)
          r = fail("conflict", `task "${it.task_id}" is leased to another runner`);
        else {
          const usage = it.outcome !== "release" ? it.usage : undefined;
          const u = usage ? this.recordUsage(it.task_id, it.epoch, usage) : ok(null);
          if (u.kind === "error") r = u;
          else if (it.outcome === "complete")
            r = this.finish(it.task_id, it.epoch, { kind: "succeeded", result: it.result ?? null }, batch);
          else if (it.outcome === "fail")
            r = this.finish(
              it.task_id,
              it.epoch,
              { kind: "failed", error: it.error, retryable: it.retryable ?? true },
              batch,
            );
          else r = this.finish(it.task_id, it.epoch, { kind: "released" }, batch);
        }
        return { task_id: it.task_id, ...itemAnswer(r, (task) => ({ status: 200, task })) };
      });
      // The effects of every item once, after the last (parked polls and preemption after batched()).
      batch.run(this.effectPorts(this.now()));
      return out;
    });
    return ok({ items: answers });
  }

  /** Runs a batch with pump() and preemption held back, then does each once. */
  private batched<T>(run: () => T): T {
    return this.counters.batch(() => {
      this.inBatch = true;
      try {
        return run();
      } finally {
        this.inBatch = false;
        const now = this.now();
        this.pump(now);
        this.maybePreempt(now);
      }
    });
  }

  // ---- the event log --------------------------------------------------------

  /** Events after `after`; with `waitMs`, waits that long for the first one if none is there yet. */
  async taskEvents(taskId: string, after: number, limit: number, waitMs: number): Promise<Result<TaskEvents>> {
    this.tick(this.now());
    if (!this.taskRow(taskId)) return fail("not_found", `task "${taskId}" not found`);
    let events = this.events.list(taskId, after, limit);
    if (events.length === 0 && waitMs > 0) {
      await this.events.wait(taskId, waitMs);
      events = this.events.list(taskId, after, limit);
    }
    return ok({ events, next: events.length > 0 ? (events[events.length - 1]?.seq ?? after) : after });
  }

  // ---- people in the loop: escalations -----------------------------------------

  listEscalations(): Result<{
    escalations: { task: Task; reason: TaskError; escalated_at: string; deadline_at?: string }[];
  }> {
    this.tick(this.now());
    const rows = this.sql
      .exec<TaskRow>("SELECT * FROM tasks WHERE state = 'escalated' ORDER BY updated_at, seq LIMIT 500")
      .toArray();
    return ok({
      escalations: rows.map((r) => {
        const task = taskView(r);
        const e = task.escalation ?? {
          reason: task.error ?? { code: "escalated", message: "" },
          escalated_at: task.updated_at,
        };
        return {
          task,
          reason: e.reason,
          escalated_at: e.escalated_at,
          ...(e.deadline_at ? { deadline_at: e.deadline_at } : {}),
        };
      }),
    });
  }

  /** Before a person's retry with an edited state: an epoch above every lease so far, to write that state with. */
  escalationEpoch(taskId: string): Result<{ epoch: number; instance: string }> {
    this.tick(this.now());
    const row = this.taskRow(taskId);
    if (!row) return fail("not_found", `task "${taskId}" not found`);
    if (row.state !== "escalated") return fail("conflict", `task is ${row.state}, not escalated`, { state: row.state });
    return ok({ epoch: this.bump("epoch"), instance: row.instance });
  }

  actOnEscalation(taskId: string, a: EscalationAction, actor: Actor): Result<Task> {
    const now = this.now();
    this.tick(now);
    const row = this.taskRow(taskId);
    if (!row) return fail("not_found", `task "${taskId}" not found`);
    if (row.state !== "escalated") return fail("conflict", `task is ${row.state}, not escalated`, { state: row.state });
    const comment = a.comment;
    const ev: LifecycleEvent =
      a.action === "resolve"
        ? { kind: "person_resolve", result: JSON.stringify(a.result ?? null), comment, actor }
        : a.action === "cancel"
          ? { kind: "person_cancel", comment, actor }
          : {
              kind: "person_retry",
              input: a.input !== undefined ? JSON.stringify(a.input) : undefined,
              stateEdited: a.state !== undefined || undefined,
              comment,
              actor,
            };
    if (!this.settleNow(row, ev, now))
      return fail("conflict", `task is ${row.state}, not escalated`, { state: row.state });
    return ok(taskView(this.taskRow(taskId) as TaskRow));
  }

  // ---- people in the loop: approval gates ----------------------------------------

  /**
   * The agent stops at a gate. A decision already taken for it (answered ahead,
   * or before a crash) comes back at once; otherwise the attempt ends without
   * being charged, the runner's resources free up, and the task waits.
   */
  requestApproval(
    taskId: string,
    epoch: number,
    gate: string,
    message?: string,
    details?: JsonValue,
  ): Result<ApprovalAnswer> {
    const now = this.now();
    const r = this.activeLease(taskId, epoch, now);
    if (r.kind === "error") return r;
    const row = r.value;
    const decided = decisions(row)[gate];
    if (decided) return ok({ state: "decided", decision: decided, task: taskView(row) });
    const policy = taskPolicy(row);
    const deadline = policy.approvals.timeout_ms !== null ? now + policy.approvals.timeout_ms : null;
    const pending = {
      gate,
      ...(message !== undefined ? { message } : {}),
      ...(details !== undefined ? { details } : {}),
      requested_at: iso(now),
      ...(deadline !== null ? { deadline_at: iso(deadline) } : {}),
    };
    this.sql.exec(
      `UPDATE tasks SET state = 'awaiting_approval', attempts = MAX(0, attempts - 1), lease_id = NULL, lease_expires_at = NULL, attempt_deadline_at = NULL,
         preempt_requested = 0, gate = ?, wake_at = ?, updated_at = ? WHERE id = ?`,
      JSON.stringify(pending),
      deadline,
      now,
      taskId,
    );
    this.sched().onEnded(taskId);
    this.counters.inc("officeos_approvals_requested_total", { agent: row.agent });
    this.events.append(taskId, now, "approval_requested", `runner:${row.runner_id ?? "?"}`, "awaiting_approval", {
      gate,
      message,
    });
    if (deadline !== null) this.noteDue(deadline);
    this.retainParked(row.instance, deadline, now);
    this.pump(now);
    return ok({ state: "awaiting_approval", task: taskView(this.taskRow(taskId) as TaskRow) });
  }

  listApprovals(): Result<{
    approvals: {
      task: Task;
      gate: string;
      message?: string;
      details?: JsonValue;
      requested_at: string;
      deadline_at?: string;
    }[];
  }> {
    this.tick(this.now());
    const rows = this.sql
      .exec<TaskRow>("SELECT * FROM tasks WHERE state = 'awaiting_approval' ORDER BY updated_at, seq LIMIT 500")
      .toArray();
    return ok({
      approvals: rows.map((r) => {
        const task = taskView(r);
        const g = task.gate ?? { gate: "", requested_at: task.updated_at };
        return { task, ...g };
      }),
    });
  }

  /**
   * A person's answer. On a waiting task it resumes the task; with `gate` named
   * on a task that has not reached it yet, it is kept and the gate passes at
   * once when reached (so an answer that arrives first is never lost).
   */
  decide(taskId: string, d: Decide, actor: Actor): Result<Task> {
    const now = this.now();
    this.tick(now);
    const row = this.taskRow(taskId);
    if (!row) return fail("not_found", `task "${taskId}" not found`);
    const answer = { decision: d.decision, ...(d.comment !== undefined ? { comment: d.comment } : {}) };
    if (row.state === "awaiting_approval") {
      const waiting = (JSON.parse(row.gate ?? "{}") as { gate?: string }).gate ?? "";
      if (d.gate !== undefined && d.gate !== waiting)
        return fail("conflict", `task waits at gate "${waiting}", not "${d.gate}"`, { gate: waiting });
      this.answerGate(row, waiting, answer, actor, now);
    } else {
      if (d.gate === undefined)
        return fail("conflict", `task is ${row.state}, not awaiting approval; name the gate to decide it ahead`, {
          state: row.state,
        });
      if (FINAL_STATES.includes(row.state))
        return fail("conflict", `task is already ${row.state}`, { state: row.state });
      const all = decisions(row);
      const prior = all[d.gate];
      if (prior)
        return fail("conflict", `gate "${d.gate}" is already decided`, {
          decision: prior.decision,
          by: prior.by,
          at: prior.at,
        });
      all[d.gate] = { ...answer, by: actor, at: iso(now) };
      this.sql.exec("UPDATE tasks SET approvals = ?, updated_at = ? WHERE id = ?", JSON.stringify(all), now, taskId);
      this.events.append(taskId, now, d.decision === "approve" ? "approved" : "rejected", actor, null, {
        gate: d.gate,
        comment: d.comment,
        ahead: true,
      });
    }
    return ok(taskView(this.taskRow(taskId) as TaskRow));
  }

  private answerGate(
    row: TaskRow,
    gate: string,
    answer: { decision: "approve" | "reject"; comment?: string },
    actor: Actor,
    now: number,
  ): void {
    const all = decisions(row);
    all[gate] = { ...answer, by: actor, at: iso(now) };
    this.requeue(
      row,
      now,
      actor,
      answer.decision === "approve" ? "approved" : "rejected",
      { gate, comment: answer.comment },
      { approvals: JSON.stringify(all) },
    );
  }

  // ---- metrics -----------------------------------------------------------------

  /** The tenant's metrics in Prometheus text format. */
  metrics(): string {
    const now = this.now();
    this.tick(now);
    const c = this.counters;
    const tasks = this.sql
      .exec<{ agent: string; state: string; n: number }>(
        "SELECT agent, state, COUNT(*) AS n FROM tasks GROUP BY agent, state ORDER BY agent, state",
      )
      .toArray();
    const depth = this.sql
      .exec<{ agent: string; priority: number; n: number }>(
        "SELECT agent, priority, COUNT(*) AS n FROM tasks WHERE state = 'queued' GROUP BY agent, priority ORDER BY agent, priority",
      )
      .toArray();
    const runners = new Map<string, number>([
      ["ready", 0],
      ["not_ready", 0],
      ["draining", 0],
      ["dead", 0],
    ]);
    for (const r of this.sql.exec<RunnerRow>("SELECT * FROM runners").toArray()) {
      const st = runnerState(r, now);
      runners.set(st, (runners.get(st) ?? 0) + 1);
    }
    const waiting = (state: string): number => tasks.filter((t) => t.state === state).reduce((a, t) => a + t.n, 0);
    const families: Family[] = [
      {
        name: "officeos_tasks",
        help: "Tasks by agent and state.",
        type: "gauge",
        samples: tasks.map((t) => ({ labels: { agent: t.agent, state: t.state }, value: t.n })),
      },
      {
        name: "officeos_queue_depth",
        help: "Queued tasks by agent and priority: the backlog to scale runners on.",
        type: "gauge",
        samples: depth.map((d) => ({ labels: { agent: d.agent, priority: String(d.priority) }, value: d.n })),
      },
      {
        name: "officeos_runners",
        help: "Runners by state.",
        type: "gauge",
        samples: [...runners].map(([state, n]) => ({ labels: { state }, value: n })),
      },
      {
        name: "officeos_approvals_waiting",
        help: "Tasks waiting at an approval gate.",
        type: "gauge",
        samples: [{ value: waiting("awaiting_approval") }],
      },
      {
        name: "officeos_escalations_open",
        help: "Escalated tasks waiting for a person.",
        type: "gauge",
        samples: [{ value: waiting("escalated") }],
      },
      {
        name: "officeos_tasks_submitted_total",
        help: "Tasks submitted.",
        type: "counter",
        samples: c.samples("officeos_tasks_submitted_total"),
      },
      {
        name: "officeos_tasks_finished_total",
        help: "Tasks that ended, by final state.",
        type: "counter",
        samples: c.samples("officeos_tasks_finished_total"),
      },
      {
        name: "officeos_attempts_failed_total",
        help: "Failed attempts by error code (lease expiry included).",
        type: "counter",
        samples: c.samples("officeos_attempts_failed_total"),
      },
      {
        name: "officeos_retries_total",
        help: "Attempts retried by the retry policy.",
        type: "counter",
        samples: c.samples("officeos_retries_total"),
      },
      {
        name: "officeos_lease_expiries_total",
        help: "Leases that expired without a heartbeat.",
        type: "counter",
        samples: c.samples("officeos_lease_expiries_total"),
      },
      {
        name: "officeos_escalations_total",
        help: "Tasks escalated to a person.",
        type: "counter",
        samples: c.samples("officeos_escalations_total"),
      },
      {
        name: "officeos_approvals_requested_total",
        help: "Approval gates reached.",
        type: "counter",
        samples: c.samples("officeos_approvals_requested_total"),
      },
      {
        name: "officeos_checkpoints_total",
        help: "Checkpoints stored, by kind.",
        type: "counter",
        samples: c.samples("officeos_checkpoints_total"),
      },
      {
        name: "officeos_checkpoint_bytes_total",
        help: "Encoded checkpoint bytes stored.",
        type: "counter",
        samples: c.samples("officeos_checkpoint_bytes_total"),
      },
      {
        name: "officeos_quota_throttled_total",
        help: "LLM reservations refused (429) by a quota bucket.",
        type: "counter",
        samples: this.sql
          .exec<{ scope: string; key: string; kind: string; throttled: number }>(
            "SELECT scope, key, kind, throttled FROM quota_buckets ORDER BY scope, key, kind",
          )
          .toArray()
          .map((b) => ({ labels: { scope: b.scope, key: b.key, kind: b.kind }, value: b.throttled })),
      },
      {
        name: "officeos_schedule_to_start_seconds",
        help: "From queued to leased, per lease.",
        type: "histogram",
        samples: c.histogram("officeos_schedule_to_start_seconds", LATENCY_BUCKETS),
      },
      {
        name: "officeos_checkpoint_size_bytes",
        help: "Encoded size of each stored checkpoint.",
        type: "histogram",
        samples: c.histogram("officeos_checkpoint_size_bytes", BYTES_BUCKETS),
      },
      {
        name: "officeos_checkpoint_write_seconds",
        help: "Checkpoint write time in the agent's Durable Object.",
        type: "histogram",
        samples: c.histogram("officeos_checkpoint_write_seconds", LATENCY_BUCKETS),
      },
    ];
    return render(families);
  }

  // ---- quotas (logic in tenant/quotas.ts) ---------------------------------------

  putTenantQuota(q: TenantQuota): Result<TenantQuota> {
    this.quotas().setTenantQuota(q);
    this.sched().tenantCap = q.concurrent_runs ?? null;
    this.refreshBudgets(this.now());
    this.pump(this.now());
    return ok(q);
  }

  getQuotas(): Result<QuotasView> {
    const now = this.now();
    this.tick(now);
    const agents = this.agentQuotas().map((a) => ({ ...a, running: this.sched().accounts.get(a.name)?.running ?? 0 }));
    return ok(this.quotas().view(agents, this.sched().active.size, now));
  }

  /** Only the holder of the task's live lease may spend its agent's LLM quota. */
  reserveLlm(req: ReserveLlm): Result<LlmReservation> {
    const now = this.now();
    const lease = this.activeLease(req.task_id, req.epoch, now);
    if (lease.kind === "error") return lease;
    const quota = this.agent(lease.value.agent)?.stored.quota ?? {};
    const q = {
      taskId: req.task_id,
      runnerId: lease.value.runner_id,
      agent: lease.value.agent,
      instance: lease.value.instance,
      tokens: req.tokens,
      requests: req.requests ?? 1,
      maxWaitMs: req.max_wait_ms ?? 0,
    };
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
    // Only when a CPU budget applies to this agent or the tenant: the refresh reads every agent.
    if (
      usage.cpu_seconds &&
      (this.agent(r.value.agent)?.stored.quota.daily?.cpu_seconds !== undefined ||
        this.quotas().tenantQuota().daily?.cpu_seconds !== undefined)
    )
      this.refreshBudgets(this.now());
    return ok(null);
  }

  private quotas(): Quotas {
    return new Quotas(this.sql);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    this.dueAt = -Infinity;
    this.tick(this.now());
  }

  // ---- internals -------------------------------------------------------------

  /** Ends an attempt; with `batch` (a report) its effects wait for the end of the call, and the answer is the row as settled. */
  private finish(taskId: string, epoch: number, outcome: Outcome, batch?: EffectBatch): Result<Task> {
    const now = this.now();
    const r = this.activeLease(taskId, epoch, now);
    if (r.kind === "error") return r;
    const ev: LifecycleEvent =
      outcome.kind === "succeeded"
        ? {
            kind: "complete",
            epoch,
            result: JSON.stringify(outcome.result),
            outputProblem: this.outputProblem(r.value.agent, outcome.result),
            rand: Math.random(),
          }
        : outcome.kind === "failed"
          ? { kind: "fail", epoch, error: outcome.error, retryable: outcome.retryable, rand: Math.random() }
          : { kind: "release", epoch };
    const own = batch ?? new EffectBatch();
    const settled = this.settle(r.value, ev, now, own);
    if (!settled) return fail("conflict", `task is already ${r.value.state}`, { state: r.value.state });
    if (batch) return ok(taskView(settled));
    own.run(this.effectPorts(now));
    return ok(taskView(this.taskRow(taskId) as TaskRow));
  }

  /** Why a result breaks its agent's output schema, or null when it conforms (or there is none). */
  private outputProblem(agentName: string, result: unknown): string | null {
    const a = this.agent(agentName);
    if (!a) return null;
    const row = a.row;
    let v = this.validators.get(agentName);
    if (!v || v.spec !== row.spec) {
      const schema = a.stored.output_schema;
      if (schema === undefined) return null;
      v = { spec: row.spec, check: new OutputCheck(schema as object) };
      this.validators.set(agentName, v);
    }
    return v.check.problem(result);
  }

  private activeLease(taskId: string, epoch: number, now: number): Result<TaskRow> {
    this.tick(now);
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
   * Commits one lifecycle event of a task through the machine (load → transition → commit);
   * its effects go into `batch`, which the caller runs once at the end of its call.
   * The row as committed, or null when the machine refused the event.
   */
  private settle(row: TaskRow, ev: LifecycleEvent, now: number, batch: EffectBatch): TaskRow | null {
    const t = transition(row, ev, now);
    if (t.kind === "refused") return null;
    const settled = this.store.commit(row.id, t, now);
    if (!settled) return null;
    if (t.to === "escalated" && t.from !== "escalated") this.retainParked(row.instance, settled.wake_at, now);
    batch.add(row.id, t.effects);
    return settled;
  }

  /** settle() for a call that commits one transition: its effects run at once. */
  private settleNow(row: TaskRow, ev: LifecycleEvent, now: number): TaskRow | null {
    const batch = new EffectBatch();
    const settled = this.settle(row, ev, now, batch);
    batch.run(this.effectPorts(now));
    return settled;
  }

  /** Everything time-driven, run lazily on each request and by the alarm; cheap until something is due. */
  private tick(now: number): void {
    if (now < this.dueAt) return;
    const batch = new EffectBatch();
    this.expireLeases(now, batch);
    this.timeoutTasks(now, batch);
    batch.run(this.effectPorts(now));
    this.wakeParked(now);
    const st = this.sched();
    if ([...st.budgetSpent.values()].some((until) => until <= now)) this.refreshBudgets(now);
    const next = this.sql
      .exec<{ t: number | null }>(
        `SELECT MIN(t) AS t FROM (
           SELECT MIN(lease_expires_at) AS t FROM tasks WHERE state IN ${ACTIVE_SQL}
           UNION ALL SELECT MIN(attempt_deadline_at) FROM tasks WHERE state IN ${ACTIVE_SQL} AND attempt_deadline_at IS NOT NULL
           UNION ALL SELECT MIN(wake_at) FROM tasks WHERE wake_at IS NOT NULL
           UNION ALL SELECT MIN(deadline_at) FROM tasks WHERE deadline_at IS NOT NULL AND state IN ${TIMED_SQL})`,
      )
      .toArray()[0]?.t;
    const due = Math.min(next ?? Infinity, ...st.budgetSpent.values());
    this.dueAt = due;
    if (due !== Infinity) this.scheduleAlarm(due);
  }

  /** A new deadline exists: the next tick must look, and the alarm must fire by then. */
  private noteDue(at: number): void {
    if (at < this.dueAt) this.dueAt = at;
    this.scheduleAlarm(at);
  }

  private expireLeases(now: number, batch: EffectBatch): void {
    const rows = this.sql
      .exec<TaskRow>(
        `SELECT * FROM tasks WHERE state IN ${ACTIVE_SQL} AND (lease_expires_at <= ? OR attempt_deadline_at <= ?) ORDER BY lease_expires_at, seq`,
        now,
        now,
      )
      .toArray();
    for (const row of rows) {
      const timedOut =
        row.attempt_deadline_at !== null &&
        row.attempt_deadline_at <= now &&
        !(row.lease_expires_at !== null && row.lease_expires_at <= now);
      this.settle(row, { kind: timedOut ? "attempt_timeout" : "expire", rand: Math.random() }, now, batch);
    }
  }

  private timeoutTasks(now: number, batch: EffectBatch): void {
    const rows = this.sql
      .exec<TaskRow>(`SELECT * FROM tasks WHERE deadline_at <= ? AND state IN ${TIMED_SQL}`, now)
      .toArray();
    for (const row of rows) this.settle(row, { kind: "task_timeout", rand: Math.random() }, now, batch);
  }

  /** Retry waits that are over, and approval or escalation deadlines that passed. */
  private wakeParked(now: number): void {
    const rows = this.sql.exec<TaskRow>("SELECT * FROM tasks WHERE wake_at <= ? ORDER BY wake_at, seq", now).toArray();
    for (const row of rows) {
      const ev: LifecycleEvent | null =
        row.state === "retry_wait"
          ? { kind: "retry_wake" }
          : row.state === "awaiting_approval"
            ? { kind: "approval_deadline" }
            : row.state === "escalated"
              ? { kind: "escalation_deadline" }
              : null;
      if (ev) this.settleNow(row, ev, now);
      else this.sql.exec("UPDATE tasks SET wake_at = NULL WHERE id = ?", row.id);
    }
  }

  private requeue(
    row: TaskRow,
    now: number,
    actor: Actor,
    type: EventType,
    details?: Record<string, JsonValue | undefined>,
    set: Partial<Record<keyof TaskRow, string | number | null>> = {},
  ): void {
    const cols = Object.keys(set) as (keyof TaskRow)[];
    this.sql.exec(
      `UPDATE tasks SET state = 'queued', wake_at = NULL, gate = NULL, escalation = NULL, queued_at = ?, updated_at = ?${cols.map((c) => `, ${c} = ?`).join("")} WHERE id = ?`,
      now,
      now,
      ...cols.map((c) => set[c] ?? null),
      row.id,
    );
    this.events.append(row.id, now, type, actor, "queued", details);
    this.sched().onQueued(this.taskRow(row.id) as TaskRow);
    this.pump(now);
    this.maybePreempt(now);
  }

  /**
   * A task parked (approval gate, escalation): its instance's spilled checkpoints must
   * outlive the wait, so the AgentDO keeps them past the deadline, or without expiry
   * when there is none (AgentDO.retain). Best effort, after the answer: a Redis outage
   * here leaves the default TTL, itself longer than any bounded park.
   */
  private retainParked(instance: string, deadline: number | null, now: number): void {
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

  private tryLease(runner: RunnerRow, maxTasks: number, now: number): LeaseGrant[] {
    return this.placement().lease(runner, maxTasks, now);
  }

  private maybePreempt(now: number): void {
    if (this.inBatch) return;
    this.placement().preempt(now);
  }

  private placement(): Placement {
    return new Placement(this.sql, this.sched(), this.starvationMs, (row, runner, now) => this.grant(row, runner, now));
  }

  private grant(row: TaskRow, runner: RunnerRow, now: number): LeaseGrant {
    const epoch = this.bump("epoch");
    const leaseId = `lease_${randomHex(8)}`;
    const expires = now + runner.lease_ttl_ms;
    const attemptMs = taskPolicy(row).timeouts.attempt_ms;
    const attemptDeadline = attemptMs !== undefined ? now + attemptMs : null;
    // The row as updated, with the event's seq taken in the same statement.
    const leased = this.sql
      .exec<TaskRow>(
        `UPDATE tasks SET state = 'leased', attempts = attempts + 1, runner_id = ?, lease_id = ?, epoch = ?, lease_expires_at = ?, attempt_deadline_at = ?,
           started_at = COALESCE(started_at, ?), updated_at = ?, event_seq = event_seq + 1 WHERE id = ? RETURNING *`,
        runner.id,
        leaseId,
        epoch,
        expires,
        attemptDeadline,
        now,
        now,
        row.id,
      )
      .one();
    this.events.appendAt(row.id, leased.event_seq, now, "leased", `runner:${runner.id}`, "leased", {
      runner: runner.id,
      epoch,
      attempt: row.attempts + 1,
    });
    this.counters.observe(
      "officeos_schedule_to_start_seconds",
      LATENCY_BUCKETS,
      Math.max(0, now - (row.queued_at ?? row.created_at)) / 1000,
      { agent: row.agent },
    );
    this.noteDue(expires);
    if (attemptDeadline !== null) this.noteDue(attemptDeadline);
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
    if (this.waiters.length === 0 || this.inBatch) return;
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

  /** How the effects of a call's transitions reach the scheduler index, the metrics, the alarm and parked polls. */
  private effectPorts(now: number): EffectPorts {
    const st = this.sched();
    const row = (id: string): TaskRow => this.store.load(id) as TaskRow;
    return {
      perTask: (taskId, e) => {
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
      noteDue: (at) => this.noteDue(at),
      wakePolls: () => this.pump(now),
      considerPreemption: () => this.maybePreempt(now),
    };
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

  /** Every agent's quota, by name, through the parsed-spec cache. */
  private agentQuotas(): { name: string; quota: StoredAgent["quota"] }[] {
    return this.sql
      .exec<{ name: string }>("SELECT name FROM agents ORDER BY name")
      .toArray()
      .flatMap((r) => {
        const a = this.agent(r.name);
        return a ? [{ name: r.name, quota: a.stored.quota }] : [];
      });
  }

  /** An agent's row and its parsed spec, read once and kept until putAgent() writes the row again. */
  private agent(name: string): { row: AgentRow; stored: StoredAgent } | undefined {
    const hit = this.agents.get(name);
    if (hit) return hit;
    const row = this.sql.exec<AgentRow>("SELECT * FROM agents WHERE name = ?", name).toArray()[0];
    if (!row) return undefined;
    const entry = { row, stored: storedAgent(row) };
    this.agents.set(name, entry);
    return entry;
  }

  private meta(k: string): string | null {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0]?.v ?? null;
  }

  private setMeta(k: string, v: string): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }

  /** Increments a persisted counter and returns the new value. */
  private bump(k: string): number {
    const row = this.sql
      .exec<{ v: string }>(
        "INSERT INTO meta (k, v) VALUES (?, '1') ON CONFLICT (k) DO UPDATE SET v = CAST(CAST(v AS INTEGER) + 1 AS TEXT) RETURNING v",
        k,
      )
      .one();
    return Number(row.v);
  }
}

function staleEpoch(epoch: number, row: TaskRow): Failure {
  return fail("stale_epoch", `lease epoch ${epoch} is no longer current for task "${row.id}"`, {
    current_epoch: row.epoch,
    state: row.state,
  });
}

function decisions(row: TaskRow): Record<string, GateDecision> {
  return row.approvals === null ? {} : (JSON.parse(row.approvals) as Record<string, GateDecision>);
}

/** One batch item's answer: the status its single call would have, with the task or the error. */
function itemAnswer<T>(r: Result<T>, good: (v: T) => BatchItemAnswer): BatchItemAnswer {
  if (r.kind === "ok") return good(r.value);
  return {
    status: ERROR_STATUS[r.code],
    error:
      r.details === undefined
        ? { code: r.code, message: r.message }
        : { code: r.code, message: r.message, details: r.details },
  };
}
