// The tenant's API keys as the TenantDO checks them on every call that reaches
// it: hash (constant-time), revocation, expiry, the runner a runner credential
// is bound to, a per-key rate limit, and per-minute use for the audit log.
//
// Rows are read once into memory and kept in step on create and revoke, so a
// check is a Map lookup. The rate limiter is exact for the tenant (one object
// holds every bucket); its buckets live in memory only: an evicted object
// starts them full again, which errs towards letting requests through.
import { fail, ok, type Result } from "../../api/errors.js";
import type { Scope } from "../../api/schemas.js";
import { timingSafeEqual } from "../../auth/keys.js";
import { allow, newBucket, retryAfterMs, type BucketState } from "../../quota/bucket.js";
import type { AuditLog } from "./audit.js";

export type KeyRow = {
  id: string;
  hash: string;
  scopes: string;
  created_at: number;
  revoked_at: number | null;
  expires_at: number | null;
  runner_id: string | null;
  created_by: string | null;
  last_used_at: number | null;
  /** NULL on keys made before names were stored, and on keys created without one. */
  name: string | null;
};

export interface KeyInfo {
  id: string;
  scopes: Scope[];
  expires_at: number | null;
  runner_id: string | null;
}

export interface KeyView {
  id: string;
  name?: string;
  scopes: Scope[];
  created_at: string;
  created_by?: string;
  expires_at?: string;
  revoked_at?: string;
  runner_id?: string;
  last_used_at?: string;
  state: "active" | "expired" | "revoked";
}

/** Requests per second and burst per key; runner keys get their own (long-polls and heartbeats must not starve). */
export interface RateLimits {
  rps: number;
  burst: number;
  runnerRps: number;
  runnerBurst: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = { rps: 50, burst: 200, runnerRps: 200, runnerBurst: 1000 };

/** Reads OFFICEOS_RATE_* variables; 0 (or a bad value) for rps turns that limit off. */
export function rateLimitsFrom(env: Record<string, unknown>): RateLimits {
  const num = (name: string, dflt: number): number => {
    const v = env[name];
    if (typeof v !== "string" || v.trim() === "") return dflt;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : dflt;
  };
  return {
    rps: num("OFFICEOS_RATE_RPS", DEFAULT_RATE_LIMITS.rps),
    burst: num("OFFICEOS_RATE_BURST", DEFAULT_RATE_LIMITS.burst),
    runnerRps: num("OFFICEOS_RUNNER_RATE_RPS", DEFAULT_RATE_LIMITS.runnerRps),
    runnerBurst: num("OFFICEOS_RUNNER_RATE_BURST", DEFAULT_RATE_LIMITS.runnerBurst),
  };
}

export type Denied = { code: "unauthorized" | "rate_limited"; message: string; retryAfterMs?: number };

const MINUTE = 60_000;

export class Keyring {
  private rows: Map<string, KeyRow> | null = null;
  private readonly buckets = new Map<string, BucketState>();
  /** Requests per key in the current minute, written to the audit log when the minute turns. */
  private readonly usage = new Map<string, { minute: number; count: number }>();
  limits: RateLimits;

  constructor(
    private readonly sql: SqlStorage,
    private readonly audit: AuditLog,
    limits: RateLimits,
  ) {
    this.limits = limits;
  }

  private all(): Map<string, KeyRow> {
    if (!this.rows) {
      this.rows = new Map();
      for (const r of this.sql.exec<KeyRow>("SELECT * FROM api_keys").toArray()) this.rows.set(r.id, r);
    }
    return this.rows;
  }

  private reload(id: string): void {
    const r = this.sql.exec<KeyRow>("SELECT * FROM api_keys WHERE id = ?", id).toArray()[0];
    if (r) this.all().set(id, r);
    else this.all().delete(id);
  }

  /** Hash, revocation and expiry. Unknown, revoked and expired keys all answer the same. */
  check(id: string, hash: string, now: number): KeyInfo | null {
    const row = this.all().get(id);
    if (!row || row.revoked_at !== null || !timingSafeEqual(row.hash, hash)) return null;
    if (row.expires_at !== null && row.expires_at <= now) return null;
    return { id, scopes: JSON.parse(row.scopes) as Scope[], expires_at: row.expires_at, runner_id: row.runner_id };
  }

  /** Takes one request from the key's bucket; null when allowed. */
  charge(key: KeyInfo, now: number): Denied | null {
    this.countUse(key, now);
    const runner = key.scopes.includes("runner") && !key.scopes.includes("admin");
    const rps = runner ? this.limits.runnerRps : this.limits.rps;
    const burst = runner ? this.limits.runnerBurst : this.limits.burst;
    if (!(rps > 0) || !(burst >= 1)) return null;
    let b = this.buckets.get(key.id);
    if (!b || b.rate !== rps / 1000 || b.burst !== burst) b = newBucket(rps / 1000, burst, now);
    const r = allow(b, now, 1);
    if (r.ok) {
      this.buckets.set(key.id, r.state);
      return null;
    }
    this.buckets.set(key.id, b);
    const ms = retryAfterMs(b, now, 1);
    return {
      code: "rate_limited",
      message: `key ${key.id} is over its rate limit of ${rps} requests/s (burst ${burst})`,
      retryAfterMs: Math.max(1, Math.ceil(ms)),
    };
  }

