// Task submission, reads, cancel, and the runner's complete / fail / release.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { unwrap } from "../errors.js";
import { requireScope, type AppEnv } from "../context.js";
import { LEASE_TOKEN_HEADER, requireLeaseToken } from "../lease-auth.js";
import { body, errors, json, PathId, security } from "../openapi.js";
import {
  ApprovalAnswer,
  Complete,
  EventsQuery,
  Fail,
  ListTasksQuery,
  Release,
  RequestApproval,
  SubmitBatch,
  SubmitBatchAnswer,
  SubmitTask,
  Task,
  TaskEvents,
  TaskList,
} from "../schemas.js";

export const tasks = new OpenAPIHono<AppEnv>();

const IdParam = z.object({ id: PathId });
const TaskAnswer = z.object({ task: Task });
/** The lease token from the lease (or latest heartbeat) answer. */
export const LeaseTokenHeader = z.object({
  [LEASE_TOKEN_HEADER]: z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: "The lease token (required; from the lease or heartbeat answer)" }),
});

tasks.openapi(
  createRoute({
    method: "post",
    path: "/v1/tasks",
    summary: "Submit a task (idempotent with idempotency_key)",
    security,
    middleware: [requireScope("submit")] as const,
    request: body(SubmitTask),
    responses: {
      201: json(TaskAnswer, "Created"),
      200: json(TaskAnswer, "Already submitted with this idempotency key"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
    },
  }),
  async (c) => {
    const { task, created } = unwrap(
      await c.get("caller").tenant.submit(c.req.valid("json"), `key:${c.get("caller").keyId}`),
    );
    return created ? c.json({ task }, 201) : c.json({ task }, 200);
  },
);

tasks.openapi(
  createRoute({
    method: "post",
    path: "/v1/tasks/batch",
    summary:
      "Submit many tasks in one call; each is validated, deduplicated by its idempotency key and answered on its own",
    description:
      "The body is validated whole first: one malformed item refuses the call with 400 and nothing is stored. " +
      "Then each task is submitted exactly as by POST /v1/tasks, and `items[i]` answers `tasks[i]` with the status that call would have had " +
      "(201 created, 200 already submitted with this idempotency key, 404 unknown agent, 409 key reused for another request, ...) and the task or the error. " +
      "The call itself answers 200 when the batch was read, whatever its items' outcomes.",
    security,
    middleware: [requireScope("submit")] as const,
    request: body(SubmitBatch),
    responses: {
      200: json(SubmitBatchAnswer, "One answer per task, in order"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      413: errors[413],
    },
  }),
  async (c) =>
    c.json(
      unwrap(await c.get("caller").tenant.submitBatch(c.req.valid("json").tasks, `key:${c.get("caller").keyId}`)),
      200,
    ),
);

tasks.openapi(
  createRoute({
    method: "get",
    path: "/v1/tasks",
    security,
    middleware: [requireScope("read", "submit")] as const,
    request: { query: ListTasksQuery },
    responses: { 200: json(TaskList, "Tasks, newest first"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.listTasks(c.req.valid("query"))), 200),
);

tasks.openapi(
  createRoute({
    method: "get",
    path: "/v1/tasks/{id}",
    security,
    middleware: [requireScope("read", "submit", "runner")] as const,
    request: { params: IdParam },
    responses: { 200: json(TaskAnswer, "The task"), 401: errors[401], 403: errors[403], 404: errors[404] },
  }),
  async (c) => c.json({ task: unwrap(await c.get("caller").tenant.getTask(c.req.valid("param").id)) }, 200),
);

tasks.openapi(
  createRoute({
    method: "post",
    path: "/v1/tasks/{id}/cancel",
    security,
    middleware: [requireScope("submit")] as const,
    request: { params: IdParam },
    responses: {
      200: json(TaskAnswer, "The cancelled task"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
    },
  }),
  async (c) =>
    c.json(
      { task: unwrap(await c.get("caller").tenant.cancel(c.req.valid("param").id, `key:${c.get("caller").keyId}`)) },
      200,
    ),
);

const leaseResponses = {
  200: json(TaskAnswer, "The task after this outcome"),
  400: errors[400],
  401: errors[401],
  403: errors[403],
  404: errors[404],
  409: errors[409],
};

tasks.openapi(
  createRoute({
    method: "post",
    path: "/v1/tasks/{id}/complete",
    summary: "Report success (lease epoch required)",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, headers: LeaseTokenHeader, ...body(Complete) },
    responses: leaseResponses,
  }),
  async (c) => {
    const b = c.req.valid("json");
    await requireLeaseToken(c, c.req.valid("param").id, b.epoch);
    if (b.usage) unwrap(await c.get("caller").tenant.recordUsage(c.req.valid("param").id, b.epoch, b.usage));
    return c.json(
      { task: unwrap(await c.get("caller").tenant.complete(c.req.valid("param").id, b.epoch, b.result ?? null)) },
      200,
    );
  },
);

tasks.openapi(
  createRoute({
    method: "post",
    path: "/v1/tasks/{id}/fail",
    summary: "Report failure; the retry policy decides what follows",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, headers: LeaseTokenHeader, ...body(Fail) },
    responses: leaseResponses,
  }),
  async (c) => {
    const b = c.req.valid("json");
    await requireLeaseToken(c, c.req.valid("param").id, b.epoch);
    if (b.usage) unwrap(await c.get("caller").tenant.recordUsage(c.req.valid("param").id, b.epoch, b.usage));
    return c.json(
      {
        task: unwrap(await c.get("caller").tenant.fail(c.req.valid("param").id, b.epoch, b.error, b.retryable ?? true)),
      },
      200,
    );
  },
);

tasks.openapi(
  createRoute({
    method: "post",
    path: "/v1/tasks/{id}/release",
    summary: "Give the lease back (drain); requeued without charging an attempt",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, headers: LeaseTokenHeader, ...body(Release) },
    responses: leaseResponses,
  }),
  async (c) => {
    await requireLeaseToken(c, c.req.valid("param").id, c.req.valid("json").epoch);
    return c.json(
      { task: unwrap(await c.get("caller").tenant.release(c.req.valid("param").id, c.req.valid("json").epoch)) },
      200,
    );
  },
);

tasks.openapi(
  createRoute({
    method: "get",
    path: "/v1/tasks/{id}/events",
    summary: "The task's event log: every transition with time and actor; long-polls with wait_ms",
    security,
    middleware: [requireScope("read", "submit")] as const,
    request: { params: IdParam, query: EventsQuery },
    responses: {
      200: json(TaskEvents, "Events after `after`, oldest first"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    return c.json(
      unwrap(
        await c.get("caller").tenant.taskEvents(c.req.valid("param").id, q.after ?? 0, q.limit ?? 200, q.wait_ms ?? 0),
      ),
      200,
    );
  },
);

tasks.openapi(
  createRoute({
    method: "post",
    path: "/v1/tasks/{id}/approval",
    summary:
      "The agent stops at an approval gate (lease epoch required); answers at once if the gate is already decided",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, headers: LeaseTokenHeader, ...body(RequestApproval) },
    responses: {
      ...leaseResponses,
      200: json(ApprovalAnswer, "Decided, or now awaiting approval (the lease has ended)"),
    },
  }),
  async (c) => {
    const b = c.req.valid("json");
    await requireLeaseToken(c, c.req.valid("param").id, b.epoch);
    return c.json(
      unwrap(
        await c.get("caller").tenant.requestApproval(c.req.valid("param").id, b.epoch, b.gate, b.message, b.details),
      ),
      200,
    );
  },
);
