// AgentDO — one per agent instance (`<tenant>/<instance>`). Owns the
// instance's checkpoint chain: full AgentState records and StateDelta records
// on the one before, stored in chunks under the 2 MB row limit, and compacted
// into a new full record past a number of deltas or bytes. Also owns the
// epoch floor: the highest lease epoch that has claimed the instance. A write
// below the floor comes from a lease that has since been replaced and is
// refused, even if it passed the TenantDO's check just before the re-lease.
import { DurableObject } from "cloudflare:workers";
import { fail, ok, type Result } from "../api/errors.js";
import { foldChain, shouldCompact, type ChainRecord } from "../checkpoint/chain.js";
import { encodeState } from "../checkpoint/codec.js";
import { RedisSpill, sha256Bytes } from "../checkpoint/spill.js";
import { randomHex } from "../auth/keys.js";
import type { Env } from "../env.js";
import { migrate } from "./migrate.js";
import { type CheckpointRecord, PARK_MAX_MS } from "../api/schemas.js";
import {
  THREAD_MIGRATIONS,
  ThreadStore,
  type ThreadActor,
  type ThreadPut,
  type ThreadQuery,
  type ThreadTuple,
  type ThreadWritesPut,
} from "./agent/threads.js";
import { LOG_MIGRATIONS, LogStore, nextPruneAt, retentionDays, type LogQuery } from "./agent/logs.js";
import type { LogBatch, LogLine } from "../api/log-schemas.js";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL, epoch INTEGER NOT NULL,
     created_at INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL);`,
  `ALTER TABLE checkpoints ADD COLUMN kind TEXT NOT NULL DEFAULT 'full';
   CREATE TABLE checkpoint_chunks (seq INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (seq, idx));`,
  // Spilled records: the blob lives in Redis under `blob`, in `chunks` parts, with its SHA-256.
  `ALTER TABLE checkpoints ADD COLUMN blob TEXT;
   ALTER TABLE checkpoints ADD COLUMN chunks INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE checkpoints ADD COLUMN sha256 TEXT;`,
  // LangGraph thread checkpoints (src/durable/agent/threads.ts).
  THREAD_MIGRATIONS,
  // The instance's captured agent output (src/durable/agent/logs.ts).
  LOG_MIGRATIONS,
];

/** From `bench/spill.mjs`: spilling costs time at every size, so only records past 1 MiB leave the DO. */
const DEFAULT_SPILL_BYTES = 1024 * 1024;
/**
 * A spilled blob's TTL is only a safety net for blobs no row points at any more
 * (pruned records are deleted explicitly). It must never cut short a task that
 * waits: the longest bounded park (an approval or escalation deadline, at most
 * PARK_MAX_MS) plus a week of margin is the floor, and OFFICEOS_SPILL_TTL_S may
 * only raise it. A park longer than that is covered by retain(): the TenantDO
 * asks, when a task parks, for its blobs to be kept past the park's deadline
 * (plus the margin), or without expiry when the park has none; the next claim
 * of the instance sets the normal TTL again.
 */
export const SPILL_MARGIN_S = 7 * 24 * 3600;
export const MIN_SPILL_TTL_S = PARK_MAX_MS / 1000 + SPILL_MARGIN_S;
const spillTtl = (v: string | undefined): number => Math.max(MIN_SPILL_TTL_S, Number(v ?? 0) || 0);

/** Where a record's bytes went: inline chunks in SQLite, or a blob in Redis. */
type Placed =
  | { kind: "inline"; bytes: Uint8Array }
  | { kind: "spilled"; blob: string; chunks: number; sha256: string; size: number };

/** Rows and values are limited to 2 MB; blobs are stored in chunks well under it. */
const CHUNK_BYTES = 1024 * 1024;
/** Full checkpoints kept, each with the deltas after it (the older ones are fallbacks). */
const KEEP_FULL = 2;

export interface StoredCheckpoint {
  seq: number;
  task_id: string;
  epoch: number;
  created_at_ms: number;
  /** The folded state, as AgentState protobuf bytes. */
  state: Uint8Array;
  /** Set when a record could not be read and an older state was restored. */
  broken?: { seq: number; reason: string };
}

export type CheckpointWrite =
  | { kind: "full"; bytes: Uint8Array }
  | { kind: "delta"; baseSeq: number; bytes: Uint8Array };

type Row = {
  seq: number;
  task_id: string;
  epoch: number;
  created_at: number;
  size: number;
  kind: "full" | "delta";
  blob: string | null;
  chunks: number;
  sha256: string | null;
};
const ROW = "seq, task_id, epoch, created_at, size, kind, blob, chunks, sha256";

export class AgentDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  private readonly spill: RedisSpill | null;
  private readonly spillBytes: number;
  private readonly threads: ThreadStore;
  private readonly logs: LogStore;
  private pruneArmed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, MIGRATIONS);
    this.threads = new ThreadStore(this.sql, ctx.storage);
    this.logs = new LogStore(this.sql, retentionDays(env.OFFICEOS_LOG_RETENTION_DAYS));
    this.spillBytes = Number(env.OFFICEOS_SPILL_BYTES ?? DEFAULT_SPILL_BYTES) || DEFAULT_SPILL_BYTES;
    this.spill =
      env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN
        ? new RedisSpill({
            url: env.UPSTASH_REDIS_REST_URL,
            token: env.UPSTASH_REDIS_REST_TOKEN,
            ttlSeconds: spillTtl(env.OFFICEOS_SPILL_TTL_S),
          })
        : null;
  }

  /**
   * Called when a lease is handed out: raises the epoch floor so that writes
   * from older leases are refused, and returns the state to resume from.
   */
  async claim(taskId: string, epoch: number): Promise<Result<StoredCheckpoint | null>> {
    if (epoch > this.floor()) {
      this.setMeta("epoch_floor", String(epoch));
      this.setMeta("task_id", taskId);
    }
    // The park that kept the blobs without expiry is over: they get their normal TTL again.
    if (this.meta("spill_persisted") !== null) {
      this.sql.exec("DELETE FROM meta WHERE k = 'spill_persisted'");
      this.ctx.waitUntil(this.retainSpilled("rearm").then(() => undefined));
    }
    return ok(await this.restore());
  }

  /**
   * A task of this instance parked (approval, escalation): keep its spilled blobs
   * `seconds` more at least, or without expiry (null) until the next claim.
   */
  async retain(seconds: number | null): Promise<Result<{ blobs: number }>> {
    if (seconds === null) this.setMeta("spill_persisted", "1");
    return this.retainSpilled(seconds === null ? null : seconds + SPILL_MARGIN_S);
  }

  private async retainSpilled(seconds: number | null | "rearm"): Promise<Result<{ blobs: number }>> {
    const spilled = this.sql
      .exec<{ blob: string; chunks: number }>("SELECT blob, chunks FROM checkpoints WHERE blob IS NOT NULL")
      .toArray();
    if (!this.spill || spilled.length === 0) return ok({ blobs: 0 });
    for (const r of spilled) {
      const done = await this.spill.retain(r.blob, r.chunks, seconds);
      if (done.kind === "error") return fail("unavailable", `checkpoint store (Redis) unavailable: ${done.message}`);
    }
    return ok({ blobs: spilled.length });
  }

  /**
   * Appends a record. A large one goes to Redis first; only once it is there
   * does the row that points at it commit, so a failed upload leaves the chain
   * as it was (503) and never half-written.
   */
  async put(
    taskId: string,
    epoch: number,
    w: CheckpointWrite,
  ): Promise<Result<{ seq: number; kind: "full" | "delta" }>> {
    const check = (): Result<number> => {
      const floor = this.floor();
      if (epoch < floor)
        return fail("stale_epoch", `lease epoch ${epoch} is older than this instance's current lease (${floor})`);
      const last = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM checkpoints").toArray()[0]?.s ?? 0;
      if (w.kind === "delta" && w.baseSeq !== last)
        return fail(
          "conflict",
          `delta is on checkpoint ${w.baseSeq} but the latest is ${last}; send a full checkpoint`,
          { latest_seq: last },
        );
      return ok(last);
    };
    const first = check();
    if (first.kind === "error") return first;
    const placed = await this.place(w.bytes);
    if (placed.kind === "error") return placed;
    // Other requests may have run during the upload: check again before committing.
    const again = check();
    if (again.kind === "error" || again.value !== first.value) {
      this.discard(placed.value);
      return again.kind === "error"
        ? again
        : fail("conflict", "another checkpoint was written meanwhile; send a full checkpoint");
    }
    const seq = again.value + 1;
    this.ctx.storage.transactionSync(() => {
      if (epoch > this.floor()) this.setMeta("epoch_floor", String(epoch));
      this.insert(seq, taskId, epoch, w.kind, placed.value);
    });
    let kind = w.kind;
    if (w.kind === "delta" && this.compactionDue()) {
      // Fold the chain into a full record at this seq; the records before stay as fallbacks.
      const folded = await this.restore();
      if (folded && !folded.broken && folded.seq === seq) {
        const full = await this.place(folded.state);
        if (full.kind === "ok") {
          this.ctx.storage.transactionSync(() => {
            this.remove(seq);
            this.insert(seq, taskId, epoch, "full", full.value);
          });
          kind = "full";
        }
      }
    }
    this.prune();
    return ok({ seq, kind });
  }

  async latest(): Promise<Result<StoredCheckpoint | null>> {
    return ok(await this.restore());
  }

  /** The records this instance keeps (newest first): what each was, not its state. */
  history(limit: number): Result<CheckpointRecord[]> {
    const rows = this.sql
      .exec<{ seq: number; task_id: string; epoch: number; kind: string; size: number; created_at: number }>(
        "SELECT seq, task_id, epoch, kind, size, created_at FROM checkpoints ORDER BY seq DESC LIMIT ?",
        limit,
      )
      .toArray();
    return ok(
      rows.map((r) => ({
        seq: r.seq,
        task_id: r.task_id,
        epoch: r.epoch,
        kind: r.kind === "delta" ? ("delta" as const) : ("full" as const),
        size: r.size,
        created_at: new Date(r.created_at).toISOString(),
      })),
    );
  }

  // ---- captured agent output (docs/logs.md) ----

  async appendLogs(b: Pick<LogBatch, "task_id" | "attempt" | "lines">): Promise<Result<{ stored: number }>> {
    const r = this.logs.append(b);
    if (!this.pruneArmed) {
      this.pruneArmed = true;
      if ((await this.ctx.storage.getAlarm()) === null) {
        const at = nextPruneAt(this.logs.oldestAt(), this.logs.retentionDays);
        if (at !== null) await this.ctx.storage.setAlarm(at);
      }
    }
    return ok(r);
  }

  readLogs(q: LogQuery): Result<{ lines: LogLine[]; more: boolean }> {
    return ok(this.logs.read(q));
  }

  /** Waits up to `ms` for a line of the task after `q.after`, then reads. */
  async waitLogs(q: LogQuery, ms: number): Promise<Result<{ lines: LogLine[]; more: boolean }>> {
    const first = this.logs.read(q);
    if (first.lines.length > 0 || ms <= 0) return ok(first);
    await this.logs.wait(q.taskId, ms);
    return ok(this.logs.read(q));
  }

  /** Retention of the captured output: lines past OFFICEOS_LOG_RETENTION_DAYS go. */
  override async alarm(): Promise<void> {
    const next = this.logs.prune(Date.now());
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + 60_000));
  }

  // ---- LangGraph threads: this object is `<tenant>/@thread/<id>` or the index `<tenant>/@threads` ----

  // `actor`: the instance of the lease the call came through (the thread must be its own), or null for an outside key.

  threadPut(p: ThreadPut, epoch: number | null, actor: ThreadActor = null): Result<{ first: boolean }> {
    return this.threads.put(p, epoch, actor);
  }

  threadPutWrites(w: ThreadWritesPut, epoch: number | null, actor: ThreadActor = null): Result<{ stored: number }> {
    return this.threads.putWrites(w, epoch, actor);
  }

  threadList(q: ThreadQuery, actor: ThreadActor = null): Result<{ tuples: ThreadTuple[]; more: boolean }> {
    return this.threads.list(q, actor);
  }

  threadClear(epoch: number | null, actor: ThreadActor = null): Result<{ deleted: boolean }> {
    return this.threads.clear(epoch, actor);
  }

  threadIndex(op: { add: string } | { remove: string } | { list: true }): Result<string[]> {
    if ("add" in op) this.threads.indexAdd(op.add);
    else if ("remove" in op) this.threads.indexRemove(op.remove);
    return ok("list" in op ? this.threads.indexList() : []);
  }

  private async place(bytes: Uint8Array): Promise<Result<Placed>> {
    if (!this.spill || bytes.byteLength <= this.spillBytes) return ok({ kind: "inline", bytes });
    const blob = `officeos:cp:${this.ctx.id.toString()}:${randomHex(8)}`;
    const sha256 = await sha256Bytes(bytes);
    const r = await this.spill.put(blob, bytes);
    if (r.kind === "error")
      return fail("unavailable", `checkpoint store (Redis) unavailable: ${r.message}; the previous checkpoint is kept`);
    return ok({ kind: "spilled", blob, chunks: r.value.chunks, sha256, size: bytes.byteLength });
  }

  private discard(p: Placed): void {
    if (p.kind === "spilled") this.ctx.waitUntil(this.spill?.del(p.blob, p.chunks) ?? Promise.resolve());
  }

  private insert(seq: number, taskId: string, epoch: number, kind: "full" | "delta", p: Placed): void {
    if (p.kind === "spilled") {
      this.sql.exec(
        "INSERT INTO checkpoints (seq, task_id, epoch, created_at, size, data, kind, blob, chunks, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        seq,
        taskId,
        epoch,
        Date.now(),
        p.size,
        new Uint8Array(0),
        kind,
        p.blob,
        p.chunks,
        p.sha256,
      );
      return;
    }
    const bytes = p.bytes;
    this.sql.exec(
      "INSERT INTO checkpoints (seq, task_id, epoch, created_at, size, data, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seq,
      taskId,
      epoch,
      Date.now(),
      bytes.byteLength,
      new Uint8Array(0),
      kind,
    );
    for (let i = 0, off = 0; off < bytes.byteLength || i === 0; i++, off += CHUNK_BYTES)
      this.sql.exec(
        "INSERT INTO checkpoint_chunks (seq, idx, data) VALUES (?, ?, ?)",
        seq,
        i,
        bytes.subarray(off, off + CHUNK_BYTES),
      );
  }

  private remove(seq: number): void {
    this.sql.exec("DELETE FROM checkpoint_chunks WHERE seq = ?", seq);
    this.sql.exec("DELETE FROM checkpoints WHERE seq = ?", seq);
  }

  /** A record's bytes: inline chunks, or the spilled blob checked against its SHA-256; null when lost or corrupt. */
  private async load(row: Row): Promise<Uint8Array | null> {
    if (row.blob === null) return this.bytesOf(row);
    if (!this.spill) return null;
    const r = await this.spill.get(row.blob, row.chunks);
    if (r.kind === "error" || !r.value) return null;
    return (await sha256Bytes(r.value)) === row.sha256 ? r.value : null;
  }

  private bytesOf(row: Row): Uint8Array | null {
    const chunks = this.sql
      .exec<{ data: ArrayBuffer }>("SELECT data FROM checkpoint_chunks WHERE seq = ? ORDER BY idx", row.seq)
      .toArray();
    if (chunks.length === 0) {
      // Records from before chunking kept their bytes in the row.
      const legacy = this.sql
        .exec<{ data: ArrayBuffer }>("SELECT data FROM checkpoints WHERE seq = ?", row.seq)
        .toArray()[0];
      return legacy && legacy.data.byteLength > 0 ? new Uint8Array(legacy.data) : null;
    }
    if (chunks.length === 1) return new Uint8Array((chunks[0] as { data: ArrayBuffer }).data);
    const out = new Uint8Array(row.size);
    let off = 0;
    for (const c of chunks) {
      out.set(new Uint8Array(c.data), off);
      off += c.data.byteLength;
    }
    return off === row.size ? out : null;
  }

  /** The newest state that folds cleanly: the latest chain, or an older one if it is broken. */
  private async restore(): Promise<StoredCheckpoint | null> {
    const fulls = this.sql.exec<Row>(`SELECT ${ROW} FROM checkpoints WHERE kind = 'full' ORDER BY seq DESC`).toArray();
    let firstBreak: { seq: number; reason: string } | undefined;
    for (const f of fulls) {
      const rows = this.sql.exec<Row>(`SELECT ${ROW} FROM checkpoints WHERE seq >= ? ORDER BY seq`, f.seq).toArray();
      // A later full record starts a newer chain; stop before it.
      const chain = rows
        .filter((r, i) => i === 0 || r.kind === "delta")
        .filter((r, i, a) => i === 0 || (a[i - 1] as Row).seq === r.seq - 1);
      const records: ChainRecord[] = [];
      for (const r of chain) records.push({ seq: r.seq, kind: r.kind, bytes: await this.load(r) });
      // A lone full record is served as stored: it decoded when written (inline) or matched its hash (spilled).
      const only = records.length === 1 ? records[0]?.bytes : null;
      if (only) {
        const out: StoredCheckpoint = {
          seq: f.seq,
          task_id: f.task_id,
          epoch: f.epoch,
          created_at_ms: f.created_at,
          state: only,
        };
        if (firstBreak) out.broken = firstBreak;
        return out;
      }
      const folded = foldChain(records);
      firstBreak ??= folded.broken ?? undefined;
      if (folded.kind === "empty") continue;
      const top = chain.find((r) => r.seq === folded.seq) as Row;
      const out: StoredCheckpoint = {
        seq: top.seq,
        task_id: top.task_id,
        epoch: top.epoch,
        created_at_ms: top.created_at,
        state: encodeState(folded.state),
      };
      if (firstBreak) out.broken = firstBreak;
      return out;
    }
    return null;
  }

  private compactionDue(): boolean {
    const full = this.sql
      .exec<{ seq: number; size: number }>(
        "SELECT seq, size FROM checkpoints WHERE kind = 'full' ORDER BY seq DESC LIMIT 1",
      )
      .toArray()[0];
    if (!full) return false;
    const d = this.sql
      .exec<{ n: number; b: number | null }>(
        "SELECT COUNT(*) AS n, SUM(size) AS b FROM checkpoints WHERE seq > ? AND kind = 'delta'",
        full.seq,
      )
      .toArray()[0];
    return shouldCompact(d?.n ?? 0, d?.b ?? 0, full.size);
  }

  private prune(): void {
    const keep = this.sql
      .exec<{ seq: number }>(
        "SELECT seq FROM checkpoints WHERE kind = 'full' ORDER BY seq DESC LIMIT 1 OFFSET ?",
        KEEP_FULL - 1,
      )
      .toArray()[0];
    if (!keep) return;
    for (const r of this.sql
      .exec<{ blob: string; chunks: number }>(
        "SELECT blob, chunks FROM checkpoints WHERE seq < ? AND blob IS NOT NULL",
        keep.seq,
      )
      .toArray())
      this.discard({ kind: "spilled", blob: r.blob, chunks: r.chunks, sha256: "", size: 0 });
    this.sql.exec("DELETE FROM checkpoint_chunks WHERE seq < ?", keep.seq);
    this.sql.exec("DELETE FROM checkpoints WHERE seq < ?", keep.seq);
  }

  private floor(): number {
    return Number(this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'epoch_floor'").toArray()[0]?.v ?? "0");
  }

  private meta(k: string): string | null {
    return this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = ?", k).toArray()[0]?.v ?? null;
  }

  private setMeta(k: string, v: string): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }
}
