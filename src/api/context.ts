// Hono environment shared by all routes, and the authentication middleware.
import type { MiddlewareHandler } from "hono";
import type { Scope } from "./schemas.js";
import { ApiError, unwrap } from "./errors.js";
import { parseKey, sha256Hex } from "../auth/keys.js";
import type { Env } from "../env.js";
import type { TenantDO } from "../durable/tenant-do.js";
import type { AgentDO } from "../durable/agent-do.js";

/**
 * A Durable Object as the Worker calls it: every public method, async. Values
 * cross the boundary by structured clone, so the DO's own types hold; the
 * workers-types RPC mapping is skipped because it recurses without end on
 * JSON value types.
 */
export type Remote<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

export interface Caller {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
  tenant: Remote<TenantDO>;
}

export type AppEnv = { Bindings: Env; Variables: { caller: Caller } };

export function tenantStub(env: Env, tenantId: string): Remote<TenantDO> {
  return env.TENANT.get(env.TENANT.idFromName(tenantId)) as unknown as Remote<TenantDO>;
}

export function agentStub(env: Env, tenantId: string, instance: string): Remote<AgentDO> {
  return env.AGENT.get(env.AGENT.idFromName(`${tenantId}/${instance}`)) as unknown as Remote<AgentDO>;
}

// Verified keys are remembered per isolate for a few seconds so that a hot
// path (lease, heartbeat, checkpoint) costs one Durable Object call, not two.
// Only successes are cached. A revoked key may keep working here for up to
// CACHE_MS; key revocation (a later issue) must account for that.
const CACHE_MS = 5_000;
const CACHE_MAX = 10_000;
const verified = new Map<string, { scopes: Scope[]; until: number }>();

export function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

/**
 * Verifies a raw tenant key (`oos.<tenant>.<keyid>.<secret>`) and returns the
 * caller it names; throws ApiError("unauthorized") otherwise. Shared by the API
 * (bearer header) and the dashboard (session cookie).
 */
export async function authenticateKey(env: Env, raw: string): Promise<Caller> {
  const key = parseKey(raw);
  if (!key) throw new ApiError("unauthorized", "malformed API key", undefined, { "WWW-Authenticate": "Bearer" });
  // Cache hits skip hashing: the map lives only in this isolate's memory.
  const now = Date.now();
  let entry = verified.get(raw);
  const tenant = tenantStub(env, key.tenantId);
  if (!entry || entry.until < now) {
    const r = await tenant.authenticate(key.keyId, await sha256Hex(key.secret));
    if (r.kind === "error") throw new ApiError("unauthorized", "invalid API key", undefined, { "WWW-Authenticate": "Bearer" });
    entry = { scopes: r.value.scopes, until: now + CACHE_MS };
    if (verified.size >= CACHE_MAX) verified.clear();
    verified.set(raw, entry);
  }
  return { tenantId: key.tenantId, keyId: key.keyId, scopes: entry.scopes, tenant };
}

/** Whether a caller with `granted` scopes passes a check for one of `scopes` (admin passes every check). */
export function hasScope(granted: readonly Scope[], ...scopes: Scope[]): boolean {
  return granted.includes("admin") || scopes.some((s) => granted.includes(s));
}

/** Authenticates the tenant key and requires one of `scopes` (admin passes every check). */
export function requireScope(...scopes: Scope[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = bearer(c.req.header("authorization"));
    if (!raw) throw new ApiError("unauthorized", "missing bearer token", undefined, { "WWW-Authenticate": "Bearer" });
    const caller = await authenticateKey(c.env, raw);
    if (!hasScope(caller.scopes, ...scopes))
      throw new ApiError("forbidden", `this key lacks the scope: one of ${scopes.join(", ")}`, { required: scopes, granted: caller.scopes });
    c.set("caller", caller);
    await next();
  };
}

export { unwrap };
