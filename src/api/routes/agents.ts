import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { unwrap } from "../errors.js";
import { requireScope, type AppEnv } from "../context.js";
import { body, errors, json, PathId, security } from "../openapi.js";
import { Agent, AgentDeleted, AgentSpec } from "../schemas.js";

export const agents = new OpenAPIHono<AppEnv>();

const NameParam = z.object({ name: PathId.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only") });

agents.openapi(
  createRoute({
    method: "put",
    path: "/v1/agents/{name}",
    summary: "Register or replace an agent",
    security,
    middleware: [requireScope("admin")] as const,
    request: { params: NameParam, ...body(AgentSpec) },
    responses: { 200: json(Agent, "The agent"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) =>
    c.json(unwrap(await c.get("caller").tenant.putAgent(c.req.valid("param").name, c.req.valid("json"))), 200),
);

agents.openapi(
  createRoute({
    method: "get",
    path: "/v1/agents",
    security,
    middleware: [requireScope("read", "submit", "runner")] as const,
    responses: { 200: json(z.object({ agents: z.array(Agent) }), "All agents"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json({ agents: unwrap(await c.get("caller").tenant.listAgents()) }, 200),
);

agents.openapi(
  createRoute({
    method: "get",
    path: "/v1/agents/{name}",
    security,
    middleware: [requireScope("read", "submit", "runner")] as const,
    request: { params: NameParam },
    responses: { 200: json(Agent, "The agent"), 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.getAgent(c.req.valid("param").name)), 200),
);

agents.openapi(
  createRoute({
    method: "delete",
    path: "/v1/agents/{name}",
    summary: "Delete an agent",
    description:
      "Removes the agent's spec: new tasks for it are refused (404) until it is registered again. 409 while any of its tasks is unfinished (queued, leased, running, retry_wait, awaiting_approval, escalated), naming how many and their states; cancel them or let them end. Its finished tasks stay, with their events and results.",
    security,
    middleware: [requireScope("admin")] as const,
    request: { params: NameParam },
    responses: {
      200: json(AgentDeleted, "The agent is gone"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
    },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.deleteAgent(c.req.valid("param").name)), 200),
);
