// Quotas: the tenant's limits (admin), their state (read), and the LLM token
// reservations a runner takes before forwarding a call to the model (runner,
// with the task's live lease).
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, unwrap, type Result } from "../errors.js";
import { requireScope, type AppEnv } from "../context.js";
import { requireLeaseToken } from "../lease-auth.js";
import { body, errors, json, PathId, security } from "../openapi.js";
import { ErrorSchema, LlmReservation, LlmSettled, QuotasView, ReserveLlm, SettleLlm, TenantQuota } from "../schemas.js";

export const quotas = new OpenAPIHono<AppEnv>();

const IdParam = z.object({ id: PathId });
const tooMany = {
  content: { "application/json": { schema: ErrorSchema } },
  description: "A bucket is empty: `Retry-After` (seconds) and details.retry_after_ms say when to ask again",
  headers: {
    "Retry-After": {
      schema: { type: "integer" as const },
      description: "Seconds until the reservation could be granted",
    },
  },
};

/** A refused reservation becomes a 429 with Retry-After. */
function unwrapReserve<T>(r: Result<T>): T {
  if (r.kind === "error" && r.code === "rate_limited") {
    const ms = (r.details as { retry_after_ms?: number } | undefined)?.retry_after_ms ?? 1000;
    throw new ApiError(r.code, r.message, r.details, { "Retry-After": String(Math.max(1, Math.ceil(ms / 1000))) });
  }
  return unwrap(r);
}

quotas.openapi(
  createRoute({
    method: "get",
    path: "/v1/quotas",
    summary: "Each bucket's rate, burst, level and throttled count; concurrent-run caps; daily budgets",
    security,
    middleware: [requireScope("read")] as const,
    responses: { 200: json(QuotasView, "Quota state"), 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.getQuotas()), 200),
);

quotas.openapi(
  createRoute({
    method: "put",
    path: "/v1/quotas",
    summary: "Set the tenant's quota (replaces it); agents' quotas are in their specs",
    security,
    middleware: [requireScope("admin")] as const,
    request: body(TenantQuota),
    responses: { 200: json(TenantQuota, "The tenant's quota"), 400: errors[400], 401: errors[401], 403: errors[403] },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.putTenantQuota(c.req.valid("json"))), 200),
);

quotas.openapi(
  createRoute({
    method: "post",
    path: "/v1/quotas/reservations",
    summary: "Reserve LLM tokens and a request for a leased task, from every bucket that applies, all or none",
    security,
    middleware: [requireScope("runner")] as const,
    request: body(ReserveLlm),
    responses: {
      201: json(LlmReservation, "Granted; wait delay_ms before using it"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
      429: tooMany,
    },
  }),
  async (c) => {
    const b = c.req.valid("json");
    await requireLeaseToken(c, b.task_id, b.epoch);
    return c.json(unwrapReserve(await c.get("caller").tenant.reserveLlm(b)), 201);
  },
);

quotas.openapi(
  createRoute({
    method: "post",
    path: "/v1/quotas/reservations/{id}/settle",
    summary: "Charge the real usage: unused tokens go back, extra tokens are taken",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam, ...body(SettleLlm) },
    responses: {
      200: json(LlmSettled, "Settled"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
    },
  }),
  async (c) =>
    c.json(unwrap(await c.get("caller").tenant.settleLlm(c.req.valid("param").id, c.req.valid("json"))), 200),
);

quotas.openapi(
  createRoute({
    method: "post",
    path: "/v1/quotas/reservations/{id}/cancel",
    summary: "The call did not happen: give the reservation back",
    security,
    middleware: [requireScope("runner")] as const,
    request: { params: IdParam },
    responses: {
      200: json(LlmSettled, "Cancelled"),
      401: errors[401],
      403: errors[403],
      404: errors[404],
      409: errors[409],
    },
  }),
  async (c) => c.json(unwrap(await c.get("caller").tenant.cancelLlm(c.req.valid("param").id)), 200),
);
