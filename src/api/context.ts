// Hono environment shared by all routes, and the authentication middleware.
import type { MiddlewareHandler } from "hono";
import type { Scope } from "./schemas.js";
import { ApiError, toErrorResponse, unwrap } from "./errors.js";
import { parseKey, sha256Hex } from "../auth/keys.js";
import type { Env } from "../env.js";
import type { TenantDO } from "../durable/tenant-do.js";
import type { AgentDO } from "../durable/agent-do.js";
import type { KeyedOperationName } from "../durable/tenant/operations.js";

/**
 * A Durable Object as the Worker calls it: every public method, async. Values
 * cross the boundary by structured clone, so the DO's own types hold; the
 * workers-types RPC mapping is skipped because it recurses without end on
 * JSON value types.
 */
export type Remote<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never;
};

export interface Caller {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
  /** The runner a runner credential is bound to (POST /v1/runners issues them). */
  runnerId: string | null;
  /** The tenant's object, every call checked there against this key (see `keyedStub`): its keyed operations only. */
  tenant: KeyedTenant;
  /** True until a call of this request reached the TenantDO (which checked the key). */
  readonly unverified: boolean;
}

/** The TenantDO as a tenant key reaches it: the operations its table marks keyed (tenant/operations.ts). */
export type KeyedTenant = Remote<Pick<TenantDO, KeyedOperationName>>;

export type AppEnv = { Bindings: Env; Variables: { caller: Caller } };

export function tenantStub(env: Env, tenantId: string): Remote<TenantDO> {
  return env.TENANT.get(env.TENANT.idFromName(tenantId)) as unknown as Remote<TenantDO>;
}

export function agentStub(env: Env, tenantId: string, instance: string): Remote<AgentDO> {
  return env.AGENT.get(env.AGENT.idFromName(`${tenantId}/${instance}`)) as unknown as Remote<AgentDO>;
}

// Verified keys are remembered per isolate for a few seconds so that a hot
// path (lease, heartbeat, checkpoint) costs one Durable Object call, not two.
// The cache only saves the *first* call (`authenticate`): every call a route
// makes on the TenantDO goes through `TenantDO.authed`, which checks the key
// again (a Map lookup there) in the same round trip as the work. So a revoked
// or expired key stops at once, cached or not; a route that never reaches the
// TenantDO is checked after the fact by `requireScope` (its answer replaced by
// the 401), and routes that write elsewhere first use `requireScopeVerified`.
const CACHE_MS = 5_000;
const CACHE_MAX = 10_000;
const verified = new Map<
  string,
  { scopes: Scope[]; hash: string; runnerId: string | null; expiresAt: number | null; until: number }
>();

/** How often a request's key was found in this isolate's cache (tests show revocation beats the cache). */
export const keyCacheStats = { hits: 0, misses: 0 };

export function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1] ?? null;
}

const unauthorized = (message: string): ApiError =>
  new ApiError("unauthorized", message, undefined, { "WWW-Authenticate": "Bearer" });

