// Worker entry: the Hono app and the Durable Object classes wrangler binds.
import { createApp } from "./api/app.js";

export { TenantDO } from "./durable/tenant-do.js";
export { AgentDO } from "./durable/agent-do.js";

export default createApp();
