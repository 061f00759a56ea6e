// The Worker's environment, validated with zod at the edge (src/worker.ts):
// a variable set to something the code cannot use stops the Worker from
// serving (503 naming the variable, never its value, which may be a secret)
// instead of being silently replaced by a default deep inside a Durable Object.
import { z } from "zod";
import type { AgentDO } from "./durable/agent-do.js";
import type { TenantDO } from "./durable/tenant-do.js";

/** Bindings and variables the Worker is deployed with (see wrangler.toml). */
export interface Env {
  TENANT: DurableObjectNamespace<TenantDO>;
  AGENT: DurableObjectNamespace<AgentDO>;
  /** Operator token for POST /v1/tenants; unset disables tenant creation. */
  OFFICEOS_ADMIN_TOKEN?: string;
  /** Upstash Redis REST endpoint and token: with both set, large checkpoints spill to Redis. */
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
  /** Checkpoint records above this many bytes spill to Redis (default 1048576). */
  OFFICEOS_SPILL_BYTES?: string;
  /** Retention of spilled blobs in seconds: at least (and by default) 37 days, the longest park plus a week (see agent-do.ts). */
  OFFICEOS_SPILL_TTL_S?: string;
  /** Per-key rate limit (requests/s and burst) for admin, submit and read keys; "0" turns it off (default 50 and 200). */
  OFFICEOS_RATE_RPS?: string;
  OFFICEOS_RATE_BURST?: string;
  /** The same for runner keys, kept apart so that long-polls and heartbeats never starve (default 200 and 1000). */
  OFFICEOS_RUNNER_RATE_RPS?: string;
  OFFICEOS_RUNNER_RATE_BURST?: string;
  /** Per-tenant caps: registered runners, and active keys other than runner credentials (default 1000 each). */
  OFFICEOS_MAX_RUNNERS?: string;
  OFFICEOS_MAX_KEYS?: string;
  /** Days an agent's captured output is kept in its AgentDO (default 7; docs/logs.md). */
  OFFICEOS_LOG_RETENTION_DAYS?: string;
}

/** Variables arrive as text; empty means unset (as the readers in src/durable treat it). */
const text = (check: z.ZodType<unknown>, expected: string) =>
  z
    .string({ error: `expected ${expected}, as a string` })
    .optional()
    .refine((v) => v === undefined || v.trim() === "" || check.safeParse(Number(v)).success, {
      error: `expected ${expected}`,
    });
const wholeAtLeast1 = text(z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), "a whole number ≥ 1");
const rate = text(z.number().min(0).max(1e9), "a number ≥ 0");

const binding = (name: string) =>
  z.custom<unknown>((v) => typeof v === "object" && v !== null, {
    error: `the ${name} Durable Object binding is missing`,
  });

export const EnvSchema = z
  .looseObject({
    TENANT: binding("TENANT"),
    AGENT: binding("AGENT"),
    OFFICEOS_ADMIN_TOKEN: z.string().min(1, { error: "set but empty: unset it to disable tenant creation" }).optional(),
    UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/, error: "expected an http(s) URL" }).optional(),
    UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
    OFFICEOS_SPILL_BYTES: wholeAtLeast1,
    OFFICEOS_SPILL_TTL_S: wholeAtLeast1,
    OFFICEOS_RATE_RPS: rate,
    OFFICEOS_RATE_BURST: rate,
    OFFICEOS_RUNNER_RATE_RPS: rate,
    OFFICEOS_RUNNER_RATE_BURST: rate,
    OFFICEOS_MAX_RUNNERS: wholeAtLeast1,
    OFFICEOS_MAX_KEYS: wholeAtLeast1,
    OFFICEOS_LOG_RETENTION_DAYS: text(z.number().positive().max(36_500), "a number of days > 0"),
  })
  .refine((e) => (e.UPSTASH_REDIS_REST_URL === undefined) === (e.UPSTASH_REDIS_REST_TOKEN === undefined), {
    error: "set both UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN, or neither",
    path: ["UPSTASH_REDIS_REST_TOKEN"],
  });

export interface EnvProblem {
  variable: string;
  problem: string;
}

export type EnvCheck = { kind: "ok" } | { kind: "invalid"; problems: EnvProblem[]; message: string };

const checked = new WeakMap<object, EnvCheck>();

/** Validates the environment once per env object (an isolate keeps one). */
export function checkEnv(env: object): EnvCheck {
  let c = checked.get(env);
  if (c) return c;
  const r = EnvSchema.safeParse(env);
  if (r.success) c = { kind: "ok" };
  else {
    const problems = r.error.issues.map((i) => ({ variable: String(i.path[0] ?? "env"), problem: i.message }));
    c = {
      kind: "invalid",
      problems,
      message: `the Worker is misconfigured: ${problems.map((p) => `${p.variable}: ${p.problem}`).join("; ")}`,
    };
  }
  checked.set(env, c);
  return c;
}
