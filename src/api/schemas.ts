// zod schemas for every body the API takes or gives. Types come from z.infer;
// the OpenAPI document is generated from these same schemas.
import { z } from "@hono/zod-openapi";
import { isIntegerResource, LIMITS, RESOURCE_MAX } from "./limits.js";
import { Message, ONE_APP_STATE, oneAppState, stateFields as plainStateFields, ToolCall } from "./state-schema.js";
import { TaskWaiting } from "./waiting-schema.js";

export { Message, ToolCall };

export { LIMITS };

/**
 * Any JSON value. zod-to-openapi recurses without end on z.json()'s lazy
 * union (GET /openapi.json answered 500), so its OpenAPI type is spelled out.
 */
const Json = z.json().openapi({ type: ["object", "array", "string", "number", "boolean", "null"] });

const Name = z
  .string()
  .min(1)
  .max(LIMITS.name)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only, starting with a letter or digit");

export const Scope = z.enum(["admin", "submit", "runner", "read"]).openapi("Scope");
export type Scope = z.infer<typeof Scope>;

export { isIntegerResource, RESOURCE_MAX };

/** Resource vector: cpu (millicores), memory_mb, gpu_memory_mb, or any custom kind. */
export const Resources = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "resource names are lower_snake_case"),
    z.number().finite().nonnegative().max(RESOURCE_MAX, `a resource value is at most 2^53 (${RESOURCE_MAX})`),
  )
  .refine((r) => Object.keys(r).length <= LIMITS.listSize, "too many resource kinds")
  .superRefine((r, ctx) => {
    for (const [k, v] of Object.entries(r))
      if (isIntegerResource(k) && !Number.isInteger(v))
        ctx.addIssue({ code: "custom", path: [k], message: `${k} is counted in whole units: an integer` });
  })
  .openapi("Resources", { example: { cpu: 500, memory_mb: 256 } });
/** Sums of resource vectors (the cluster's capacity, an agent's allocation): finite, but past RESOURCE_MAX. */
const ResourceTotals = z
  .record(z.string(), z.number())
  .openapi("ResourceTotals", { example: { cpu: 16000, memory_mb: 65536 } });
export type Resources = z.infer<typeof Resources>;

export const Labels = z
  .record(z.string().min(1).max(LIMITS.name), z.string().max(LIMITS.labelValue))
  .refine((r) => Object.keys(r).length <= LIMITS.listSize, "too many labels")
  .openapi("Labels", { example: { pci: "true", region: "eu" } });
export type Labels = z.infer<typeof Labels>;

const Capabilities = z.array(z.string().min(1).max(LIMITS.name)).max(LIMITS.listSize);

const ErrorCode = z.string().min(1).max(LIMITS.name);
const Millis = (max: number) => z.number().int().min(0).max(max);
const DAY_MS = 24 * 3600_000;
/** The longest deadline a park may have (approval and escalation timeouts): spilled checkpoints outlive it (agent-do.ts). */
export const PARK_MAX_MS = 30 * DAY_MS;

/** Exponential backoff with jitter between attempts: initial × multiplier^(n−1), capped, ± jitter. */
export const Backoff = z
  .strictObject({
    initial_ms: Millis(DAY_MS).optional(),
    max_ms: Millis(DAY_MS).optional(),
    multiplier: z.number().min(1).max(10).optional(),
    /** Fraction of the delay drawn at random, 0 (none) to 1 (full jitter). */
    jitter: z.number().min(0).max(1).optional(),
  })
  .openapi("Backoff");

export const RetryPolicy = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(100).optional(),
    backoff: Backoff.optional(),
    /** Error codes that retry; absent means every retryable failure does. */
    retry_on: z.array(ErrorCode).max(LIMITS.listSize).optional(),
    /** Error codes that go to a person at once, attempts left or not. */
    escalate_on: z.array(ErrorCode).max(LIMITS.listSize).optional(),
    /** After the last attempt: wait for a person (default) or fail. */
    on_exhausted: z.enum(["escalate", "fail"]).optional(),
    /** Prefer a runner that has not failed this task (default true). */
    different_runner: z.boolean().optional(),
  })
  .openapi("RetryPolicy");
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const Timeouts = z
  .strictObject({
    /** One attempt, from lease to outcome; over it the attempt fails as `attempt_timeout` (retryable). */
    attempt_ms: Millis(7 * DAY_MS)
      .min(1000)
      .optional(),
    /** The whole task, from submission; over it the task fails as `task_timeout` (not retried). */
    task_ms: Millis(30 * DAY_MS)
      .min(1000)
      .optional(),
    /** The runner kills an agent silent this long (no checkpoint, progress or call) and fails the attempt as `stalled`. */
    stall_ms: Millis(DAY_MS).min(1000).optional(),
  })
  .openapi("Timeouts");
