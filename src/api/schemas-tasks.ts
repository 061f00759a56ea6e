// Tenants, keys, runners, tasks, checkpoints and leases. (re-exported by schemas.ts)
import { z } from "@hono/zod-openapi";
import { ONE_APP_STATE, oneAppState, stateFields as plainStateFields } from "./state-schema.js";
import { TaskWaiting } from "./waiting-schema.js";
import { LogBatch } from "./log-schemas.js";
import { Capabilities, Json, LIMITS, Labels, Name, RESOURCE_MAX, Resources, Scope } from "./schemas-base.js";
import { RetryPolicy, Taint, Timeouts } from "./schemas-agents.js";

export const CreateTenant = z.strictObject({ name: z.string().min(1).max(LIMITS.name) }).openapi("CreateTenant");
export const TenantCreated = z
  .object({ tenant: z.object({ id: z.string(), name: z.string() }), api_key: z.string() })
  .openapi("TenantCreated");

/** A key lives at most this long when it expires at all (10 years). */
export const MAX_KEY_TTL_S = 10 * 365 * 24 * 3600;
export const CreateKey = z
  .strictObject({
    scopes: z.array(Scope).min(1).max(4),
    /** The key stops working this many seconds from now. */
    expires_in_s: z.number().int().min(1).max(MAX_KEY_TTL_S).optional(),
    /** The key stops working at this time (ISO 8601); at most one of the two. */
    expires_at: z.iso.datetime({ offset: true }).optional(),
    /** A note for people reading GET /v1/keys. */
    name: z.string().max(LIMITS.name).optional(),
  })
  .refine((k) => k.expires_in_s === undefined || k.expires_at === undefined, {
    message: "give expires_in_s or expires_at, not both",
    path: ["expires_at"],
  })
  .openapi("CreateKey");
export type CreateKey = z.infer<typeof CreateKey>;
export const KeyCreated = z
  .object({
    id: z.string(),
    key: z.string(),
    scopes: z.array(Scope),
    expires_at: z.string().optional(),
    runner_id: z.string().optional(),
  })
  .openapi("KeyCreated");

export const RunnerState = z.enum(["ready", "not_ready", "draining", "stopped", "dead"]);
/** A runner's self-check, sent with its heartbeat: not ready means no new leases. */
export const RunnerHealth = z
  .strictObject({
    ready: z.boolean(),
    checks: z
      .array(
        z.strictObject({
          name: z.string().min(1).max(LIMITS.name),
          ok: z.boolean(),
          message: z.string().max(1024).optional(),
        }),
      )
      .max(LIMITS.listSize)
      .optional(),
    /** Resource use on the runner host, for the dashboard (cpu millicores, memory_mb, ...): measured, so fractions are fine. */
    usage: z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,62}$/), z.number().finite().nonnegative().max(RESOURCE_MAX))
      .refine((r) => Object.keys(r).length <= LIMITS.listSize, "too many resource kinds")
      .optional(),
  })
  .openapi("RunnerHealth");
export const RegisterRunner = z
  .strictObject({
    name: Name,
    capacity: Resources,
    labels: Labels.optional(),
    capabilities: Capabilities.optional(),
    agents: z.array(Name).max(LIMITS.listSize).optional(),
    taints: z.array(Taint).max(LIMITS.listSize).optional(),
    lease_ttl_ms: z.number().int().min(1000).max(600_000).optional(),
    /**
     * The host the runner runs on (its hostname). A runner registering with the name and host of a row that
     * exists takes that row over (same id) instead of adding a second one.
     */
    host: z.string().min(1).max(LIMITS.name).optional(),
    /** The runner's first self-check: a runner that fails it gets no work before its first heartbeat. */
    health: RunnerHealth.optional(),
  })
  .openapi("RegisterRunner");
export type RegisterRunner = z.infer<typeof RegisterRunner>;
export const Runner = z
  .object({
    id: z.string(),
    name: z.string(),
    capacity: Resources,
    allocated: Resources,
    labels: Labels,
    capabilities: z.array(z.string()),
    taints: z.array(Taint),
    agents: z.array(z.string()).nullable(),
    lease_ttl_ms: z.number(),
    state: RunnerState,
    active_leases: z.number(),
    registered_at: z.string(),
    last_seen_at: z.string(),
    host: z.string().optional(),
    /** When the runner said it stopped cleanly (state `stopped`). */
    stopped_at: z.string().optional(),
    health: RunnerHealth.optional(),
  })
  .openapi("Runner");
export type Runner = z.infer<typeof Runner>;

