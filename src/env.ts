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
}
