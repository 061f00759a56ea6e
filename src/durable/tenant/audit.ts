// The tenant's audit log: who did what to keys, agents, policies, escalations,
// approvals and tools. Rows live in the TenantDO's SQLite (table `audit`,
// migration in schema.ts); GET /v1/audit pages through them, newest first.
import type { JsonValue } from "../../api/errors.js";

export const AUDIT_TYPES = [
  "key.created",
  "key.revoked",
  /** One row per key per minute it was used (count and scopes), not one per request. */
  "key.used",
  "runner.registered",
  "agent.put",
  "agent.deleted",
  "quota.put",
  "escalation.action",
  "approval.decision",
  "tool.denied",
  "tool.called",
  /** Runtime-API requests a runner refused (path tricks, routes not in its table), counted per task and flush. */
  "runtime.denied",
  /** Outbound connections a runner's egress proxy let through or refused, per task and host:port, counted per flush. */
  "egress.allowed",
  "egress.denied",
] as const;
/** What a runner may report into the audit log. */
export const RUNNER_AUDIT_TYPES = [
  "tool.denied",
  "tool.called",
  "runtime.denied",
  "egress.allowed",
  "egress.denied",
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

export interface AuditEntry {
  seq: number;
  at: string;
  type: AuditType;
  actor: string;
  subject?: string;
  details?: JsonValue;
}

type AuditRow = {
  seq: number;
  at: number;
  type: AuditType;
  actor: string;
  subject: string | null;
  details: string | null;
};

/** Rows kept per tenant; the oldest go first past this. */
const KEEP = 100_000;

export class AuditLog {
  private appended = 0;
  constructor(private readonly sql: SqlStorage) {}

  append(
    at: number,
    type: AuditType,
    actor: string,
    subject?: string | null,
    details?: Record<string, JsonValue | undefined>,
  ): void {
    const clean = details === undefined ? null : JSON.stringify(details);
    this.sql.exec(
      "INSERT INTO audit (at, type, actor, subject, details) VALUES (?, ?, ?, ?, ?)",
      at,
      type,
      actor,
      subject ?? null,
      clean,
    );
    // Trim now and then, not on every write.
    if (++this.appended % 1000 === 0)
      this.sql.exec("DELETE FROM audit WHERE seq <= (SELECT MAX(seq) FROM audit) - ?", KEEP);
  }

  /** Newest first; `before` is the cursor (a seq) of the previous page. */
  list(q: { type?: AuditType | undefined; before?: number | undefined; limit: number }): {
    events: AuditEntry[];
    next_cursor?: string;
  } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.type) where.push("type = ?"), args.push(q.type);
    if (q.before !== undefined) where.push("seq < ?"), args.push(q.before);
    const rows = this.sql
      .exec<AuditRow>(
        `SELECT * FROM audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`,
        ...args,
        q.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, q.limit);
    const out: { events: AuditEntry[]; next_cursor?: string } = {
      events: page.map((r) => {
        const e: AuditEntry = { seq: r.seq, at: new Date(r.at).toISOString(), type: r.type, actor: r.actor };
        if (r.subject !== null) e.subject = r.subject;
        if (r.details !== null) e.details = JSON.parse(r.details) as JsonValue;
        return e;
      }),
    };
    if (rows.length > q.limit) out.next_cursor = String(page[page.length - 1]?.seq);
    return out;
  }
}
