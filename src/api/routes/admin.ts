// Health, tenants and keys.
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { ApiError, unwrap } from "../errors.js";
import { bearer, tenantStub, type AppEnv } from "../context.js";
import { body, errors, json, security } from "../openapi.js";
import { NotReadyBody, ReadyBody, readiness } from "../probes.js";
import { CreateTenant, TenantCreated } from "../schemas.js";
import { formatKey, newKeyId, newSecret, newTenantId, sha256Hex, timingSafeEqual } from "../../auth/keys.js";

export const admin = new OpenAPIHono<AppEnv>();

const Live = z.object({ status: z.literal("ok") });
const liveRoute = (path: "/livez" | "/healthz", description: string) =>
  createRoute({ method: "get", path, responses: { 200: json(Live, description) } });

// Liveness: the Worker answers. Nothing else, by the Kubernetes convention (see probes.ts).
admin.openapi(liveRoute("/livez", "The Worker is up"), (c) => c.json({ status: "ok" as const }, 200));
admin.openapi(liveRoute("/healthz", "The Worker is up (an alias of /livez)"), (c) =>
  c.json({ status: "ok" as const }, 200),
);

admin.openapi(
  createRoute({
    method: "get",
    path: "/readyz",
    responses: {
      200: json(ReadyBody, "Storage (and Redis, when configured) answers"),
      503: json(
        NotReadyBody,
        "A check failed: `message` names each failed check as `[-]<check> failed`; the reason is withheld (it is in the Worker's log)",
      ),
    },
  }),
  async (c) => {
    const r = await readiness(c.env);
    return r.ready
      ? c.json({ status: "ready" as const, checks: r.checks }, 200)
      : c.json({ status: "not_ready" as const, checks: r.checks, message: r.message }, 503);
  },
);

admin.openapi(
  createRoute({
    method: "post",
    path: "/v1/tenants",
    summary: "Create a tenant (operator token)",
    security,
    request: body(CreateTenant),
    responses: {
      201: json(TenantCreated, "Tenant and its first admin key, shown once"),
      400: errors[400],
      401: errors[401],
      403: errors[403],
    },
  }),
  async (c) => {
    const want = c.env.OFFICEOS_ADMIN_TOKEN;
    if (!want) throw new ApiError("forbidden", "tenant creation is disabled: OFFICEOS_ADMIN_TOKEN is not set");
    const got = bearer(c.req.header("authorization"));
    if (!got) throw new ApiError("unauthorized", "missing operator token", undefined, { "WWW-Authenticate": "Bearer" });
    if (!timingSafeEqual(await sha256Hex(got), await sha256Hex(want)))
      throw new ApiError("unauthorized", "invalid operator token");
    const { name } = c.req.valid("json");
    const key = { tenantId: newTenantId(), keyId: newKeyId(), secret: newSecret() };
    const tenant = unwrap(
      await tenantStub(c.env, key.tenantId).init(key.tenantId, name, key.keyId, await sha256Hex(key.secret)),
    );
    return c.json({ tenant, api_key: formatKey(key) }, 201);
  },
);
