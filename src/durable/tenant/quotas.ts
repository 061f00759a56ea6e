// The TenantDO's quota state: token buckets (LLM tokens and requests per
// minute, per tenant, agent and optionally instance), open LLM reservations,
// and daily ledgers. Every method is synchronous SQL in one turn of the
// object, so a reservation across several buckets is all-or-nothing and two
// reservations never see the same tokens. The arithmetic is src/quota's.
import { fail, ok, type Result } from "../../api/errors.js";
import type {
  AgentQuota,
  LlmReservation,
  LlmSettled,
  QuotaBucketView,
  QuotasView,
  SettleLlm,
  TenantQuota,
  TaskUsage,
} from "../../api/schemas.js";
import {
  cancel,
  charge,
  newBucket,
  reconfigure,
  refund,
  reserve,
  retryAfterMs,
  tokensAt,
  type BucketState,
  type Reservation,
} from "../../quota/bucket.js";
import {
  check,
  costOf,
  current,
  DAY_MS,
  newLedger,
  record,
  spentUntil,
  type LedgerKind,
  type LedgerState,
  type Limits,
} from "../../quota/ledger.js";

type Scope = "tenant" | "agent" | "instance";
type Kind = "llm_tokens" | "llm_requests";
type Rates = Pick<AgentQuota, "llm_tpm" | "llm_tokens_burst" | "llm_rpm" | "llm_requests_burst">;

interface BucketRow {
  id: string;
  scope: Scope;
  key: string;
  kind: Kind;
  rate: number;
  burst: number;
  tokens: number;
  last: number;
  last_event: number;
  throttled: number;
  granted: number;
  [k: string]: SqlStorageValue;
}

interface Part {
  bucket: string;
  n: number;
  timeToAct: number;
  rate: number;
}

interface ReservationRow {
  id: string;
  task_id: string;
  agent: string;
  tokens: number;
  requests: number;
  parts: string;
  state: "open" | "settled" | "cancelled";
  used: number | null;
  cost: number | null;
  [k: string]: SqlStorageValue;
}

const MINUTE = 60_000;
/** Open reservations older than this are forgotten (their tokens stay spent). */
const RESERVATION_TTL_MS = 24 * 3_600_000;

export interface ReserveRequest {
  taskId: string;
  /** The runner holding the task's lease: the only one that may settle or cancel the reservation. */
  runnerId: string | null;
  agent: string;
  instance: string;
  tokens: number;
  requests: number;
  maxWaitMs: number;
}

export type ReserveOutcome = Result<LlmReservation>;

/** The buckets a rate config asks for: [kind, per-minute rate, burst]. */
function bucketSpecs(r: Rates | undefined): [Kind, number, number][] {
  const out: [Kind, number, number][] = [];
  if (r?.llm_tpm !== undefined) out.push(["llm_tokens", r.llm_tpm, r.llm_tokens_burst ?? r.llm_tpm]);
  if (r?.llm_rpm !== undefined) out.push(["llm_requests", r.llm_rpm, r.llm_requests_burst ?? r.llm_rpm]);
  return out;
}

const ledgerLimits = (d: AgentQuota["daily"]): Limits => ({ ...d });

export class Quotas {
  constructor(private readonly sql: SqlStorage) {}

  tenantQuota(): TenantQuota {
    const v = this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'tenant_quota'").toArray()[0]?.v;
    return v ? (JSON.parse(v) as TenantQuota) : {};
  }

  setTenantQuota(q: TenantQuota): void {
    this.sql.exec(
      "INSERT INTO meta (k, v) VALUES ('tenant_quota', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
      JSON.stringify(q),
    );
  }