export type Timeouts = z.infer<typeof Timeouts>;

/** What happens when nobody answers an approval gate in time. */
export const ApprovalPolicy = z
  .strictObject({
    timeout_ms: Millis(PARK_MAX_MS).min(1000).optional(),
    on_timeout: z.enum(["cancel", "escalate", "approve", "reject"]).optional(),
  })
  .openapi("ApprovalPolicy");

/** What happens when nobody acts on an escalation in time (default: it waits). */
export const EscalationPolicy = z
  .strictObject({
    timeout_ms: Millis(PARK_MAX_MS).min(1000).optional(),
    on_timeout: z.enum(["cancel", "fail"]).optional(),
  })
  .openapi("EscalationPolicy");

/** A JSON Schema (draft 2020-12 or 7) the task result must satisfy; checked on complete. */
const OutputSchema = z
  .record(z.string(), Json)
  .refine((s) => JSON.stringify(s).length <= 64 * 1024, "output_schema is limited to 64 KiB")
  .openapi({ type: "object", description: "JSON Schema of the task result" });

export const MatchExpression = z
  .strictObject({
    key: z.string().min(1).max(LIMITS.name),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
    values: z.array(z.string().max(LIMITS.labelValue)).max(LIMITS.listSize).optional(),
  })
  .refine(
    (e) => (e.operator === "In" || e.operator === "NotIn" ? (e.values?.length ?? 0) > 0 : e.values === undefined),
    "In and NotIn need values; Exists and DoesNotExist take none",
  )
  .openapi("MatchExpression");

export const Taint = z
  .strictObject({
    key: z.string().min(1).max(LIMITS.name),
    value: z.string().max(LIMITS.labelValue).optional(),
    effect: z.literal("NoSchedule"),
  })
  .openapi("Taint");

export const Toleration = z
  .strictObject({
    key: z.string().min(1).max(LIMITS.name),
    operator: z.enum(["Equal", "Exists"]),
    value: z.string().max(LIMITS.labelValue).optional(),
  })
  .openapi("Toleration");

/** Per-minute LLM rates; a burst defaults to one minute's worth. */
const rateFields = {
  /** LLM tokens per minute (prompt + completion). */
  llm_tpm: z.number().positive().max(1e12).optional(),
  llm_tokens_burst: z.number().positive().max(1e12).optional(),
  /** LLM requests per minute. */
  llm_rpm: z.number().positive().max(1e9).optional(),
  llm_requests_burst: z.number().positive().max(1e9).optional(),
};
export const QuotaRates = z.strictObject(rateFields).openapi("QuotaRates");
/** Cumulative limits per UTC day; `cost` needs prices (tenant quota). */
export const DailyBudget = z
  .strictObject({
    llm_tokens: z.number().nonnegative().optional(),
    cpu_seconds: z.number().nonnegative().optional(),
    cost: z.number().nonnegative().optional(),
  })
  .openapi("DailyBudget");
export const AgentQuota = z
  .strictObject({
    ...rateFields,
    /** Runs of this agent at once, across the tenant; the scheduler skips it at the cap. */
    concurrent_runs: z.number().int().min(1).max(1_000_000).optional(),
    /** The same rates again for each instance of the agent on its own. */
    per_instance: QuotaRates.optional(),
    daily: DailyBudget.optional(),
  })
  .openapi("AgentQuota");
export type AgentQuota = z.infer<typeof AgentQuota>;
export const Prices = z
  .record(
    z.string().min(1).max(LIMITS.name),
    z.strictObject({ input_per_million: z.number().nonnegative(), output_per_million: z.number().nonnegative() }),
  )
  .refine((r) => Object.keys(r).length <= LIMITS.listSize, "too many models")
  .openapi("Prices", { example: { "*": { input_per_million: 0.15, output_per_million: 0.6 } } });
