import type { AgentDO } from "./durable/agent-do.js";
import type { TenantDO } from "./durable/tenant-do.js";

/** Bindings and variables the Worker is deployed with (see wrangler.toml). */
export interface Env {
  TENANT: DurableObjectNamespace<TenantDO>;
  AGENT: DurableObjectNamespace<AgentDO>;
  /** Operator token for POST /v1/tenants; unset disables tenant creation. */
  OFFICEOS_ADMIN_TOKEN?: string;
}
