// Runner registration, long-poll lease, heartbeat, drain.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, toErrorResponse, unwrap } from "../errors.js";
import { agentStub, requireScope, type AppEnv } from "../context.js";
import { body, errors, json, PathId, security } from "../openapi.js";
import {
  Heartbeat,
  HeartbeatAnswer,
  LeaseAnswer,
  LeaseRequest,
  RegisterRunner,
  Report,
  ReportAnswer,
  Runner,
  SchedulerView,
  type Lease,
} from "../schemas.js";
import { checkpointView } from "./checkpoints.js";
import { storeLogs } from "./logs.js";
import { leaseTokenProblem, signLease } from "../lease-auth.js";
import { formatKey, newKeyId, newSecret, sha256Hex } from "../../auth/keys.js";

export const runners = new OpenAPIHono<AppEnv>();

const IdParam = z.object({ id: PathId });

runners.openapi(
  createRoute({
    method: "post",
    path: "/v1/runners",
    summary: "Register a runner",
    security,
    middleware: [requireScope("runner")] as const,
    request: body(RegisterRunner),
    responses: {
      201: json(
        z.object({
          runner: Runner,
          credential: z.object({ id: z.string(), key: z.string() }).openapi({
            description:
              "A runner key bound to this runner (shown once): it leases, heartbeats and reports only as this runner. Use it from now on.",
          }),
        }),
        "The registered runner and its own credential",
      ),
      400: errors[400],
      401: errors[401],
      403: errors[403],
    },
  }),
  async (c) => {
    const caller = c.get("caller");
    const runner = unwrap(await caller.tenant.registerRunner(c.req.valid("json")));
    const key = { tenantId: caller.tenantId, keyId: newKeyId(), secret: newSecret() };
    unwrap(await caller.tenant.createKey(key.keyId, await sha256Hex(key.secret), ["runner"], { runner_id: runner.id }));
    return c.json({ runner, credential: { id: key.keyId, key: formatKey(key) } }, 201);
  },
);