export const LeaseRequest = z
  .strictObject({
    max_tasks: z.number().int().min(1).max(LIMITS.maxTasksPerLease).optional(),
    wait_ms: z.number().int().min(0).max(LIMITS.waitMs).optional(),
  })
  .openapi("LeaseRequest");

export const TaskState = z.enum([
  "queued",
  "retry_wait",
  "leased",
  "running",
  "awaiting_approval",
  "succeeded",
  "failed",
  "escalated",
  "cancelled",
]);
export type TaskState = z.infer<typeof TaskState>;

export const TaskError = z
  .object({
    code: z.string().max(LIMITS.name),
    message: z.string().max(16_384),
    /**
     * More about the failure: `stderr_tail`, the agent's last stderr lines when its process failed (docs/logs.md);
     * `deterministic`, the rule of src/task/deterministic.ts that ended the retries, with `deterministic_reason`.
     */
    details: z
      .record(z.string(), Json)
      .optional()
      .openapi({ description: "stderr_tail: the agent's last stderr lines; deterministic: why retries ended early" }),
  })
  .openapi("TaskError");
export type TaskError = z.infer<typeof TaskError>;

export const GateName = z.string().min(1).max(LIMITS.name);
export const PendingGate = z
  .object({
    gate: z.string(),
    message: z.string().optional(),
    details: Json.optional(),
    requested_at: z.string(),
    deadline_at: z.string().optional(),
  })
  .openapi("PendingGate");
export const GateDecision = z
  .object({ decision: z.enum(["approve", "reject"]), comment: z.string().optional(), by: z.string(), at: z.string() })
  .openapi("GateDecision");
export type GateDecision = z.infer<typeof GateDecision>;
/** Compute a task used, reported by the runner with its outcome (cgroup accounting). */
export const TaskUsage = z
  .strictObject({
    cpu_seconds: z.number().nonnegative().max(1e9).optional(),
    peak_memory_mb: z.number().nonnegative().max(1e9).optional(),
    /** Forks refused at the pids limit (pids.events "max"). */
    pids_denied: z.number().int().nonnegative().optional(),
    /** How the limits were applied: "cgroup-v2", "cgroup-v1" or "rlimit". */
    enforcement: z.enum(["cgroup-v2", "cgroup-v1", "rlimit", "none"]).optional(),
  })
  .openapi("TaskUsage");
export type TaskUsage = z.infer<typeof TaskUsage>;