  /**
   * Deletes the buckets no quota configures any more (a rate removed from the tenant's quota or an agent's
   * spec), so GET /v1/quotas shows no ghost of it; reservations on them settle against nothing. An
   * instance bucket goes when no agent has that per_instance rate.
   */
  dropUnconfigured(agents: { name: string; quota: AgentQuota }[]): void {
    const keep = new Set<string>();
    for (const [kind] of bucketSpecs(this.tenantQuota())) keep.add(`tenant::${kind}`);
    const instanceKinds = new Set<string>();
    for (const a of agents) {
      for (const [kind] of bucketSpecs(a.quota)) keep.add(`agent:${a.name}:${kind}`);
      for (const [kind] of bucketSpecs(a.quota.per_instance)) instanceKinds.add(kind);
    }
    const rows = this.sql.exec<{ id: string; scope: string; kind: string }>(
      "SELECT id, scope, kind FROM quota_buckets",
    );
    for (const b of rows.toArray())
      if (b.scope === "instance" ? !instanceKinds.has(b.kind) : !keep.has(b.id))
        this.sql.exec("DELETE FROM quota_buckets WHERE id = ?", b.id);
  }

  /**
   * Reserves `tokens` and `requests` from every bucket that applies, all or
   * none. Refused: `rate_limited` with the wait until all of them could grant.
   */
  reserve(req: ReserveRequest, agentQuota: AgentQuota, now: number): ReserveOutcome {
    const tenant = this.tenantQuota();
    const wanted: { scope: Scope; key: string; kind: Kind; rate: number; burst: number }[] = [];
    for (const [kind, rate, burst] of bucketSpecs(tenant)) wanted.push({ scope: "tenant", key: "", kind, rate, burst });
    for (const [kind, rate, burst] of bucketSpecs(agentQuota))
      wanted.push({ scope: "agent", key: req.agent, kind, rate, burst });
    for (const [kind, rate, burst] of bucketSpecs(agentQuota.per_instance))
      wanted.push({ scope: "instance", key: req.instance, kind, rate, burst });

    const next: { row: BucketRow; state: BucketState; part: Part }[] = [];
    const refused: { row: BucketRow; retryMs: number }[] = [];
    for (const w of wanted) {
      const row = this.bucket(w.scope, w.key, w.kind, w.rate, w.burst, now);
      const n = w.kind === "llm_tokens" ? req.tokens : req.requests;
      if (n === 0) continue;
      const state = toState(row);
      const r = reserve(state, now, n, req.maxWaitMs);
      if (r.reservation.ok) next.push({ row, state: r.state, part: partOf(row.id, r.reservation) });
      else refused.push({ row, retryMs: retryAfterMs(state, now, n) });
    }
    const daily = this.dailyCheck(req.agent, agentQuota, tenant, req.tokens, now);
    if (refused.length > 0 || daily) {
      for (const f of refused)
        this.sql.exec("UPDATE quota_buckets SET throttled = throttled + 1 WHERE id = ?", f.row.id);
      const never = refused.find((f) => f.retryMs === Infinity);
      if (never) {
        const n = never.row.kind === "llm_tokens" ? req.tokens : req.requests;
        return fail(
          "bad_request",
          `${n} ${never.row.kind} exceed the burst of the ${describe(never.row)} bucket (${never.row.burst}); ask for less`,
          {
            bucket: bucketName(never.row),
            burst: never.row.burst,
          },
        );
      }
      const retryMs = Math.max(daily?.retryAfterMs ?? 0, ...refused.map((f) => f.retryMs));
      const which = refused.map((f) => bucketName(f.row));
      if (daily) which.push(`daily:${daily.scope}:${daily.kind}`);
      return fail("rate_limited", `quota exhausted: ${which.join(", ")}`, {
        retry_after_ms: Math.ceil(retryMs),
        buckets: which,
      });
    }
    for (const x of next) {
      this.sql.exec(
        "UPDATE quota_buckets SET tokens = ?, last = ?, last_event = ?, granted = granted + ?, updated_at = ? WHERE id = ?",
        x.state.tokens,
        x.state.last,
        x.state.lastEvent,
        x.part.n,
        now,
        x.row.id,
      );
    }
    // The daily ledgers count the estimate now, so concurrent calls cannot overshoot; settle corrects it.
    if (req.tokens > 0) this.addToLedgers(req.agent, "llm_tokens", req.tokens, now);
    const id = `rsv_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
    this.sql.exec(
      "INSERT INTO quota_reservations (id, task_id, runner_id, agent, tokens, requests, parts, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
      id,
      req.taskId,
      req.runnerId,
      req.agent,
      req.tokens,
      req.requests,
      JSON.stringify(next.map((x) => x.part)),
      now,
    );
    this.sql.exec("DELETE FROM quota_reservations WHERE created_at < ?", now - RESERVATION_TTL_MS);
    const delay = Math.max(0, ...next.map((x) => x.part.timeToAct - now));
    return ok({ reservation_id: id, tokens: req.tokens, requests: req.requests, delay_ms: Math.ceil(delay) });
  }

  /** Charges the real use: tokens not used go back to the buckets, tokens used beyond the estimate are taken. */
  settle(id: string, body: SettleLlm, now: number): Result<LlmSettled> {
    const r = this.reservation(id);
    if (!r) return fail("not_found", `reservation "${id}" not found`);
    if (r.state !== "open")
      return r.state === "settled" && r.used === body.usage.total_tokens
        ? ok(settledView(r))
        : fail("conflict", `reservation is already ${r.state}`);
    const used = body.usage.total_tokens;
    const diff = used - r.tokens;
    for (const p of parts(r)) {
      const row = this.bucketRow(p.bucket);
      if (row?.kind !== "llm_tokens") continue;
      this.store(row, diff < 0 ? refund(toState(row), now, -diff) : charge(toState(row), now, diff), now, diff);
    }
    const tenant = this.tenantQuota();
    const prompt = body.usage.prompt_tokens ?? used - (body.usage.completion_tokens ?? 0);
    const cost = costOf(tenant.prices, body.model, prompt, body.usage.completion_tokens ?? 0);
    this.addToLedgers(r.agent, "llm_tokens", diff, now);
    if (cost > 0) this.addToLedgers(r.agent, "cost", cost, now);
    this.sql.exec(
      "UPDATE quota_reservations SET state = 'settled', used = ?, cost = ?, settled_at = ? WHERE id = ?",
      used,
      cost,
      now,
      id,
    );
    return ok({ reservation_id: id, state: "settled", reserved: r.tokens, used, cost });
  }

  /**
   * The call did not happen. A reservation still waiting to act is cancelled
   * the x/time/rate way (minus tokens reserved after it); one that had acted
   * gets all its tokens back, since none were used.
   */
  cancel(id: string, now: number): Result<LlmSettled> {
    const r = this.reservation(id);
    if (!r) return fail("not_found", `reservation "${id}" not found`);
    if (r.state !== "open")
      return r.state === "cancelled" ? ok(settledView(r)) : fail("conflict", `reservation is already ${r.state}`);
    for (const p of parts(r)) {
      const row = this.bucketRow(p.bucket);
      if (!row) continue;
      const state = toState(row);
      const res: Reservation = { ok: true, tokens: p.n, timeToAct: p.timeToAct, rate: p.rate };
      this.store(row, p.timeToAct > now ? cancel(state, res, now) : refund(state, now, p.n), now, -p.n);
    }
    this.addToLedgers(r.agent, "llm_tokens", -r.tokens, now);
    this.sql.exec(
      "UPDATE quota_reservations SET state = 'cancelled', used = 0, cost = 0, settled_at = ? WHERE id = ?",
      now,
      id,
    );
    return ok({ reservation_id: id, state: "cancelled", reserved: r.tokens, used: 0, cost: 0 });
  }

  /**
   * Until when new work must wait because a daily CPU-seconds budget is spent: the tenant's (key
   * "") and each given agent's, by name. Only spent budgets appear.
   */
  cpuSpent(agents: { name: string; quota: AgentQuota }[], now: number): Map<string, number> {
    const out = new Map<string, number>();
    const tenant = spentUntil(this.ledger("tenant:", now), now, "cpu_seconds", ledgerLimits(this.tenantQuota().daily));
    if (tenant !== null) out.set("", tenant);
    for (const a of agents) {
      if (a.quota.daily?.cpu_seconds === undefined) continue;
      const until = spentUntil(this.ledger(`agent:${a.name}`, now), now, "cpu_seconds", ledgerLimits(a.quota.daily));
      if (until !== null) out.set(a.name, until);
    }
    return out;
  }

  /** CPU seconds a task's attempt used, into the daily ledgers. */
  recordUsage(agent: string, usage: TaskUsage, now: number): void {
    if (usage.cpu_seconds) this.addToLedgers(agent, "cpu_seconds", usage.cpu_seconds, now);
  }

  view(agents: { name: string; quota: AgentQuota; running: number }[], tenantRunning: number, now: number): QuotasView {
    const tenant = this.tenantQuota();
    const buckets: QuotaBucketView[] = this.sql
      .exec<BucketRow>("SELECT * FROM quota_buckets ORDER BY scope, key, kind")
      .toArray()
      .map((b) => ({
        scope: b.scope,
        key: b.key,
        kind: b.kind,
        rate_per_minute: b.rate * MINUTE,
        burst: b.burst,
        level: Math.round(tokensAt(toState(b), now) * 1000) / 1000,
        throttled: b.throttled,
        granted: b.granted,
      }));
    const concurrent: QuotasView["concurrent"] = [];
    if (tenant.concurrent_runs !== undefined)
      concurrent.push({ scope: "tenant", key: "", limit: tenant.concurrent_runs, running: tenantRunning });
    for (const a of agents)
      if (a.quota.concurrent_runs !== undefined)
        concurrent.push({ scope: "agent", key: a.name, limit: a.quota.concurrent_runs, running: a.running });
    const daily: QuotasView["daily"] = [];
    const dayOf = (scope: "tenant" | "agent", key: string, limits: Limits) => {
      const l = current(this.ledger(`${scope}:${key}`, now), now);
      daily.push({
        scope,
        key,
        period_start: new Date(l.periodStart).toISOString(),
        used: { ...l.used } as Record<string, number>,
        limits,
      });
    };
    dayOf("tenant", "", ledgerLimits(tenant.daily));
    for (const a of agents) dayOf("agent", a.name, ledgerLimits(a.quota.daily));
    return { tenant, buckets, concurrent, daily };
  }

  // ---- internals ---------------------------------------------------------------

  /** The bucket row, created full on first use and brought to the configured rate and burst. */
  private bucket(scope: Scope, key: string, kind: Kind, perMinute: number, burst: number, now: number): BucketRow {
    const id = `${scope}:${key}:${kind}`;
    const rate = perMinute / MINUTE;
    const row = this.bucketRow(id);
    if (!row) {
      if (scope === "instance") this.pruneInstanceBuckets(now);
      const b = newBucket(rate, burst, now);
      this.sql.exec(
        "INSERT INTO quota_buckets (id, scope, key, kind, rate, burst, tokens, last, last_event, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        scope,
        key,
        kind,
        b.rate,
        b.burst,
        b.tokens,
        b.last,
        b.lastEvent,
        now,
      );
      return this.bucketRow(id) as BucketRow;
    }
    if (row.rate !== rate || row.burst !== burst) {
      const b = reconfigure(toState(row), now, rate, burst);
      this.sql.exec(
        "UPDATE quota_buckets SET rate = ?, burst = ?, tokens = ?, last = ?, updated_at = ? WHERE id = ?",
        b.rate,
        b.burst,
        b.tokens,
        b.last,
        now,
        id,
      );
      return { ...row, rate: b.rate, burst: b.burst, tokens: b.tokens, last: b.last };
    }
    return row;
  }

  /**
   * Deletes per-instance buckets that have refilled to their burst with no reservation still to act:
   * such a bucket is exactly what bucket() would create afresh, so nothing is lost but its
   * throttled/granted counts. Instances default to one per task, so without this the table would
   * grow by a row per task of an agent with `quota.per_instance`. Runs when a new instance bucket
   * is made, so the rows kept are those of instances that used their quota recently.
   */
  private pruneInstanceBuckets(now: number): void {
    this.sql.exec(
      "DELETE FROM quota_buckets WHERE scope = 'instance' AND last_event <= ? AND tokens + MAX(0, ? - last) * rate >= burst",
      now,
      now,
    );
  }

  private bucketRow(id: string): BucketRow | undefined {
    return this.sql.exec<BucketRow>("SELECT * FROM quota_buckets WHERE id = ?", id).toArray()[0];
  }

  private store(row: BucketRow, s: BucketState, now: number, grantedDelta: number): void {
    this.sql.exec(
      "UPDATE quota_buckets SET tokens = ?, last = ?, last_event = ?, granted = MAX(0, granted + ?), updated_at = ? WHERE id = ?",
      s.tokens,
      s.last,
      s.lastEvent,
      grantedDelta,
      now,
      row.id,
    );
  }

  private reservation(id: string): ReservationRow | undefined {
    return this.sql.exec<ReservationRow>("SELECT * FROM quota_reservations WHERE id = ?", id).toArray()[0];
  }

  private ledger(id: string, now: number): LedgerState {
    const row = this.sql
      .exec<{ period_start: number; used: string }>("SELECT period_start, used FROM quota_ledgers WHERE id = ?", id)
      .toArray()[0];
    return row ? { periodStart: row.period_start, used: JSON.parse(row.used) as LedgerState["used"] } : newLedger(now);
  }

  private addToLedgers(agent: string, kind: LedgerKind, amount: number, now: number): void {
    for (const id of ["tenant:", `agent:${agent}`]) {
      const l = record(this.ledger(id, now), now, kind, amount);
      this.sql.exec(
        "INSERT INTO quota_ledgers (id, period_start, used) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET period_start = excluded.period_start, used = excluded.used",
        id,
        l.periodStart,
        JSON.stringify(l.used),
      );
    }
  }

  private dailyCheck(
    agent: string,
    agentQuota: AgentQuota,
    tenant: TenantQuota,
    tokens: number,
    now: number,
  ): { scope: string; kind: LedgerKind; retryAfterMs: number } | null {
    const checks: [string, string, Limits][] = [
      ["tenant", "tenant:", ledgerLimits(tenant.daily)],
      ["agent", `agent:${agent}`, ledgerLimits(agentQuota.daily)],
    ];
    for (const [scope, id, limits] of checks) {
      const l = this.ledger(id, now);
      // Cost and CPU are known only afterwards: a budget already spent refuses the next call.
      for (const [kind, amount] of [
        ["llm_tokens", tokens],
        ["cost", 0],
        ["cpu_seconds", 0],
      ] as [LedgerKind, number][]) {
        const c = check(l, now, kind, amount, limits);
        if (!c.ok) return { scope, kind, retryAfterMs: c.retryAfterMs };
        const limit = limits[kind];
        const cur = current(l, now);
        if (amount === 0 && limit !== undefined && (cur.used[kind] ?? 0) >= limit)
          return { scope, kind, retryAfterMs: cur.periodStart + DAY_MS - now };
      }
    }
    return null;
  }
}

function toState(r: BucketRow): BucketState {
  return { rate: r.rate, burst: r.burst, tokens: r.tokens, last: r.last, lastEvent: r.last_event };
}

function partOf(bucket: string, r: Reservation): Part {
  return { bucket, n: r.tokens, timeToAct: r.timeToAct, rate: r.rate };
}

function parts(r: ReservationRow): Part[] {
  return JSON.parse(r.parts) as Part[];
}

function bucketName(r: BucketRow): string {
  return `${r.scope}${r.key ? `:${r.key}` : ""}:${r.kind}`;
}

function describe(r: BucketRow): string {
  return r.scope === "tenant" ? `tenant ${r.kind}` : `${r.scope} ${r.key} ${r.kind}`;
}

function settledView(r: ReservationRow): LlmSettled {
  return {
    reservation_id: r.id,
    state: r.state === "cancelled" ? "cancelled" : "settled",
    reserved: r.tokens,
    used: r.used ?? 0,
    cost: r.cost ?? 0,
  };
}
