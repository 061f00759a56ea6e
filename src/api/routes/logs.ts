// An agent's captured output (docs/logs.md): the runner's batches, stored by the AgentDO of the
// task's instance, and GET /v1/tasks/{id}/logs, which pages and long-polls them.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, unwrap } from "../errors.js";
import { agentStub, requireScope, type AppEnv, type Caller } from "../context.js";
import { leaseTokenProblem } from "../lease-auth.js";
import { errors, json, PathId, security } from "../openapi.js";
import {
  LOGS_LIMIT_DEFAULT,
  LOGS_LIMIT_MAX,
  LOGS_WAIT_MAX_MS,
  TaskLogs,
  type LogBatch,
  type LogLine,
} from "../log-schemas.js";
import type { Env } from "../../env.js";
import { isFinal } from "../../task/states.js";
import type { TaskState } from "../schemas.js";

export const logs = new OpenAPIHono<AppEnv>();

/** Stores each batch its lease token proves in the task's instance object; the others are dropped (their lease is gone). */
export async function storeLogs(env: Env, caller: Caller, batches: LogBatch[]): Promise<number> {
  let stored = 0;
  await Promise.all(
    batches.map(async (b) => {
      if (await leaseTokenProblem(caller, b.lease_token, b.task_id, b.epoch)) return;
      const r = unwrap(
        await agentStub(env, caller.tenantId, b.instance).appendLogs({
          task_id: b.task_id,
          attempt: b.attempt,
          lines: b.lines,
        }),
      );
      stored += r.stored;
    }),
  );
  return stored;
}

const whole = (name: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .openapi({ param: { name, in: "query" }, type: "integer", minimum: min, maximum: max })
    .transform((v, ctx) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (v.trim() === "" || !Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: "custom",
          message: `query parameter ${name} must be a whole number from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return n;
    });

const LogsQuery = z.object({
  attempt: whole("attempt", 1, 1_000_000),
  after: whole("after", 0, Number.MAX_SAFE_INTEGER),
  limit: whole("limit", 1, LOGS_LIMIT_MAX),
  wait_ms: whole("wait_ms", 0, LOGS_WAIT_MAX_MS),
});

/** How long one wait in the agent object lasts before the task's state is looked at again. */
const RECHECK_MS = 2_000;
/** No more output is expected: the task has ended, or waits for a person (escalated). */
const finished = (s: TaskState): boolean => isFinal(s) || s === "escalated";

logs.openapi(
  createRoute({
    method: "get",
    path: "/v1/tasks/{id}/logs",
    summary:
      "What the task's agent printed: stdout and stderr lines of every attempt, oldest first; long-polls with wait_ms",
    description:
      "`after` is a cursor (a line's `seq`; 0 or absent: from the start), `next` the one to pass next; `next` is null when the task " +
      "has finished (succeeded, failed, cancelled, escalated) and nothing follows. `wait_ms` (at most 30000) waits for a line when " +
      "none is there yet, and answers early when the task finishes. Lines are scrubbed of known secrets by the runner (docs/logs.md).",
    security,
    middleware: [requireScope("read", "submit")] as const,
    request: { params: z.object({ id: PathId }), query: LogsQuery },
    responses: {
      200: json(TaskLogs, "Lines after `after`"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => {
    const caller = c.get("caller");
    const id = c.req.valid("param").id;
    const q = c.req.valid("query");
    const after = q.after ?? 0;
    const query = { taskId: id, attempt: q.attempt, after, limit: q.limit ?? LOGS_LIMIT_DEFAULT };
    let task = unwrap(await caller.tenant.getTask(id));
    const agent = agentStub(c.env, caller.tenantId, task.instance);
    const deadline = Date.now() + (q.wait_ms ?? 0);
    let page: { lines: LogLine[]; more: boolean };
    for (;;) {
      const wasFinished = finished(task.state);
      const left = wasFinished ? 0 : Math.min(RECHECK_MS, deadline - Date.now());
      page = unwrap(await agent.waitLogs(query, Math.max(0, left)));
      if (page.lines.length > 0 || wasFinished || Date.now() >= deadline) break;
      task = unwrap(await caller.tenant.getTask(id));
    }
    // The task's state is read before its lines: a finished task's last lines are already stored (the runner flushes them first).
    const last = page.lines.at(-1)?.seq ?? after;
    const done = finished(task.state) && !page.more;
    return c.json({ lines: page.lines, next: done ? null : last }, 200);
  },
  (result) => {
    if (result.success) return undefined;
    const issue = result.error.issues[0];
    throw new ApiError("bad_request", issue?.message ?? "invalid query", { parameter: String(issue?.path[0] ?? "") });
  },
);
