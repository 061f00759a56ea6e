// Thread checkpoints for LangGraph savers (integrations/langgraph): one AgentDO
// per thread stores them (src/durable/agent/threads.ts), one more per tenant
// indexes the threads for listing across them.
//
// Scopes: `read` reads; `submit` writes directly (a LangGraph app run outside
// OfficeOS). A `runner` key (the agent's side) reaches a thread only through a
// live lease it holds, on every route, reads and lists included: it names the
// lease in OfficeOS-Task-Id, OfficeOS-Epoch and OfficeOS-Lease-Token, which the
// runtime API of the runner adds for its agent process. Through a lease, a
// thread belongs to the lease's instance (claimed on first write, see
// src/durable/agent/threads.ts): another instance's lease is refused (403)
// before the thread's epoch floor is touched. Lease writes are fenced twice: by
// the task's current lease, and by the thread's epoch floor. The list across
// threads (GET /v1/checkpoints) is for `read` keys only: no lease owns it.
// Any key that sends the lease headers is held to that lease the same way.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError, unwrap, type JsonValue } from "../errors.js";
import { requireScopeVerified as requireScope, type AppEnv, type Remote } from "../context.js";
import { requireLeaseToken } from "../lease-auth.js";
import { errors, json, security } from "../openapi.js";
import {
  CheckpointIdParams,
  GetQuery,
  ListQuery,
  PutThreadCheckpoint,
  PutThreadWrites,
  ThreadCheckpointPage,
  ThreadCheckpointSaved,
  ThreadIdParam,
  ThreadTupleView,
  type TypedValue,
} from "../thread-schemas.js";
import { base64ToBytes, bytesToBase64 } from "../../checkpoint/codec.js";
import type { AgentDO } from "../../durable/agent-do.js";
import {
  PAGE_MAX,
  type ThreadActor,
  type ThreadQuery,
  type ThreadTuple,
  type Typed,
} from "../../durable/agent/threads.js";
import type { Env } from "../../env.js";

export const threads = new OpenAPIHono<AppEnv>();

/** `@` cannot appear in an instance name, so these objects never meet an agent instance's. */
const threadStub = (env: Env, tenantId: string, threadId: string): Remote<AgentDO> =>
  env.AGENT.get(env.AGENT.idFromName(`${tenantId}/@thread/${threadId}`)) as unknown as Remote<AgentDO>;
const indexStub = (env: Env, tenantId: string): Remote<AgentDO> =>
  env.AGENT.get(env.AGENT.idFromName(`${tenantId}/@threads`)) as unknown as Remote<AgentDO>;

const LeaseHeaders = z.object({
  "officeos-task-id": z
    .string()
    .min(1)
    .max(128)
    .optional()
    .openapi({ description: "with a runner key (required then): the task whose lease this call belongs to" }),
  "officeos-epoch": z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/)
    .optional()
    .openapi({ description: "with a runner key: that lease's epoch" }),
});

const bytes = (v: TypedValue): Typed => ({ type: v.type, data: base64ToBytes(v.data) });
const view = (v: Typed): TypedValue => ({ type: v.type, data: bytesToBase64(v.data) });

function tupleView(threadId: string, t: ThreadTuple): ThreadTupleView {
  return {
    thread_id: threadId,
    checkpoint_ns: t.ns,
    checkpoint_id: t.id,
    parent_checkpoint_id: t.parentId,
    checkpoint: view(t.checkpoint),
    metadata: view(t.metadata),
    channel_values: t.channelValues.map((c) => ({ channel: c.channel, value: view(c.value) })),
    pending_writes: t.pendingWrites.map((w) => ({ task_id: w.taskId, channel: w.channel, value: view(w.value) })),
  };
}

/** A call through a lease: its epoch (the fence) and its instance (the thread's owner); null for an outside key. */
type Binding = { epoch: number; actor: ThreadActor & object } | null;

/**
 * The lease a thread call is bound to. Without lease headers, only a key with
 * one of `unbound` (submit to write, read to read; admin passes both) acts
 * unbound; a runner key must name a lease it holds, proven by its token.
 */
