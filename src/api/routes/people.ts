// People in the loop: escalated tasks and approval gates, listed and acted on.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { encodeState } from "../../checkpoint/codec.js";
import { agentStub, requireScope, unwrap, type AppEnv } from "../context.js";
import { body, errors, json, PathId, security } from "../openapi.js";
import { ApprovalList, Decide, EscalationAction, EscalationList, Task } from "../schemas.js";

export const people = new OpenAPIHono<AppEnv>();

const TaskIdParam = z.object({ task_id: PathId });
const TaskAnswer = z.object({ task: Task });
const actionResponses = {
  200: json(TaskAnswer, "The task after the action"),
  400: errors[400],
  401: errors[401],
  403: errors[403],
  404: errors[404],
  409: errors[409],
};

people.openapi(
  createRoute({
    method: "get",
    path: "/v1/escalations",
    summary: "Tasks that exhausted their retry policy and wait for a person",
    security,
    middleware: [requireScope("read")] as const,
    responses: { 200: json(EscalationList, "Oldest first"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.listEscalations()), 200),
);

people.openapi(
  createRoute({
    method: "post",
    path: "/v1/escalations/{task_id}",
    summary: "Retry (optionally with edited input or state), resolve with a result, or cancel",
    security,
    middleware: [requireScope("admin")] as const,
    request: { params: TaskIdParam, ...body(EscalationAction) },
    responses: actionResponses,
  }),
  async (c) => {
    const caller = c.get("caller");
    const taskId = c.req.valid("param").task_id;
    const a = c.req.valid("json");
    if (a.action === "retry" && a.state !== undefined) {
      // The edited state becomes the instance's newest checkpoint, written under a
      // fresh epoch so that no earlier lease can overwrite it.
      const { epoch, instance } = unwrap(await caller.tenant.escalationEpoch(taskId));
      unwrap(
        await agentStub(c.env, caller.tenantId, instance).put(taskId, epoch, {
          kind: "full",
          bytes: encodeState(a.state),
        }),
      );
    }
    return c.json({ task: unwrap(await caller.tenant.actOnEscalation(taskId, a, `key:${caller.keyId}`)) }, 200);
  },
);

people.openapi(
  createRoute({
    method: "get",
    path: "/v1/approvals",
    summary: "Tasks stopped at an approval gate",
    security,
    middleware: [requireScope("read")] as const,
    responses: { 200: json(ApprovalList, "Oldest first"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.listApprovals()), 200),
);

people.openapi(
  createRoute({
    method: "post",
    path: "/v1/approvals/{task_id}",
    summary: "Approve or reject the gate a task waits at (or, naming `gate`, one it has not reached yet)",
    security,
    middleware: [requireScope("admin")] as const,
    request: { params: TaskIdParam, ...body(Decide) },
    responses: actionResponses,
  }),
  async (c) => {
    const caller = c.get("caller");
    return c.json(
      {
        task: unwrap(
          await caller.tenant.decide(c.req.valid("param").task_id, c.req.valid("json"), `key:${caller.keyId}`),
        ),
      },
      200,
    );
  },
);

people.openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    summary: "The tenant's metrics, Prometheus text format 0.0.4",
    security,
    middleware: [requireScope("read")] as const,
    responses: {
      200: { content: { "text/plain": { schema: z.string() } }, description: "Prometheus exposition" },
      401: errors[401],
      403: errors[403],
    },
  }),
  async (c) =>
    c.text(await c.get("caller").tenant.metrics(), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }),
);