export const Task = z
  .object({
    id: z.string(),
    agent: z.string(),
    state: TaskState,
    priority: z.number(),
    instance: z.string(),
    input: Json,
    attempts: z.number(),
    max_attempts: z.number(),
    result: Json.optional(),
    error: TaskError.optional(),
    checkpoint_seq: z.number().optional(),
    runner_id: z.string().optional(),
    idempotency_key: z.string().optional(),
    /** Time limits of this task (the runner enforces stall_ms). */
    timeouts: Timeouts.optional(),
    /** retry_wait: when the next attempt may start. */
    not_before: z.string().optional(),
    /** The task fails as task_timeout if not finished by then. */
    deadline_at: z.string().optional(),
    /** awaiting_approval: the gate the agent stopped at. */
    gate: PendingGate.optional(),
    /** Decisions taken on this task's gates, by gate name. */
    approvals: z.record(z.string(), GateDecision).optional(),
    /** escalated: why, and when. */
    escalation: z
      .object({ reason: TaskError, escalated_at: z.string(), deadline_at: z.string().optional() })
      .optional(),
    /** Compute the last attempt used, as its runner measured it. */
    usage: TaskUsage.optional(),
    /** Not running: why (queued, retry wait, awaiting approval, escalated); on GET /v1/tasks/{id} only. */
    waiting: TaskWaiting.optional(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Task");
export type Task = z.infer<typeof Task>;

export const SubmitTask = z
  .strictObject({
    agent: Name,
    input: Json.optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    instance: Name.optional(),
    idempotency_key: z.string().min(1).max(256).optional(),
    node_selector: Labels.optional(),
    /** Overrides fields of the agent's retry policy for this task. */
    retry: RetryPolicy.optional(),
    /** Overrides the agent's timeouts for this task. */
    timeouts: Timeouts.optional(),
  })
  .openapi("SubmitTask");
export type SubmitTask = z.infer<typeof SubmitTask>;

export const TaskList = z.object({ tasks: z.array(Task), next_cursor: z.string().optional() }).openapi("TaskList");

export const ListTasksQuery = z.object({
  state: TaskState.optional(),
  agent: Name.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/)
    .optional(),
});

/** Fields of a state; a delta has the same, meaning "appended" or "replaced" (see StateDelta). */
export const stateFields = { ...plainStateFields, app_state: Json.optional() };

export const AgentStateJson = z.strictObject(stateFields).refine(oneAppState, ONE_APP_STATE).openapi("AgentState");
export type AgentStateJson = z.infer<typeof AgentStateJson>;

export const Epoch = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** Appends messages, tool calls and reasoning to checkpoint base_seq; replaces cursor, app state, metadata. */
export const StateDeltaJson = z
  .strictObject({ base_seq: z.number().int().min(1), ...stateFields })
  .refine(oneAppState, ONE_APP_STATE)
  .openapi("StateDelta");

export const PutCheckpointJson = z
  .strictObject({ epoch: Epoch, state: AgentStateJson.optional(), delta: StateDeltaJson.optional() })
  .refine((b) => (b.state === undefined) !== (b.delta === undefined), {
    message: "give state (a full checkpoint) or delta, exactly one",
    path: ["state"],
  })
  .openapi("PutCheckpoint");
export const CheckpointSaved = z
  .object({ seq: z.number(), kind: z.enum(["full", "delta"]) })
  .openapi("CheckpointSaved");
export const CheckpointView = z
  .object({
    seq: z.number(),
    task_id: z.string(),
    created_at: z.string(),
    state: AgentStateJson,
    /** Set when a newer record was lost or corrupt and this older state was restored instead. */
    broken: z.object({ seq: z.number(), reason: z.string() }).optional(),
  })
  .openapi("Checkpoint");
export type CheckpointView = z.infer<typeof CheckpointView>;

/** One record of an instance's checkpoint chain, without its state (GET /v1/tasks/{id}/checkpoints). */
export const CheckpointRecord = z
  .object({
    seq: z.number(),
    task_id: z.string(),
    epoch: z.number(),
    kind: z.enum(["full", "delta"]),
    /** Bytes of the stored record (protobuf). */
    size: z.number(),
    created_at: z.string(),
  })
  .openapi("CheckpointRecord");
export type CheckpointRecord = z.infer<typeof CheckpointRecord>;

export const Lease = z
  .object({
    lease_id: z.string(),
    epoch: z.number(),
    expires_at: z.string(),
    task: Task,
    checkpoint: CheckpointView.optional(),
    /** The agent's resource request: cgroup limits and GPU pinning on the runner. */
    resources: Resources.optional(),
    /**
     * Proof of this lease (tenant, task, epoch, expiry; HMAC-signed): send it in the header
     * OfficeOS-Lease-Token on checkpoint, complete, fail, release, approval and LLM reservations,
     * and with the lease in each heartbeat, which answers with a fresh one.
     */
    lease_token: z.string().optional(),
  })
  .openapi("Lease");
export type Lease = z.infer<typeof Lease>;
export const LeaseAnswer = z.object({ leases: z.array(Lease) }).openapi("LeaseAnswer");

export const Heartbeat = z
  .strictObject({
    /** A lease is extended only with its lease token; one without (or with a wrong one) comes back in `cancel`. */
    leases: z
      .array(
        z.strictObject({
          task_id: z.string().max(LIMITS.name),
          epoch: Epoch,
          lease_token: z.string().max(1024).optional(),
        }),
      )
      .max(LIMITS.heartbeatLeases),
    health: RunnerHealth.optional(),
    /** Captured agent output (docs/logs.md); a heartbeat with only `logs` and no leases extends nothing. */
    logs: z.array(LogBatch).max(LIMITS.heartbeatLeases).optional(),
  })
  .openapi("Heartbeat");
export const HeartbeatAnswer = z
  .object({
    expires_at: z.string(),
    cancel: z.array(z.string()),
    preempt: z.array(z.string()),
    /** Fresh lease tokens (valid until the new expiry) of the leases this heartbeat extended, by task id. */
    lease_tokens: z.record(z.string(), z.string()).optional(),
  })
  .openapi("HeartbeatAnswer");
export type HeartbeatAnswer = z.infer<typeof HeartbeatAnswer>;

export const Complete = z
  .strictObject({ epoch: Epoch, result: Json.optional(), usage: TaskUsage.optional() })
  .openapi("Complete");
export const Fail = z
  .strictObject({ epoch: Epoch, error: TaskError, retryable: z.boolean().optional(), usage: TaskUsage.optional() })
  .openapi("Fail");
export const Release = z.strictObject({ epoch: Epoch }).openapi("Release");