async function leaseBinding(c: Context<AppEnv>, unbound: "submit" | "read"): Promise<Binding> {
  const caller = c.get("caller");
  const taskId = c.req.header("officeos-task-id");
  const epochText = c.req.header("officeos-epoch");
  if (taskId === undefined && epochText === undefined) {
    if (caller.scopes.includes(unbound) || caller.scopes.includes("admin")) return null;
    throw new ApiError(
      "forbidden",
      `a runner key ${unbound === "read" ? "reads" : "writes"} a thread only through a lease it holds: send OfficeOS-Task-Id, OfficeOS-Epoch and OfficeOS-Lease-Token`,
    );
  }
  const epoch = Number(epochText);
  if (!taskId || !Number.isSafeInteger(epoch) || epoch < 1)
    throw new ApiError("bad_request", "OfficeOS-Task-Id and OfficeOS-Epoch (a positive integer) go together");
  await requireLeaseToken(c, taskId, epoch);
  const { instance } = unwrap(await caller.tenant.checkLease(taskId, epoch));
  return { epoch, actor: { instance } };
}

const fence = (b: Binding): number | null => b?.epoch ?? null;
const actorOf = (b: Binding): ThreadActor => b?.actor ?? null;

function parseFilter(text: string | undefined): Record<string, JsonValue> | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", "filter must be a JSON object");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw new ApiError("bad_request", "filter must be a JSON object");
  return v as Record<string, JsonValue>;
}

