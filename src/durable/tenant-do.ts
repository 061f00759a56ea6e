// TenantDO — one per tenant. Owns, in its SQLite storage: the tenant's API key
// hashes, agents, runners, tasks with their leases, and the epoch counter that
// fences stale leases. In memory only: parked long-poll requests (lost on
// eviction, which simply drops those connections) and the alarm time it set.
//
// This class is thin: each public method is an operation of the table in
// tenant/operations.ts (routing, who may call it, runner ownership, audit),
// served by one adapter under tenant/. Every change of a task's state takes one
// path — load → transition() (src/task/, pure) → the task store's guarded
// UPDATE → the call's effects (tenant/effects-runner.ts), which serve parked
// polls once at the end of the call. Time comes from an injected clock.
import { DurableObject } from "cloudflare:workers";
import type { JsonValue, Result } from "../api/errors.js";
import type {
  Agent,
  AgentDeleted,
  AgentSpec,
  ApprovalAnswer,
  BatchItemAnswer,
  Decide,
  EscalationAction,
  HeartbeatAnswer,
  LlmReservation,
  LlmSettled,
  QuotasView,
  RegisterRunner,
  ReportItem,
  ReserveLlm,
  Runner,
  SchedulerView,
  Scope,
  SettleLlm,
  SubmitTask,
  Task,
  TaskError,
  TaskEvents,
  TaskUsage,
  TenantQuota,
} from "../api/schemas.js";
import type { Env } from "../env.js";
import type { Caps } from "./tenant/access.js";
import { Attempts } from "./tenant/attempts.js";
import type { AuditEntry, AuditType } from "./tenant/audit.js";
import { OffsetClock } from "./tenant/clock.js";
import { SYSTEM, Tenant, type Actor } from "./tenant/context.js";
import { Dispatch, type AuthedAnswer, type KeyedAuth } from "./tenant/dispatch.js";
import type { Keyring, KeyInfo, KeyView } from "./tenant/keyring.js";
import { Keys } from "./tenant/keys.js";
import type { LeaseGrant } from "./tenant/leasing.js";
import { People } from "./tenant/people.js";
import { QuotaCalls } from "./tenant/quota-calls.js";
import { Runners } from "./tenant/runners.js";
import type { SealedSession } from "./tenant/sessions.js";
import { TENANT_MIGRATIONS } from "./tenant/schema.js";
import { Tasks, type TaskListQuery } from "./tenant/tasks.js";
import { tenantMetrics } from "./tenant/tenant-metrics.js";
import { migrate } from "./migrate.js";

export type { Actor } from "./tenant/context.js";
export { STARVATION_MS } from "./tenant/context.js";
export type { LeaseGrant } from "./tenant/leasing.js";
export { RUNNER_RETENTION_MS } from "./tenant/runners.js";
export type { TaskListQuery } from "./tenant/tasks.js";

