// Worker entry: the Hono app and the Durable Object classes wrangler binds.
// The environment is validated here, at the edge (src/env.ts): with a variable
// the code cannot use, every request but liveness gets a 503 naming it.
import { createApp } from "./api/app.js";
import { checkEnv, type Env } from "./env.js";

export { TenantDO } from "./durable/tenant-do.js";
export { AgentDO } from "./durable/agent-do.js";

const app = createApp();
/** Liveness says only that the Worker runs (see src/api/probes.ts), whatever its configuration. */
const LIVENESS = new Set(["/livez", "/healthz"]);

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    const c = checkEnv(env);
    if (c.kind === "invalid" && !LIVENESS.has(new URL(request.url).pathname)) {
      console.error(JSON.stringify({ level: "error", msg: "invalid environment", problems: c.problems }));
      const body = { error: { code: "unavailable", message: c.message, details: { variables: c.problems } } };
      return Response.json(body, { status: 503, headers: { "retry-after": "60" } });
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
