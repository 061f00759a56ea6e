// Agent specs and the policies in them: retry, timeouts, approvals, escalation, placement, quotas. (re-exported by schemas.ts)
import { z } from "@hono/zod-openapi";
import {
  Capabilities,
  DAY_MS,
  ErrorCode,
  Json,
  LIMITS,
  Labels,
  Millis,
  Name,
  PARK_MAX_MS,
  Resources,
} from "./schemas-base.js";

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
export const OutputSchema = z
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
export const rateFields = {
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

/** DELETE /v1/agents/{name}: the agent's spec is gone; its finished tasks (counted here) stay. */
export const AgentDeleted = z
  .object({ name: z.string(), deleted: z.boolean(), finished_tasks: z.number().int() })
  .openapi("AgentDeleted");
export type AgentDeleted = z.infer<typeof AgentDeleted>;
