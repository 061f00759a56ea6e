// Batches, people in the loop, events and LLM quotas. (re-exported by schemas.ts)
import { z } from "@hono/zod-openapi";
import { Json, LIMITS, ResourceTotals } from "./schemas-base.js";
import { TaskWaiting } from "./waiting-schema.js";
import { DailyBudget, TenantQuota } from "./schemas-agents.js";
import {
  AgentStateJson,
  Epoch,
  GateDecision,
  GateName,
  SubmitTask,
  Task,
  TaskError,
  TaskUsage,
} from "./schemas-tasks.js";

// ---- batches: many tasks or outcomes in one call, each answered on its own ----

/** One item's answer: its HTTP status as the single call would give it, and the task or the error. */
export const ItemError = z.object({ code: z.string(), message: z.string(), details: Json.optional() });
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

export const TaskRef = {
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
export const TaskEvents = z
  .object({
    events: z.array(TaskEvent),
    next: z.number(),
    /** Why the task is not running at the time of this answer (docs/waiting.md); absent when it is, or could be. */
    waiting: TaskWaiting.optional(),
  })
  .openapi("TaskEvents");
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