export class TenantDO extends DurableObject<Env> {
  /** The object's storage (tests read rows straight from it). */
  private readonly sql: SqlStorage;
  /** The injected clock: wall time plus an offset tests move instead of sleeping. */
  private readonly clock = new OffsetClock();
  private readonly t: Tenant;
  private readonly dispatch: Dispatch;
  private readonly keys: Keys;
  private readonly runners: Runners;
  private readonly tasks: Tasks;
  private readonly attempts: Attempts;
  private readonly people: People;
  private readonly quotaCalls: QuotaCalls;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, TENANT_MIGRATIONS);
    this.t = new Tenant(ctx, env, this.clock);
    this.dispatch = new Dispatch(this.t);
    this.keys = new Keys(this.t);
    this.runners = new Runners(this.t);
    this.tasks = new Tasks(this.t);
    this.attempts = new Attempts(this.t);
    this.people = new People(this.t);
    this.quotaCalls = new QuotaCalls(this.t);
  }

  // ---- knobs the tests turn --------------------------------------------------

  /** The clock's offset from wall time: tests move it forward instead of sleeping. */
  get clockOffsetMs(): number {
    return this.clock.offsetMs;
  }
  set clockOffsetMs(ms: number) {
    this.clock.offsetMs = ms;
  }
  get starvationMs(): number {
    return this.t.starvationMs;
  }
  set starvationMs(ms: number) {
    this.t.starvationMs = ms;
  }
  /** Per-tenant caps on runners and keys (OFFICEOS_MAX_RUNNERS, OFFICEOS_MAX_KEYS). */
  get caps(): Caps {
    return this.t.caps;
  }
  set caps(c: Caps) {
    this.t.caps = c;
  }
  /** API keys, their rate limits and use (tenant/keyring.ts); tests may set `keyring.limits`. */
  get keyring(): Keyring {
    return this.t.keyring;
  }
  /** Parked long-polls (tests wait for them to park). */
  get waiters(): readonly unknown[] {
    return this.t.leasing.waiters;
  }

  // ---- the dispatch and the platform ------------------------------------------

  /** A tenant key's call: routed, checked and audited by the operations table (tenant/dispatch.ts). */
  authed(auth: KeyedAuth, method: string, args: unknown[]): Promise<AuthedAnswer> {
    const self = this as unknown as Record<string, (...a: unknown[]) => unknown>;
    return this.dispatch.run(auth, method, args, (m, a) => self[m]?.call(this, ...a));
  }

  override async alarm(): Promise<void> {
    this.t.deadlines.alarm();
  }

  // ---- the tenant, keys, sessions, audit (tenant/keys.ts) ----------------------

  ping(): boolean {
    return this.keys.ping();
  }
  init(tenantId: string, name: string, keyId: string, keyHash: string): Result<{ id: string; name: string }> {
    return this.keys.init(tenantId, name, keyId, keyHash);
  }
  /** The name the tenant was created with: not unique, shown beside the id (the dashboard's header). */
  tenantName(): string | null {
    return this.t.meta("name");
  }
  /** A key's first check from the Worker (its cache did not know it); every later call goes through `authed`. */
  authenticate(keyId: string, keyHash: string, charge = true): Result<KeyInfo> {
    return this.keys.authenticate(keyId, keyHash, charge);
  }
  createKey(
    keyId: string,
    keyHash: string,
    scopes: Scope[],
    opts: { expires_at?: number; runner_id?: string; name?: string } = {},
    actor = SYSTEM,
  ): Result<{ id: string; scopes: Scope[]; expires_at?: string; runner_id?: string }> {
    return this.keys.create(keyId, keyHash, scopes, opts, actor);
  }
  listKeys(): Result<{ keys: KeyView[] }> {
    return this.keys.list();
  }
  revokeKey(keyId: string, actor = SYSTEM): Result<KeyView> {
    return this.keys.revoke(keyId, actor);
  }
  createSession(id: string, sealed: Uint8Array, iv: Uint8Array, actor: Actor = SYSTEM): Result<{ expires_at: number }> {
    return this.keys.createSession(id, sealed, iv, actor);
  }
  openSession(id: string): Result<SealedSession> {
    return this.keys.openSession(id);
  }
  endSession(id: string): Result<{ ended: boolean }> {
    return this.keys.endSession(id);
  }
  listAudit(q: { type?: AuditType | undefined; cursor?: string | undefined; limit?: number | undefined }): Result<{
    events: AuditEntry[];
    next_cursor?: string;
  }> {
    return this.keys.listAudit(q);
  }
  recordAudit(
    e: { type: AuditType; task_id?: string | undefined; details?: Record<string, JsonValue> | undefined },
    actor = SYSTEM,
  ): Result<null> {
    return this.keys.recordAudit(e, actor);
  }
  leaseSecret(): string {
    return this.keys.leaseSecret();
  }

  // ---- agents (tenant/agents.ts) -------------------------------------------------

  putAgent(name: string, spec: AgentSpec): Result<Agent> {
    return this.t.agents.put(name, spec);
  }
  getAgent(name: string): Result<Agent> {
    return this.t.agents.view(name);
  }
  deleteAgent(name: string): Result<AgentDeleted> {
    return this.t.agents.delete(name);
  }
  listAgents(): Result<Agent[]> {
    return this.t.agents.list();
  }

  // ---- runners and leasing (tenant/runners.ts, tenant/leasing.ts) ---------------

  registerRunner(body: RegisterRunner): Result<Runner> {
    return this.runners.register(body);
  }
  getRunner(id: string): Result<Runner> {
    return this.runners.view(id);
  }
  listRunners(): Result<Runner[]> {
    return this.runners.list();
  }
  drainRunner(id: string): Result<Runner> {
    return this.runners.drain(id);
  }
  forgetRunner(id: string): Result<{ runner: string; forgotten: boolean }> {
    return this.runners.forget(id);
  }
  runnerStopped(id: string): Result<Runner> {
    return this.runners.stopped(id);
  }
  lease(runnerId: string, maxTasks: number, waitMs: number): Promise<Result<LeaseGrant[]>> {
    return this.runners.lease(runnerId, maxTasks, waitMs);
  }

  // ---- tasks (tenant/tasks.ts) ------------------------------------------------------

  submit(req: SubmitTask, actor: Actor = SYSTEM): Result<{ task: Task; created: boolean }> {
    return this.tasks.submit(req, actor);
  }
  submitBatch(reqs: SubmitTask[], actor: Actor = SYSTEM): Result<{ items: BatchItemAnswer[] }> {
    return this.tasks.submitBatch(reqs, actor);
  }
  getTask(id: string): Result<Task> {
    return this.tasks.get(id);
  }
  listTasks(q: TaskListQuery): Result<{ tasks: Task[]; next_cursor?: string }> {
    return this.tasks.list(q);
  }
  cancel(id: string, actor: Actor = SYSTEM): Result<Task> {
    return this.tasks.cancel(id, actor);
  }
  taskEvents(taskId: string, after: number, limit: number, waitMs: number): Promise<Result<TaskEvents>> {
    return this.tasks.events(taskId, after, limit, waitMs);
  }
  scheduler(): Result<SchedulerView> {
    return this.tasks.scheduler();
  }
  taskInstance(taskId: string): Result<{ instance: string }> {
    return this.tasks.instance(taskId);
  }

  // ---- an attempt, fenced by its lease (tenant/attempts.ts) -------------------------

  heartbeat(
    runnerId: string,
    leases: { task_id: string; epoch: number }[],
    health?: Runner["health"],
  ): Result<HeartbeatAnswer> {
    return this.attempts.heartbeat(runnerId, leases, health);
  }
  checkLease(taskId: string, epoch: number): Result<{ instance: string }> {
    return this.attempts.checkLease(taskId, epoch);
  }
  recordCheckpoint(
    taskId: string,
    epoch: number,
    seq: number,
    stats?: { bytes: number; ms: number; kind: "full" | "delta" },
  ): void {
    this.attempts.recordCheckpoint(taskId, epoch, seq, stats);
  }
  recordUsage(taskId: string, epoch: number, usage: TaskUsage): Result<null> {
    return this.attempts.recordUsage(taskId, epoch, usage);
  }
  complete(taskId: string, epoch: number, result: unknown): Result<Task> {
    return this.attempts.finish(taskId, epoch, { kind: "succeeded", result: result ?? null });
  }
  fail(taskId: string, epoch: number, error: TaskError, retryable: boolean): Result<Task> {
    return this.attempts.finish(taskId, epoch, { kind: "failed", error, retryable });
  }
  /** Gives a lease back (drain, preemption): requeued, the attempt not charged. */
  release(taskId: string, epoch: number): Result<Task> {
    return this.attempts.finish(taskId, epoch, { kind: "released" });
  }
  report(runnerId: string, items: ReportItem[]): Result<{ items: (BatchItemAnswer & { task_id: string })[] }> {
    return this.attempts.report(runnerId, items);
  }

  // ---- people in the loop (tenant/people.ts) ------------------------------------------

  listEscalations(): ReturnType<People["listEscalations"]> {
    return this.people.listEscalations();
  }
  escalationEpoch(taskId: string): Result<{ epoch: number; instance: string }> {
    return this.people.escalationEpoch(taskId);
  }
  actOnEscalation(taskId: string, a: EscalationAction, actor: Actor): Result<Task> {
    return this.people.actOnEscalation(taskId, a, actor);
  }
  requestApproval(
    taskId: string,
    epoch: number,
    gate: string,
    message?: string,
    details?: JsonValue,
  ): Result<ApprovalAnswer> {
    return this.people.requestApproval(taskId, epoch, gate, message, details);
  }
  listApprovals(): ReturnType<People["listApprovals"]> {
    return this.people.listApprovals();
  }
  decide(taskId: string, d: Decide, actor: Actor): Result<Task> {
    return this.people.decide(taskId, d, actor);
  }

  // ---- quotas, LLM reservations, metrics (tenant/quota-calls.ts, tenant/tenant-metrics.ts) ----

  putTenantQuota(q: TenantQuota): Result<TenantQuota> {
    return this.quotaCalls.putTenantQuota(q);
  }
  getQuotas(): Result<QuotasView> {
    return this.quotaCalls.getQuotas();
  }
  /** Only the holder of the task's live lease may spend its agent's LLM quota. */
  reserveLlm(req: ReserveLlm): Result<LlmReservation> {
    return this.quotaCalls.reserveLlm(req);
  }
  settleLlm(reservationId: string, body: SettleLlm): Result<LlmSettled> {
    return this.quotaCalls.settleLlm(reservationId, body);
  }
  cancelLlm(reservationId: string): Result<LlmSettled> {
    return this.quotaCalls.cancelLlm(reservationId);
  }
  /** The tenant's metrics in Prometheus text format. */
  metrics(): string {
    return tenantMetrics(this.t);
  }
}