export const TenantQuota = z
  .strictObject({
    ...rateFields,
    concurrent_runs: z.number().int().min(1).max(1_000_000).optional(),
    daily: DailyBudget.optional(),
    /** Per model ("*" for any other), in money units per million tokens. */
    prices: Prices.optional(),
  })
  .openapi("TenantQuota");
export type TenantQuota = z.infer<typeof TenantQuota>;

export const EgressPattern = z
  .string()
  .max(260)
  .regex(
    /^(\*\.)?([A-Za-z0-9-]{1,63}\.)*[A-Za-z0-9-]{1,63}:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/,
    "host:port, *.suffix:port or [ipv6]:port",
  )
  .openapi("EgressPattern", { example: "api.github.com:443" });

export const IsolationLevelSchema = z.enum(["none", "uid", "unshare", "bwrap"]).openapi("IsolationLevel");

export const AgentSpec = z
  .strictObject({
    capabilities: Capabilities.optional(),
    resources: Resources.optional(),
    node_selector: Labels.optional(),
    /** All must match the runner's labels, like Kubernetes nodeAffinity (required). */
    node_affinity: z.array(MatchExpression).max(LIMITS.listSize).optional(),
    tolerations: z.array(Toleration).max(LIMITS.listSize).optional(),
    /** DRF weight: an agent of weight 2 is entitled to twice the share. */
    weight: z.number().positive().max(1000).optional(),
    /** Whether its leases may be evicted for higher-priority work (default true). */
    preemptible: z.boolean().optional(),
    retry: RetryPolicy.optional(),
    timeouts: Timeouts.optional(),
    approvals: ApprovalPolicy.optional(),
    escalation: EscalationPolicy.optional(),
    output_schema: OutputSchema.optional(),
    /** LLM rates, concurrent runs and daily budgets of this agent (see TenantQuota for the tenant's). */
    quota: AgentQuota.optional(),
    /** Tools the agent may call through its runner's tool gateway (POST /tools/{name}); none when absent. */
    tools: z.array(Name).max(LIMITS.listSize).optional(),
    /**
     * Hosts the agent may reach through its runner's egress proxy: `host:port`, `*.suffix:port`, or an IP
     * literal (the only way to reach a loopback, link-local or private address). None when absent.
     */
    egress: z.array(EgressPattern).max(LIMITS.listSize).optional(),
    /** The weakest runner isolation this agent may run under (none < uid < unshare < bwrap); placement honours it. */
    isolation: IsolationLevelSchema.optional(),
  })
  .openapi("AgentSpec");
export type AgentSpec = z.infer<typeof AgentSpec>;

export const Agent = z
  .object({
    name: z.string(),
    capabilities: z.array(z.string()),
    resources: Resources,
    node_selector: Labels,
    node_affinity: z.array(MatchExpression),
    tolerations: z.array(Toleration),
    weight: z.number(),
    preemptible: z.boolean(),
    retry: z.object({
      max_attempts: z.number(),
      backoff: z.object({ initial_ms: z.number(), max_ms: z.number(), multiplier: z.number(), jitter: z.number() }),
      retry_on: z.array(z.string()).nullable(),
      escalate_on: z.array(z.string()),
      on_exhausted: z.enum(["escalate", "fail"]),
      different_runner: z.boolean(),
    }),
    timeouts: Timeouts,
    approvals: z.object({
      timeout_ms: z.number().nullable(),
      on_timeout: z.enum(["cancel", "escalate", "approve", "reject"]),
    }),
    escalation: z.object({ timeout_ms: z.number().nullable(), on_timeout: z.enum(["cancel", "fail"]) }),
    output_schema: Json.optional(),
    quota: AgentQuota,
    tools: z.array(z.string()),
    egress: z.array(z.string()),
    isolation: IsolationLevelSchema,
    updated_at: z.string(),
  })
  .openapi("Agent");
export type Agent = z.infer<typeof Agent>;

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

export const RunnerState = z.enum(["ready", "not_ready", "draining", "dead"]);
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
  .object({ code: z.string().max(LIMITS.name), message: z.string().max(16_384) })
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
const stateFields = { ...plainStateFields, app_state: Json.optional() };

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

// ---- batches: many tasks or outcomes in one call, each answered on its own ----