function rateLimited(message: string, retryAfterMs: number): ApiError {
  return new ApiError(
    "rate_limited",
    message,
    { retry_after_ms: retryAfterMs },
    { "Retry-After": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  );
}

type AuthedAnswer = Awaited<ReturnType<TenantDO["authed"]>>;

/**
 * The TenantDO as a route sees it, with every method call sent through
 * `authed(key, method, args)`: the object checks the key (revocation, expiry,
 * rate limit, own runner) and runs the method in one round trip.
 */
function keyedStub(
  stub: Remote<TenantDO>,
  raw: string,
  auth: { keyId: string; hash: string; charge: boolean },
  state: { unverified: boolean },
): KeyedTenant {
  return new Proxy({} as KeyedTenant, {
    get(_t, name) {
      if (typeof name !== "string" || name === "then") return undefined;
      return async (...args: unknown[]) => {
        const a = { ...auth };
        auth.charge = false; // one request, one token from the bucket
        const r: AuthedAnswer = await stub.authed(a, name, args);
        state.unverified = false;
        if (r.kind === "denied") {
          if (r.code === "rate_limited") throw rateLimited(r.message, r.retryAfterMs ?? 1000);
          verified.delete(raw);
          throw unauthorized(r.message);
        }
        if (r.kind === "error") throw new ApiError(r.code, r.message, r.details);
        return r.value;
      };
    },
  });
}

/**
 * Verifies a raw tenant key (`oos.<tenant>.<keyid>.<secret>`) and returns the
 * caller it names; throws ApiError("unauthorized") otherwise. Shared by the API
 * (bearer header) and the dashboard (session cookie).
 */
export async function authenticateKey(env: Env, raw: string): Promise<Caller> {
  const key = parseKey(raw);
  if (!key) throw unauthorized("malformed API key");
  const now = Date.now();
  let entry = verified.get(raw);
  const stub = tenantStub(env, key.tenantId);
  const state = { unverified: true };
  let charge = true;
  if (entry && entry.expiresAt !== null && entry.expiresAt <= now) {
    verified.delete(raw);
    throw unauthorized("invalid API key");
  }
  if (entry && entry.until >= now) keyCacheStats.hits++;
  else keyCacheStats.misses++;
  if (!entry || entry.until < now) {
    const hash = await sha256Hex(key.secret);
    const r = await stub.authenticate(key.keyId, hash);
    if (r.kind === "error") {
      if (r.code === "rate_limited")
        throw rateLimited(r.message, (r.details as { retry_after_ms?: number } | undefined)?.retry_after_ms ?? 1000);
      throw unauthorized("invalid API key");
    }
    entry = {
      scopes: r.value.scopes,
      hash,
      runnerId: r.value.runner_id,
      expiresAt: r.value.expires_at,
      until: now + CACHE_MS,
    };
    if (verified.size >= CACHE_MAX) verified.clear();
    verified.set(raw, entry);
    state.unverified = false;
    charge = false;
  }
  const tenant = keyedStub(stub, raw, { keyId: key.keyId, hash: entry.hash, charge }, state);
  return {
    tenantId: key.tenantId,
    keyId: key.keyId,
    scopes: entry.scopes,
    runnerId: entry.runnerId,
    tenant,
    get unverified() {
      return state.unverified;
    },
  };
}

/** Whether a caller with `granted` scopes passes a check for one of `scopes` (admin passes every check). */
export function hasScope(granted: readonly Scope[], ...scopes: Scope[]): boolean {
  return granted.includes("admin") || scopes.some((s) => granted.includes(s));
}

/** Authenticates the tenant key and requires one of `scopes` (admin passes every check). */
export function requireScope(...scopes: Scope[]): MiddlewareHandler<AppEnv> {
  return scopeCheck(scopes, false);
}

/** As requireScope, and the key is checked with the TenantDO before the route runs (routes that write elsewhere first). */
export function requireScopeVerified(...scopes: Scope[]): MiddlewareHandler<AppEnv> {
  return scopeCheck(scopes, true);
}

function scopeCheck(scopes: Scope[], eager: boolean): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const raw = bearer(c.req.header("authorization"));
    if (!raw) throw unauthorized("missing bearer token");
    const caller = await authenticateKey(c.env, raw);
    if (!hasScope(caller.scopes, ...scopes))
      throw new ApiError("forbidden", `this key lacks the scope: one of ${scopes.join(", ")}`, {
        required: scopes,
        granted: caller.scopes,
      });
    c.set("caller", caller);
    if (eager && caller.unverified) await caller.tenant.ping();
    await next();
    // A cached key whose request never reached the TenantDO: check it now, and
    // answer 401 instead of what the route produced if it is no longer valid.
    if (caller.unverified) {
      try {
        await caller.tenant.ping();
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        const { status, body, headers } = toErrorResponse(e);
        c.res = new Response(JSON.stringify(body), {
          status,
          headers: { ...headers, "content-type": "application/json" },
        });
      }
    }
  };
}

export { unwrap };