threads.openapi(
  createRoute({
    method: "put",
    path: "/v1/threads/{thread_id}/checkpoints/{checkpoint_id}",
    summary: "Save a LangGraph checkpoint of a thread, with the values of the channels it changed",
    security,
    middleware: [requireScope("submit", "runner")] as const,
    request: {
      params: CheckpointIdParams,
      headers: LeaseHeaders,
      body: { content: { "application/json": { schema: PutThreadCheckpoint } }, required: true },
    },
    responses: {
      200: json(ThreadCheckpointSaved, "Saved"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      409: errors[409],
      413: errors[413],
    },
  }),
  async (c) => {
    const { thread_id, checkpoint_id } = c.req.valid("param");
    const b = c.req.valid("json");
    const bound = await leaseBinding(c, "submit");
    const caller = c.get("caller");
    const versions = Object.fromEntries(Object.entries(b.channel_versions).map(([k, v]) => [k, String(v)]));
    const put = {
      ns: b.checkpoint_ns,
      id: checkpoint_id,
      parentId: b.parent_checkpoint_id,
      checkpoint: bytes(b.checkpoint),
      metadata: bytes(b.metadata),
      metadataJson: JSON.stringify(b.metadata_json),
      versions,
      blobs: b.blobs.map((x) => ({ channel: x.channel, version: String(x.version), value: bytes(x.value) })),
    };
    const { first } = unwrap(
      await threadStub(c.env, caller.tenantId, thread_id).threadPut(put, fence(bound), actorOf(bound)),
    );
    // Listed across threads from now on; awaited so that a list right after sees it.
    if (first) unwrap(await indexStub(c.env, caller.tenantId).threadIndex({ add: thread_id }));
    return c.json({ thread_id, checkpoint_ns: b.checkpoint_ns, checkpoint_id }, 200);
  },
);

threads.openapi(
  createRoute({
    method: "put",
    path: "/v1/threads/{thread_id}/checkpoints/{checkpoint_id}/writes",
    summary: "Save a task's pending writes against a checkpoint",
    security,
    middleware: [requireScope("submit", "runner")] as const,
    request: {
      params: CheckpointIdParams,
      headers: LeaseHeaders,
      body: { content: { "application/json": { schema: PutThreadWrites } }, required: true },
    },
    responses: {
      200: json(z.object({ stored: z.number().int() }), "Saved"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      409: errors[409],
      413: errors[413],
    },
  }),
  async (c) => {
    const { thread_id, checkpoint_id } = c.req.valid("param");
    const b = c.req.valid("json");
    const bound = await leaseBinding(c, "submit");
    const w = {
      ns: b.checkpoint_ns,
      checkpointId: checkpoint_id,
      taskId: b.task_id,
      taskPath: b.task_path,
      writes: b.writes.map((x) => ({ channel: x.channel, idx: x.idx, value: bytes(x.value) })),
    };
    return c.json(
      unwrap(
        await threadStub(c.env, c.get("caller").tenantId, thread_id).threadPutWrites(w, fence(bound), actorOf(bound)),
      ),
      200,
    );
  },
);

threads.openapi(
  createRoute({
    method: "get",
    path: "/v1/threads/{thread_id}/checkpoints/{checkpoint_id}",
    summary: "One checkpoint of a thread with its channel values and pending writes",
    security,
    middleware: [requireScope("read", "runner")] as const,
    request: { params: CheckpointIdParams, query: GetQuery, headers: LeaseHeaders },
    responses: {
      200: json(ThreadTupleView, "The checkpoint"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => {
    const { thread_id, checkpoint_id } = c.req.valid("param");
    const ns = c.req.valid("query").checkpoint_ns ?? "";
    const bound = await leaseBinding(c, "read");
    const { tuples } = unwrap(
      await threadStub(c.env, c.get("caller").tenantId, thread_id).threadList(
        { ns, id: checkpoint_id, limit: 1 },
        actorOf(bound),
      ),
    );
    const t = tuples[0];
    if (!t)
      throw new ApiError(
        "not_found",
        `thread "${thread_id}" has no checkpoint "${checkpoint_id}" in namespace "${ns}"`,
      );
    return c.json(tupleView(thread_id, t), 200);
  },
);

threads.openapi(
  createRoute({
    method: "get",
    path: "/v1/threads/{thread_id}/checkpoints",
    summary: "A thread's checkpoints, newest first (filter: metadata equality); paged by next_before",
    security,
    middleware: [requireScope("read", "runner")] as const,
    request: { params: ThreadIdParam, query: ListQuery, headers: LeaseHeaders },
    responses: { 200: json(ThreadCheckpointPage, "Checkpoints"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const { thread_id } = c.req.valid("param");
    const q = c.req.valid("query");
    const query: ThreadQuery = { ns: q.checkpoint_ns, before: q.before, limit: q.limit, filter: parseFilter(q.filter) };
    const bound = await leaseBinding(c, "read");
    const { tuples, more } = unwrap(
      await threadStub(c.env, c.get("caller").tenantId, thread_id).threadList(query, actorOf(bound)),
    );
    return c.json(
      {
        checkpoints: tuples.map((t) => tupleView(thread_id, t)),
        next_before: more ? (tuples.at(-1)?.id ?? null) : null,
      },
      200,
    );
  },
);

/** Threads asked at once when listing across them. */
const FAN_OUT = 8;

threads.openapi(
  createRoute({
    method: "get",
    path: "/v1/checkpoints",
    summary:
      "Checkpoints of all the tenant's threads, newest first (asks every thread: for tools and tests, not hot paths); read keys only, never a runner's",
    security,
    middleware: [requireScope("read")] as const,
    request: { query: ListQuery },
    responses: { 200: json(ThreadCheckpointPage, "Checkpoints"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const tenantId = c.get("caller").tenantId;
    const want = Math.min(q.limit ?? PAGE_MAX, PAGE_MAX);
    const query: ThreadQuery = { ns: q.checkpoint_ns, before: q.before, limit: want, filter: parseFilter(q.filter) };
    const ids = unwrap(await indexStub(c.env, tenantId).threadIndex({ list: true }));
    const found: { threadId: string; t: ThreadTuple }[] = [];
    let more = false;
    for (let i = 0; i < ids.length; i += FAN_OUT) {
      const pages = await Promise.all(
        ids.slice(i, i + FAN_OUT).map(async (threadId) => ({
          threadId,
          page: unwrap(await threadStub(c.env, tenantId, threadId).threadList(query)),
        })),
      );
      for (const { threadId, page } of pages) {
        more ||= page.more;
        for (const t of page.tuples) found.push({ threadId, t });
      }
    }
    found.sort((a, b) => (a.t.id < b.t.id ? 1 : a.t.id > b.t.id ? -1 : a.threadId < b.threadId ? 1 : -1));
    const page = found.slice(0, want);
    more ||= found.length > want;
    if (q.limit !== undefined && page.length >= q.limit) more = false;
    return c.json(
      {
        checkpoints: page.map(({ threadId, t }) => tupleView(threadId, t)),
        next_before: more ? (page.at(-1)?.t.id ?? null) : null,
      },
      200,
    );
  },
);

threads.openapi(
  createRoute({
    method: "delete",
    path: "/v1/threads/{thread_id}",
    summary: "Delete a thread's checkpoints and writes",
    security,
    middleware: [requireScope("submit", "runner")] as const,
    request: { params: ThreadIdParam, headers: LeaseHeaders },
    responses: {
      200: json(z.object({ deleted: z.boolean() }), "Deleted (false: there was nothing)"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      409: errors[409],
    },
  }),
  async (c) => {
    const { thread_id } = c.req.valid("param");
    const bound = await leaseBinding(c, "submit");
    const tenantId = c.get("caller").tenantId;
    const r = unwrap(await threadStub(c.env, tenantId, thread_id).threadClear(fence(bound), actorOf(bound)));
    // A lease's delete keeps the thread's owner (and object); it leaves the tenant's list once empty either way.
    unwrap(await indexStub(c.env, tenantId).threadIndex({ remove: thread_id }));
    return c.json(r, 200);
  },
);