/** One item's answer: its HTTP status as the single call would give it, and the task or the error. */
const ItemError = z.object({ code: z.string(), message: z.string(), details: Json.optional() });
export const BatchItemAnswer = z
  .object({ status: z.number().int(), task: Task.optional(), error: ItemError.optional() })
  .openapi("BatchItemAnswer");
export type BatchItemAnswer = z.infer<typeof BatchItemAnswer>;

export const SubmitBatch = z
  .strictObject({ tasks: z.array(SubmitTask).min(1).max(LIMITS.batchItems) })
  .openapi("SubmitBatch");
export type SubmitBatch = z.infer<typeof SubmitBatch>;
export const SubmitBatchAnswer = z
  .object({
    items: z
      .array(BatchItemAnswer)
      .describe("One per submitted task, in order: 201 created, 200 already submitted (idempotency key), or the error"),
  })
  .openapi("SubmitBatchAnswer");

const TaskRef = {
  task_id: z.string().min(1).max(LIMITS.name),
  epoch: Epoch,
  /** The lease's token (as the OfficeOS-Lease-Token header of the single calls). */
  lease_token: z.string().max(1024).optional(),
};
/** One outcome in a runner's report: the same fields and the same epoch fencing as the single calls. */
export const ReportItem = z
  .discriminatedUnion("outcome", [
    z.strictObject({
      ...TaskRef,
      outcome: z.literal("complete"),
      result: Json.optional(),
      usage: TaskUsage.optional(),
    }),
    z.strictObject({
      ...TaskRef,
      outcome: z.literal("fail"),
      error: TaskError,
      retryable: z.boolean().optional(),
      usage: TaskUsage.optional(),
    }),
    z.strictObject({ ...TaskRef, outcome: z.literal("release") }),
  ])
  .openapi("ReportItem");
export type ReportItem = z.infer<typeof ReportItem>;
export const Report = z.strictObject({ reports: z.array(ReportItem).min(1).max(LIMITS.batchItems) }).openapi("Report");
export const ReportAnswer = z
  .object({
    items: z
      .array(BatchItemAnswer.extend({ task_id: z.string() }))
      .describe("One per report, in order: 200 with the task, or the error the single call would give"),
  })
  .openapi("ReportAnswer");
export type ReportAnswer = z.infer<typeof ReportAnswer>;

export const ErrorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: Json.optional() }),
  })
  .openapi("Error");

export const SchedulerAgent = z
  .object({
    agent: z.string(),
    weight: z.number(),
    dominant_resource: z.string().nullable(),
    dominant_share: z.number(),
    allocated: ResourceTotals,
    queued: z.number(),
    running: z.number(),
  })
  .openapi("SchedulerAgent");
export const SchedulerView = z
  .object({ capacity: ResourceTotals, agents: z.array(SchedulerAgent), queued: z.number(), running: z.number() })
  .openapi("SchedulerView");
export type SchedulerView = z.infer<typeof SchedulerView>;

// ---- people in the loop ------------------------------------------------------

/** The runner, for its agent: stop here until a person decides. */
export const RequestApproval = z
  .strictObject({
    epoch: Epoch,
    gate: GateName,
    message: z.string().max(4096).optional(),
    details: Json.optional(),
  })
  .openapi("RequestApproval");
export const ApprovalAnswer = z
  .object({ state: z.enum(["decided", "awaiting_approval"]), decision: GateDecision.optional(), task: Task })
  .openapi("ApprovalAnswer");
export type ApprovalAnswer = z.infer<typeof ApprovalAnswer>;

export const Decide = z
  .strictObject({
    decision: z.enum(["approve", "reject"]),
    comment: z.string().max(4096).optional(),
    /** Decide a gate the task has not reached yet; it passes at once when it gets there. */
    gate: GateName.optional(),
  })
  .openapi("Decide");
export type Decide = z.infer<typeof Decide>;

export const EscalationAction = z
  .strictObject({
    action: z.enum(["retry", "resolve", "cancel"]),
    /** retry: replaces the task input. */
    input: Json.optional(),
    /** retry: a full state to resume from, saved as the instance's newest checkpoint. */
    state: AgentStateJson.optional(),
    /** resolve: the task's result. */
    result: Json.optional(),
    comment: z.string().max(4096).optional(),
  })
  .refine((a) => a.action === "retry" || (a.input === undefined && a.state === undefined), {
    message: "input and state go with action retry",
    path: ["input"],
  })
  .refine((a) => a.action === "resolve" || a.result === undefined, {
    message: "result goes with action resolve",
    path: ["result"],
  })
  .openapi("EscalationAction");
