// Lease tokens at the HTTP edge: signed into lease and heartbeat answers,
// checked on every call that acts under a lease. The HMAC key comes from the
// tenant's TenantDO once per isolate (it never changes) and stays in memory.
import type { Context } from "hono";
import { checkLeaseToken, leaseKey, signLeaseToken } from "../auth/lease-token.js";
import { ApiError } from "./errors.js";
import type { AppEnv, Caller } from "./context.js";

export const LEASE_TOKEN_HEADER = "officeos-lease-token";
/** Tokens outlive their lease by this much, for clock skew between the Worker and the object; the object rules on the lease itself. */
const SKEW_MS = 10_000;
const keys = new Map<string, Promise<CryptoKey>>();

function tenantKey(caller: Caller): Promise<CryptoKey> {
  let k = keys.get(caller.tenantId);
  if (!k) {
    k = caller.tenant.leaseSecret().then(leaseKey);
    k.catch(() => keys.delete(caller.tenantId));
    if (keys.size > 10_000) keys.clear();
    keys.set(caller.tenantId, k);
  }
  return k;
}

/** A token for the lease (task, epoch) that runs out at `expiresAt` (ISO). */
export async function signLease(caller: Caller, taskId: string, epoch: number, expiresAt: string): Promise<string> {
  return signLeaseToken(await tenantKey(caller), {
    t: caller.tenantId,
    k: taskId,
    e: epoch,
    x: Date.parse(expiresAt) + SKEW_MS,
  });
}

/** Whether `token` proves the lease (task, epoch); the failure otherwise. */
export async function leaseTokenProblem(
  caller: Caller,
  token: string | undefined,
  taskId: string,
  epoch: number,
): Promise<ApiError | null> {
  const r = await checkLeaseToken(
    await tenantKey(caller),
    token,
    { tenant: caller.tenantId, task: taskId, epoch },
    Date.now(),
  );
  return r.kind === "ok" ? null : new ApiError(r.code, r.message);
}

/** Throws unless the request's OfficeOS-Lease-Token proves the lease (task, epoch). */
export async function requireLeaseToken(c: Context<AppEnv>, taskId: string, epoch: number): Promise<void> {
  const problem = await leaseTokenProblem(c.get("caller"), c.req.header(LEASE_TOKEN_HEADER), taskId, epoch);
  if (problem) throw problem;
}