runners.openapi(
  createRoute({
    method: "get",
    path: "/v1/runners",
    security,
    middleware: [requireScope("read", "runner")] as const,
    responses: { 200: json(z.object({ runners: z.array(Runner) }), "All runners"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json({ runners: unwrap(await c.get("caller").tenant.listRunners()) }, 200),
);

runners.openapi(
  createRoute({
    method: "get",
    path: "/v1/runners/{id}",
    security,
    middleware: [requireScope("read", "runner")] as const,
    request: { params: IdParam },
    responses: {
      200: json(z.object({ runner: Runner }), "The runner"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => c.json({ runner: unwrap(await c.get("caller").tenant.getRunner(c.req.valid("param").id)) }, 200),
);

runners.openapi(
  createRoute({
    method: "post",
    path: "/v1/runners/{id}/lease",
    summary: "Long-poll for tasks that fit this runner",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, ...body(LeaseRequest) },
    responses: {
      200: json(LeaseAnswer, "Leases, possibly none after the wait"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
    },
  }),
  async (c) => {
    const caller = c.get("caller");
    const { max_tasks = 1, wait_ms = 0 } = c.req.valid("json");
    const grants = unwrap(await caller.tenant.lease(c.req.valid("param").id, max_tasks, wait_ms));
    const leases = await Promise.all(
      grants.map(async (g): Promise<Lease> => {
        const lease: Lease = {
          lease_id: g.lease_id,
          epoch: g.epoch,
          expires_at: g.expires_at,
          task: g.task,
          resources: g.resources,
        };
        lease.lease_token = await signLease(caller, g.task.id, g.epoch, g.expires_at);
        if (!g.load_checkpoint) return lease;
        // Raise the instance's epoch floor before the runner can write, and hand it the state to resume from.
        let stored;
        try {
          stored = unwrap(await agentStub(c.env, caller.tenantId, g.task.instance).claim(g.task.id, g.epoch));
        } catch (e) {
          if (e instanceof ApiError) throw e;
          throw new ApiError("unavailable", "checkpoint store unreachable; the lease will expire and requeue");
        }
        if (stored) lease.checkpoint = checkpointView(stored);
        return lease;
      }),
    );
    return c.json({ leases }, 200);
  },
);

runners.openapi(
  createRoute({
    method: "post",
    path: "/v1/runners/{id}/heartbeat",
    summary: "Extend all of a runner's leases in one call",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, ...body(Heartbeat) },
    responses: {
      200: json(HeartbeatAnswer, "New expiry; tasks to stop"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => {
    const caller = c.get("caller");
    const b = c.req.valid("json");
    // Only leases proven by their token are extended; the others are told to stop.
    const proven: { task_id: string; epoch: number }[] = [];
    const unproven: string[] = [];
    for (const l of b.leases) {
      if (await leaseTokenProblem(caller, l.lease_token, l.task_id, l.epoch)) unproven.push(l.task_id);
      else proven.push({ task_id: l.task_id, epoch: l.epoch });
    }
    // Captured agent output goes to each task's instance object first (docs/logs.md), each batch proven by its lease token.
    // Only logs: the tenant's lease state is not touched (the runner's shipper sends these), and a failure to store
    // them is the call's (the runner keeps the lines and sends them again). Beside leases, it never costs the leases.
    if (b.leases.length === 0 && b.health === undefined && b.logs?.length) {
      await storeLogs(c.env, caller, b.logs);
      return c.json({ expires_at: new Date().toISOString(), cancel: [], preempt: [], lease_tokens: {} }, 200);
    }
    if (b.logs?.length) await storeLogs(c.env, caller, b.logs).catch(() => 0);
    const answer = unwrap(await caller.tenant.heartbeat(c.req.valid("param").id, proven, b.health));
    const cancelled = new Set(answer.cancel);
    const lease_tokens: Record<string, string> = {};
    for (const l of proven)
      if (!cancelled.has(l.task_id))
        lease_tokens[l.task_id] = await signLease(caller, l.task_id, l.epoch, answer.expires_at);
    return c.json({ ...answer, cancel: [...answer.cancel, ...unproven], lease_tokens }, 200);
  },
);

runners.openapi(
  createRoute({
    method: "post",
    path: "/v1/runners/{id}/report",
    summary: "Report many outcomes (complete, fail, release) in one call, each fenced by its lease epoch",
    description:
      "Each report is applied exactly as POST /v1/tasks/{task_id}/complete, /fail or /release would apply it, and `items[i]` answers `reports[i]` " +
      "with that call's status: 200 and the task, or the error (409 for a stale epoch or a task leased to another runner, 404 for an unknown task). " +
      "A stale report is refused on its own; the others still apply. A malformed body is refused whole with 400 and nothing is applied.",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, ...body(Report) },
    responses: {
      200: json(ReportAnswer, "One answer per report, in order"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      413: errors[413],
    },
  }),
  async (c) => {
    const caller = c.get("caller");
    const reports = c.req.valid("json").reports;
    // Each report must prove its lease like the single call; one that cannot is refused on its own.
    const problems = await Promise.all(
      reports.map((r) => leaseTokenProblem(caller, r.lease_token, r.task_id, r.epoch)),
    );
    const proven = reports.filter((_, i) => problems[i] === null).map(({ lease_token: _t, ...r }) => r);
    // Called even with nothing proven: the runner itself must exist and be this key's to report for.
    const applied = unwrap(await caller.tenant.report(c.req.valid("param").id, proven)).items;
    let next = 0;
    const items = reports.map((r, i) => {
      const p = problems[i];
      if (!p) return applied[next++] as (typeof applied)[number];
      const { status, body: err } = toErrorResponse(p);
      return { task_id: r.task_id, status, error: err.error };
    });
    return c.json({ items }, 200);
  },
);

runners.openapi(
  createRoute({
    method: "delete",
    path: "/v1/runners/{id}",
    summary: "Drain: no new leases; running leases end normally",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam },
    responses: {
      200: json(z.object({ runner: Runner }), "The draining runner"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => c.json({ runner: unwrap(await c.get("caller").tenant.drainRunner(c.req.valid("param").id)) }, 200),
);

runners.openapi(
  createRoute({
    method: "post",
    path: "/v1/runners/{id}/stopped",
    summary: "The runner stopped cleanly (drained, its agents gone): its state becomes `stopped`",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam },
    responses: {
      200: json(z.object({ runner: Runner }), "The stopped runner"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => c.json({ runner: unwrap(await c.get("caller").tenant.runnerStopped(c.req.valid("param").id)) }, 200),
);

runners.openapi(
  createRoute({
    method: "get",
    path: "/v1/scheduler",
    summary: "DRF state: per agent its weight, dominant resource and share, queued and running counts",
    security,
    middleware: [requireScope("read", "runner")] as const,
    responses: { 200: json(SchedulerView, "The scheduler's view"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.scheduler()), 200),
);

runners.openapi(
  createRoute({
    method: "post",
    path: "/v1/runners/{id}/forget",
    summary: "Remove a stopped runner for good",
    description:
      "Deletes a runner that holds no lease: its row, its place in the scheduler and the credentials bound to it, as the daily prune does for runners unseen for 24 h. For a runner that will not come back (officeos dev stops its own and forgets it): tasks no longer wait on it as a runner that could run them. 409 while it holds leases (drain it first).",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam },
    responses: {
      200: json(z.object({ runner: z.string(), forgotten: z.boolean() }), "The runner is gone"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
    },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.forgetRunner(c.req.valid("param").id)), 200),
);