export type EscalationAction = z.infer<typeof EscalationAction>;

export const Escalation = z
  .object({ task: Task, reason: TaskError, escalated_at: z.string(), deadline_at: z.string().optional() })
  .openapi("Escalation");
export const EscalationList = z.object({ escalations: z.array(Escalation) }).openapi("EscalationList");
export const Approval = z
  .object({
    task: Task,
    gate: z.string(),
    message: z.string().optional(),
    details: Json.optional(),
    requested_at: z.string(),
    deadline_at: z.string().optional(),
  })
  .openapi("Approval");
export const ApprovalList = z.object({ approvals: z.array(Approval) }).openapi("ApprovalList");

// ---- events --------------------------------------------------------------------

export const TaskEvent = z
  .object({
    seq: z.number(),
    at: z.number(),
    type: z.string(),
    actor: z.string(),
    state: z.string().optional(),
    details: Json.optional(),
  })
  .openapi("TaskEvent");
export type TaskEvent = z.infer<typeof TaskEvent>;
export const TaskEvents = z.object({ events: z.array(TaskEvent), next: z.number() }).openapi("TaskEvents");
export type TaskEvents = z.infer<typeof TaskEvents>;
export const EventsQuery = z.object({
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  wait_ms: z.coerce.number().int().min(0).max(LIMITS.waitMs).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
// ---- quotas ---------------------------------------------------------------------

export const ReserveLlm = z
  .strictObject({
    task_id: z.string().min(1).max(LIMITS.name),
    epoch: Epoch,
    /** Estimated tokens of the call: prompt estimate + max_tokens. */
    tokens: z.number().int().min(0).max(100_000_000),
    requests: z.number().int().min(0).max(1000).optional(),
    /** Accept a grant that may act this far in the future (x/time/rate Reserve); default 0 (now or 429). */
    max_wait_ms: z.number().int().min(0).max(60_000).optional(),
  })
  .openapi("ReserveLlm");
export type ReserveLlm = z.infer<typeof ReserveLlm>;
export const LlmReservation = z
  .object({ reservation_id: z.string(), tokens: z.number(), requests: z.number(), delay_ms: z.number() })
  .openapi("LlmReservation");
export type LlmReservation = z.infer<typeof LlmReservation>;
export const SettleLlm = z
  .strictObject({
    usage: z.strictObject({
      prompt_tokens: z.number().int().min(0).max(100_000_000).optional(),
      completion_tokens: z.number().int().min(0).max(100_000_000).optional(),
      total_tokens: z.number().int().min(0).max(100_000_000),
    }),
    model: z.string().max(LIMITS.name).optional(),
  })
  .openapi("SettleLlm");
export type SettleLlm = z.infer<typeof SettleLlm>;
export const LlmSettled = z
  .object({
    reservation_id: z.string(),
    state: z.enum(["settled", "cancelled"]),
    reserved: z.number(),
    used: z.number(),
    cost: z.number(),
  })
  .openapi("LlmSettled");
export type LlmSettled = z.infer<typeof LlmSettled>;

export const QuotaBucketView = z
  .object({
    scope: z.enum(["tenant", "agent", "instance"]),
    key: z.string(),
    kind: z.enum(["llm_tokens", "llm_requests"]),
    rate_per_minute: z.number(),
    burst: z.number(),
    /** Tokens in the bucket now; negative while it is paying back use beyond a reservation. */
    level: z.number(),
    /** Reservations refused (429) by this bucket. */
    throttled: z.number(),
    granted: z.number(),
  })
  .openapi("QuotaBucket");
export type QuotaBucketView = z.infer<typeof QuotaBucketView>;
export const QuotasView = z
  .object({
    tenant: TenantQuota,
    buckets: z.array(QuotaBucketView),
    concurrent: z.array(
      z.object({ scope: z.enum(["tenant", "agent"]), key: z.string(), limit: z.number(), running: z.number() }),
    ),
    daily: z.array(
      z.object({
        scope: z.enum(["tenant", "agent"]),
        key: z.string(),
        period_start: z.string(),
        used: z.record(z.string(), z.number()),
        limits: DailyBudget,
      }),
    ),
  })
  .openapi("Quotas");
export type QuotasView = z.infer<typeof QuotasView>;