  private countUse(key: KeyInfo, now: number): void {
    const minute = Math.floor(now / MINUTE) * MINUTE;
    const u = this.usage.get(key.id);
    if (u && u.minute === minute) {
      u.count++;
      return;
    }
    if (u) this.flushOne(key.id, u, key.scopes);
    this.usage.set(key.id, { minute, count: 1 });
  }

  private flushOne(id: string, u: { minute: number; count: number }, scopes?: Scope[]): void {
    const s = scopes ?? (JSON.parse(this.all().get(id)?.scopes ?? "[]") as Scope[]);
    this.audit.append(u.minute, "key.used", `key:${id}`, id, {
      scopes: s,
      minute: new Date(u.minute).toISOString(),
      requests: u.count,
    });
    this.sql.exec("UPDATE api_keys SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?", u.minute, id);
  }

  /** Writes every pending per-minute count (before the audit log is read). */
  flushUsage(): void {
    for (const [id, u] of this.usage) this.flushOne(id, u);
    this.usage.clear();
    this.rows = null;
  }

  create(
    id: string,
    hash: string,
    scopes: Scope[],
    now: number,
    opts: { expiresAt?: number | null; runnerId?: string | null; createdBy?: string | null; name?: string | null } = {},
  ): KeyInfo {
    const uniq = [...new Set(scopes)].sort();
    this.sql.exec(
      "INSERT INTO api_keys (id, hash, scopes, created_at, expires_at, runner_id, created_by, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      id,
      hash,
      JSON.stringify(uniq),
      now,
      opts.expiresAt ?? null,
      opts.runnerId ?? null,
      opts.createdBy ?? null,
      opts.name ?? null,
    );
    this.reload(id);
    this.audit.append(now, "key.created", opts.createdBy ?? "system", id, {
      scopes: uniq,
      expires_at: opts.expiresAt ? new Date(opts.expiresAt).toISOString() : undefined,
      runner_id: opts.runnerId ?? undefined,
    });
    return { id, scopes: uniq, expires_at: opts.expiresAt ?? null, runner_id: opts.runnerId ?? null };
  }

  revoke(id: string, now: number, actor: string): Result<KeyView> {
    const row = this.all().get(id);
    if (!row) return fail("not_found", `key "${id}" not found`);
    if (row.revoked_at === null) {
      this.sql.exec("UPDATE api_keys SET revoked_at = ? WHERE id = ?", now, id);
      this.reload(id);
      this.buckets.delete(id);
      this.audit.append(now, "key.revoked", actor, id, { scopes: JSON.parse(row.scopes) as string[] });
    }
    return ok(this.view(this.all().get(id) as KeyRow, now));
  }

  /** Revokes every live credential bound to `runnerId` (its runner is gone); the ids revoked. */
  revokeBoundTo(runnerId: string, now: number, actor: string): string[] {
    const ids = [...this.all().values()]
      .filter((r) => r.runner_id === runnerId && r.revoked_at === null)
      .map((r) => r.id);
    for (const id of ids) this.revoke(id, now, actor);
    return ids;
  }

  /** Active keys not bound to a runner (what OFFICEOS_MAX_KEYS caps). */
  liveUnbound(now: number): number {
    let n = 0;
    for (const r of this.all().values())
      if (r.runner_id === null && r.revoked_at === null && (r.expires_at === null || r.expires_at > now)) n++;
    return n;
  }

  /** Active credentials bound to `runnerId`. */
  liveBoundTo(runnerId: string, now: number): number {
    let n = 0;
    for (const r of this.all().values())
      if (r.runner_id === runnerId && r.revoked_at === null && (r.expires_at === null || r.expires_at > now)) n++;
    return n;
  }

  list(now: number): KeyView[] {
    return [...this.all().values()]
      .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1))
      .map((r) => this.view(r, now));
  }

  private view(r: KeyRow, now: number): KeyView {
    const v: KeyView = {
      id: r.id,
      scopes: JSON.parse(r.scopes) as Scope[],
      created_at: new Date(r.created_at).toISOString(),
      state: r.revoked_at !== null ? "revoked" : r.expires_at !== null && r.expires_at <= now ? "expired" : "active",
    };
    if (r.name) v.name = r.name;
    if (r.created_by) v.created_by = r.created_by;
    if (r.expires_at !== null) v.expires_at = new Date(r.expires_at).toISOString();
    if (r.revoked_at !== null) v.revoked_at = new Date(r.revoked_at).toISOString();
    if (r.runner_id) v.runner_id = r.runner_id;
    const used = Math.max(r.last_used_at ?? 0, this.usage.get(r.id)?.minute ?? 0);
    if (used > 0) v.last_used_at = new Date(used).toISOString();
    return v;
  }
}
