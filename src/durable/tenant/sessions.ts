// Dashboard sessions, kept in the TenantDO's SQLite (table dashboard_sessions).
// The cookie holds only `<tenant>.<secret>`; a row is found by SHA-256(secret)
// and holds the signed-in API key sealed (AES-GCM) under a key derived from the
// secret, so neither the cookie alone nor this table alone yields the API key.
// Rows expire (SESSION_TTL_MS), are pruned whenever a session is written, and
// are deleted at logout: the old cookie then finds nothing.
import { fail, ok, type Result } from "../../api/errors.js";

export const SESSION_TTL_MS = 12 * 3600_000;
/** Live sessions kept per tenant; past it the oldest go first. */
export const SESSIONS_MAX = 1000;

export interface SealedSession {
  keyId: string;
  sealed: Uint8Array;
  iv: Uint8Array;
  expiresAt: number;
}

export class SessionStore {
  constructor(private readonly sql: SqlStorage) {}

  create(id: string, s: Omit<SealedSession, "expiresAt">, now: number): { expiresAt: number } {
    this.sql.exec("DELETE FROM dashboard_sessions WHERE expires_at <= ?", now);
    const n = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM dashboard_sessions").one().n;
    if (n >= SESSIONS_MAX)
      this.sql.exec(
        "DELETE FROM dashboard_sessions WHERE id IN (SELECT id FROM dashboard_sessions ORDER BY created_at, id LIMIT ?)",
        n - SESSIONS_MAX + 1,
      );
    const expiresAt = now + SESSION_TTL_MS;
    this.sql.exec(
      "INSERT INTO dashboard_sessions (id, key_id, sealed, iv, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      id,
      s.keyId,
      s.sealed,
      s.iv,
      now,
      expiresAt,
    );
    return { expiresAt };
  }

  /** The live session `id`; an expired one is deleted and refused like an unknown one. */
  open(id: string, now: number): Result<SealedSession> {
    const r = this.sql
      .exec<{ key_id: string; sealed: ArrayBuffer; iv: ArrayBuffer; expires_at: number }>(
        "SELECT key_id, sealed, iv, expires_at FROM dashboard_sessions WHERE id = ?",
        id,
      )
      .toArray()[0];
    if (r && r.expires_at > now)
      return ok({
        keyId: r.key_id,
        sealed: new Uint8Array(r.sealed),
        iv: new Uint8Array(r.iv),
        expiresAt: r.expires_at,
      });
    if (r) this.sql.exec("DELETE FROM dashboard_sessions WHERE id = ?", id);
    return fail("unauthorized", "no such session, or it has ended");
  }

  end(id: string): boolean {
    return this.sql.exec("DELETE FROM dashboard_sessions WHERE id = ? RETURNING id", id).toArray().length > 0;
  }

  /** Sessions signed in with `keyId` end with it (revocation). */
  endForKey(keyId: string): void {
    this.sql.exec("DELETE FROM dashboard_sessions WHERE key_id = ?", keyId);
  }
}
