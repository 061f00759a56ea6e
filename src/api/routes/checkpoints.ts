// Checkpoint write and read, in protobuf or JSON. The TenantDO fences the
// lease epoch; the AgentDO stores the bytes and fences again by its floor.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, toJson, unwrap } from "../errors.js";
import { agentStub, requireScope, type AppEnv } from "../context.js";
import { requireLeaseToken } from "../lease-auth.js";
import { errors, json, PathId, security } from "../openapi.js";
import { CheckpointRecord, CheckpointSaved, CheckpointView, LIMITS, PutCheckpointJson } from "../schemas.js";
import { decodeDelta, decodeState, encodeDelta, encodeState, wrapCheckpoint } from "../../checkpoint/codec.js";
import type { CheckpointWrite, StoredCheckpoint } from "../../durable/agent-do.js";

export const checkpoints = new OpenAPIHono<AppEnv>();

export const PROTOBUF = "application/x-protobuf";
const IdParam = z.object({ id: PathId });

export function checkpointView(s: StoredCheckpoint): CheckpointView {
  const d = decodeState(s.state);
  // Stored bytes were decoded once before they were written, so this holds.
  if (d.kind === "error") throw new ApiError("internal", `stored checkpoint ${s.seq} is unreadable`);
  const view: CheckpointView = {
    seq: s.seq,
    task_id: s.task_id,
    created_at: new Date(s.created_at_ms).toISOString(),
    state: d.state,
  };
  if (s.broken) view.broken = s.broken;
  return view;
}

function tooLarge(size: number): ApiError {
  return new ApiError(
    "payload_too_large",
    `checkpoint is ${size} bytes; the limit is ${LIMITS.checkpointBytes} bytes`,
    { limit: LIMITS.checkpointBytes, size },
  );
}

checkpoints.openapi(
  createRoute({
    method: "put",
    path: "/v1/tasks/{id}/checkpoint",
    summary:
      "Save the instance's state: full or a delta on the latest (protobuf AgentState or StateDelta with headers OfficeOS-Epoch and OfficeOS-Checkpoint-Kind, or JSON)",
    security,
    middleware: [requireScope("runner")] as const,
    request: {
      params: IdParam,
      body: {
        content: {
          "application/json": { schema: PutCheckpointJson },
          [PROTOBUF]: {
            schema: z.string().openapi({ type: "string", format: "binary", description: "officeos.v1.AgentState" }),
          },
        },
      },
    },
    responses: {
      200: json(CheckpointSaved, "Saved"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
      413: errors[413],
    },
  }),
  async (c) => {
    const taskId = c.req.valid("param").id;
    const caller = c.get("caller");
    let epoch: number;
    let write: CheckpointWrite;
    if ((c.req.header("content-type") ?? "").toLowerCase().startsWith(PROTOBUF)) {
      const header = c.req.header("officeos-epoch") ?? "";
      const parsed = z.coerce
        .number()
        .int()
        .min(1)
        .max(Number.MAX_SAFE_INTEGER)
        .safeParse(header === "" ? undefined : header);
      if (!parsed.success)
        throw new ApiError("bad_request", "header OfficeOS-Epoch must be the lease epoch, a positive integer");
      epoch = parsed.data;
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.byteLength > LIMITS.checkpointBytes) throw tooLarge(bytes.byteLength);
      const kind = (c.req.header("officeos-checkpoint-kind") ?? "full").toLowerCase();
      if (kind === "delta") {
        const d = decodeDelta(bytes);
        if (d.kind === "error") throw new ApiError("bad_request", d.message);
        if (d.delta.base_seq < 1)
          throw new ApiError("bad_request", "a delta needs base_seq, the checkpoint it extends");
        write = { kind: "delta", baseSeq: d.delta.base_seq, bytes };
      } else if (kind === "full") {
        const d = decodeState(bytes);
        if (d.kind === "error") throw new ApiError("bad_request", d.message);
        write = { kind: "full", bytes };
      } else throw new ApiError("bad_request", "header OfficeOS-Checkpoint-Kind must be full or delta");
    } else {
      const parsed = PutCheckpointJson.safeParse(c.req.valid("json"));
      if (!parsed.success) throw new ApiError("bad_request", "invalid checkpoint body", toJson(parsed.error.issues));
      epoch = parsed.data.epoch;
      const { state, delta } = parsed.data;
      const bytes = delta ? encodeDelta(delta) : encodeState(state ?? {});
      if (bytes.byteLength > LIMITS.checkpointBytes) throw tooLarge(bytes.byteLength);
      // JSON strings may hold lone surrogates, which encode to invalid UTF-8; stored bytes must decode.
      const d = delta ? decodeDelta(bytes) : decodeState(bytes);
      if (d.kind === "error") throw new ApiError("bad_request", `state cannot be stored: ${d.message}`);
      write = delta ? { kind: "delta", baseSeq: delta.base_seq, bytes } : { kind: "full", bytes };
    }
    await requireLeaseToken(c, taskId, epoch);
    const { instance } = unwrap(await caller.tenant.checkLease(taskId, epoch));
    const started = Date.now();
    const { seq, kind } = unwrap(await agentStub(c.env, caller.tenantId, instance).put(taskId, epoch, write));
    // Bookkeeping only (the task's checkpoint_seq, preemption's unsaved-work measure, metrics): not on the write's path.
    c.executionCtx.waitUntil(
      caller.tenant.recordCheckpoint(taskId, epoch, seq, {
        bytes: write.bytes.byteLength,
        ms: Date.now() - started,
        kind,
      }),
    );
    return c.json({ seq, kind }, 200);
  },
);

checkpoints.openapi(
  createRoute({
    method: "get",
    path: "/v1/tasks/{id}/checkpoint",
    summary: "The latest checkpoint of the task's instance (protobuf AgentCheckpoint when asked)",
    security,
    middleware: [requireScope("read", "runner")] as const,
    request: { params: IdParam },
    responses: {
      200: {
        content: {
          "application/json": { schema: CheckpointView },
          [PROTOBUF]: { schema: z.string().openapi({ format: "binary" }) },
        },
        description: "The checkpoint",
      },
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => {
    const caller = c.get("caller");
    const taskId = c.req.valid("param").id;
    const { instance } = unwrap(await caller.tenant.taskInstance(taskId));
    const stored = unwrap(await agentStub(c.env, caller.tenantId, instance).latest());
    if (!stored) throw new ApiError("not_found", `task "${taskId}" has no checkpoint yet`);
    if ((c.req.header("accept") ?? "").includes(PROTOBUF)) {
      const bytes = wrapCheckpoint(
        { seq: stored.seq, taskId: stored.task_id, epoch: stored.epoch, createdAtMs: stored.created_at_ms },
        stored.state,
      );
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { "content-type": PROTOBUF });
    }
    return c.json(checkpointView(stored), 200);
  },
);

checkpoints.openapi(
  createRoute({
    method: "get",
    path: "/v1/tasks/{id}/checkpoints",
    summary: "The checkpoint records the task's instance keeps, newest first: seq, kind, size, time (no state)",
    security,
    middleware: [requireScope("read")] as const,
    request: { params: IdParam, query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }) },
    responses: {
      200: json(z.object({ checkpoints: z.array(CheckpointRecord) }), "The records"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => {
    const caller = c.get("caller");
    const { instance } = unwrap(await caller.tenant.taskInstance(c.req.valid("param").id));
    const limit = c.req.valid("query").limit ?? 50;
    return c.json({ checkpoints: unwrap(await agentStub(c.env, caller.tenantId, instance).history(limit)) }, 200);
  },
);
