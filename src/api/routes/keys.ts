// API keys (admin): create with scopes and an optional expiry, list without
// secrets, revoke (effective at once, see context.ts); and the audit log.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, unwrap } from "../errors.js";
import { requireScope, type AppEnv } from "../context.js";
import { body, errors, json, PathId, security } from "../openapi.js";
import { CreateKey, KeyCreated, LIMITS, Scope } from "../schemas.js";
import { formatKey, newKeyId, newSecret, sha256Hex } from "../../auth/keys.js";
import { AUDIT_TYPES, RUNNER_AUDIT_TYPES } from "../../durable/tenant/audit.js";

export const keys = new OpenAPIHono<AppEnv>();

export const KeyView = z
  .object({
    id: z.string(),
    /** The name given when the key was created (CreateKey.name), if any. */
    name: z.string().optional(),
    scopes: z.array(Scope),
    state: z.enum(["active", "expired", "revoked"]),
    created_at: z.string(),
    created_by: z.string().optional(),
    expires_at: z.string().optional(),
    revoked_at: z.string().optional(),
    runner_id: z.string().optional(),
    last_used_at: z.string().optional().openapi({ description: "Start of the last minute the key was used in" }),
  })
  .openapi("KeyView");

const AuditType = z.enum(AUDIT_TYPES);
export const AuditEntry = z
  .object({
    seq: z.number(),
    at: z.string(),
    type: AuditType,
    actor: z.string(),
    subject: z.string().optional(),
    details: z.json().optional().openapi({ type: "object" }),
  })
  .openapi("AuditEntry");
const AuditPage = z.object({ events: z.array(AuditEntry), next_cursor: z.string().optional() }).openapi("AuditPage");
const AuditQuery = z.strictObject({
  type: AuditType.optional(),
  cursor: z
    .string()
    .regex(/^[0-9]{1,16}$/)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export const ReportAudit = z
  .strictObject({
    type: z.enum(RUNNER_AUDIT_TYPES),
    task_id: z.string().min(1).max(LIMITS.name).optional(),
    details: z
      .record(z.string().max(LIMITS.name), z.json())
      .refine((d) => Object.keys(d).length <= LIMITS.listSize, "too many fields")
      .optional()
      .openapi({ type: "object" }),
  })
  .openapi("ReportAudit");

keys.openapi(
  createRoute({
    method: "post",
    path: "/v1/keys",
    summary: "Create an API key with scopes and an optional expiry; the secret is shown once",
    security,
    middleware: [requireScope("admin")] as const,
    request: body(CreateKey),
    responses: { 201: json(KeyCreated, "The key, shown once"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => {
    const caller = c.get("caller");
    const b = c.req.valid("json");
    const expiresAt =
      b.expires_in_s !== undefined
        ? Date.now() + b.expires_in_s * 1000
        : b.expires_at !== undefined
          ? Date.parse(b.expires_at)
          : undefined;
    if (expiresAt !== undefined && !Number.isFinite(expiresAt))
      throw new ApiError("bad_request", "expires_at is not a time");
    const key = { tenantId: caller.tenantId, keyId: newKeyId(), secret: newSecret() };
    const created = unwrap(
      await caller.tenant.createKey(key.keyId, await sha256Hex(key.secret), b.scopes, {
        ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
        ...(b.name !== undefined ? { name: b.name } : {}),
      }),
    );
    return c.json({ ...created, key: formatKey(key) }, 201);
  },
);

keys.openapi(
  createRoute({
    method: "get",
    path: "/v1/keys",
    summary: "The tenant's keys: ids, scopes, expiry, revocation, last use (never secrets)",
    security,
    middleware: [requireScope("admin")] as const,
    responses: {
      200: json(z.object({ keys: z.array(KeyView) }), "All keys, oldest first"),
      401: errors[401],
      403: errors[403],
    },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.listKeys()), 200),
);

keys.openapi(
  createRoute({
    method: "delete",
    path: "/v1/keys/{id}",
    summary: "Revoke a key: it stops working at once, on every isolate",
    security,
    middleware: [requireScope("admin")] as const,
    request: { params: z.object({ id: PathId }) },
    responses: {
      200: json(z.object({ key: KeyView }), "The revoked key"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
    },
  }),
  async (c) => c.json({ key: unwrap(await c.get("caller").tenant.revokeKey(c.req.valid("param").id)) }, 200),
);

keys.openapi(
  createRoute({
    method: "get",
    path: "/v1/audit",
    summary:
      "The tenant's audit log, newest first: keys created, used (per key per minute) and revoked; agent and quota changes; escalation and approval actions; tool calls denied",
    security,
    middleware: [requireScope("admin")] as const,
    request: { query: AuditQuery },
    responses: { 200: json(AuditPage, "A page of audit events"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.listAudit(c.req.valid("query"))), 200),
);

keys.openapi(
  createRoute({
    method: "post",
    path: "/v1/audit/events",
    summary: "A runner reports a tool call its gateway denied (or made)",
    security,
    middleware: [requireScope("runner")] as const,
    request: body(ReportAudit),
    responses: {
      201: json(z.object({ ok: z.literal(true) }), "Recorded"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
    },
  }),
  async (c) => {
    unwrap(await c.get("caller").tenant.recordAudit(c.req.valid("json")));
    return c.json({ ok: true as const }, 201);
  },
);
