// The tenant itself, its API keys, dashboard sessions, the audit log and the
// lease-token secret (logic in keyring.ts, sessions.ts, audit.ts).
import { fail, ok, type JsonValue, type Result } from "../../api/errors.js";
import type { Scope } from "../../api/schemas.js";
import { randomHex } from "../../auth/keys.js";
import { AUDIT_TYPES, RUNNER_AUDIT_TYPES, type AuditEntry, type AuditType } from "./audit.js";
import type { Actor, Tenant } from "./context.js";
import type { KeyInfo, KeyView } from "./keyring.js";
import { iso } from "./rows.js";
import type { SealedSession } from "./sessions.js";

export class Keys {
  constructor(private readonly t: Tenant) {}

  /** Readiness probe: storage answers a query. */
  ping(): boolean {
    return this.t.sql.exec<{ one: number }>("SELECT 1 AS one").toArray()[0]?.one === 1;
  }

  init(tenantId: string, name: string, keyId: string, keyHash: string): Result<{ id: string; name: string }> {
    const t = this.t;
    if (t.meta("tenant_id") !== null) return fail("conflict", "tenant already exists");
    const now = t.now();
    t.ctx.storage.transactionSync(() => {
      t.setMeta("tenant_id", tenantId);
      t.setMeta("name", name);
      t.keyring.create(keyId, keyHash, ["admin"], now, { createdBy: "operator" });
    });
    return ok({ id: tenantId, name });
  }

  authenticate(keyId: string, keyHash: string, charge: boolean): Result<KeyInfo> {
    const now = this.t.now();
    const key = this.t.keyring.check(keyId, keyHash, now);
    if (!key) return fail("unauthorized", "invalid API key");
    if (charge) {
      const denied = this.t.keyring.charge(key, now);
      if (denied) return fail(denied.code, denied.message, { retry_after_ms: denied.retryAfterMs ?? 1000 });
    }
    return ok(key);
  }

  create(
    keyId: string,
    keyHash: string,
    scopes: Scope[],
    opts: { expires_at?: number; runner_id?: string; name?: string },
    actor: Actor,
  ): Result<{ id: string; scopes: Scope[]; expires_at?: string; runner_id?: string }> {
    const t = this.t;
    const now = t.now();
    if (opts.expires_at !== undefined && opts.expires_at <= now)
      return fail("bad_request", "expires_at is in the past");
    if (opts.runner_id !== undefined && !t.runnerRow(opts.runner_id))
      return fail("not_found", `runner "${opts.runner_id}" not found`);
    // Runner credentials are held to one per runner by the runner cap; every other key counts here.
    const live = t.keyring.liveUnbound(now);
    if (opts.runner_id === undefined && live >= t.caps.keys)
      return fail(
        "conflict",
        `the tenant has ${live} active keys, its cap (OFFICEOS_MAX_KEYS = ${t.caps.keys}): revoke one first`,
        { cap: "OFFICEOS_MAX_KEYS", limit: t.caps.keys },
      );
    const k = t.keyring.create(keyId, keyHash, scopes, now, {
      expiresAt: opts.expires_at ?? null,
      runnerId: opts.runner_id ?? null,
      name: opts.name ?? null,
      createdBy: actor,
    });
    return ok({
      id: k.id,
      scopes: k.scopes,
      ...(k.expires_at !== null ? { expires_at: iso(k.expires_at) } : {}),
      ...(k.runner_id !== null ? { runner_id: k.runner_id } : {}),
    });
  }

  list(): Result<{ keys: KeyView[] }> {
    return ok({ keys: this.t.keyring.list(this.t.now()) });
  }

  revoke(keyId: string, actor: Actor): Result<KeyView> {
    const r = this.t.keyring.revoke(keyId, this.t.now(), actor);
    if (r.kind === "ok") this.t.sessions.endForKey(keyId);
    return r;
  }

  // Dashboard sessions: createSession is a keyed call (the signed-in key); openSession and
  // endSession are called by the dashboard with the session id alone, which proves them.

  createSession(id: string, sealed: Uint8Array, iv: Uint8Array, actor: Actor): Result<{ expires_at: number }> {
    if (!actor.startsWith("key:")) return fail("forbidden", "a dashboard session belongs to a key");
    const s = this.t.sessions.create(id, { keyId: actor.slice(4), sealed, iv }, this.t.now());
    return ok({ expires_at: s.expiresAt });
  }

  openSession(id: string): Result<SealedSession> {
    return this.t.sessions.open(id, this.t.now());
  }

  endSession(id: string): Result<{ ended: boolean }> {
    return ok({ ended: this.t.sessions.end(id) });
  }

  listAudit(q: {
    type?: AuditType | undefined;
    cursor?: string | undefined;
    limit?: number | undefined;
  }): Result<{ events: AuditEntry[]; next_cursor?: string }> {
    this.t.keyring.flushUsage();
    const before = q.cursor !== undefined ? Number(q.cursor) : undefined;
    if (before !== undefined && !Number.isSafeInteger(before))
      return fail("bad_request", "cursor is not one this API gave");
    return ok(this.t.audit.list({ type: q.type, before, limit: q.limit ?? 100 }));
  }

  /** Events a runner reports (a denied tool call); only tool events, only for this tenant. */
  recordAudit(
    e: { type: AuditType; task_id?: string | undefined; details?: Record<string, JsonValue> | undefined },
    actor: Actor,
  ): Result<null> {
    if (!(RUNNER_AUDIT_TYPES as readonly string[]).includes(e.type))
      return fail("forbidden", `runners report tool, runtime-API and egress events only, not ${e.type}`);
    if (!AUDIT_TYPES.includes(e.type)) return fail("bad_request", "unknown audit type");
    this.t.audit.append(this.t.now(), e.type, actor, e.task_id ?? null, e.details);
    return ok(null);
  }

  /** The tenant's lease-token key (32 random bytes, hex), made on first use. */
  leaseSecret(): string {
    let s = this.t.meta("lease_secret");
    if (s === null) {
      s = randomHex(32);
      this.t.setMeta("lease_secret", s);
    }
    return s;
  }
}
