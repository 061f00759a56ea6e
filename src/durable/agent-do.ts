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
import type { Env } from "../env.js";
import { migrate } from "./migrate.js";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL, epoch INTEGER NOT NULL,
     created_at INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL);`,
  `ALTER TABLE checkpoints ADD COLUMN kind TEXT NOT NULL DEFAULT 'full';
   CREATE TABLE checkpoint_chunks (seq INTEGER NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (seq, idx));`,
];

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

export type CheckpointWrite = { kind: "full"; bytes: Uint8Array } | { kind: "delta"; baseSeq: number; bytes: Uint8Array };

type Row = { seq: number; task_id: string; epoch: number; created_at: number; size: number; kind: "full" | "delta" };

export class AgentDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, MIGRATIONS);
  }

  /**
   * Called when a lease is handed out: raises the epoch floor so that writes
   * from older leases are refused, and returns the state to resume from.
   */
  claim(taskId: string, epoch: number): Result<StoredCheckpoint | null> {
    if (epoch > this.floor()) {
      this.setMeta("epoch_floor", String(epoch));
      this.setMeta("task_id", taskId);
    }
    return ok(this.restore());
  }

  put(taskId: string, epoch: number, w: CheckpointWrite): Result<{ seq: number; kind: "full" | "delta" }> {
    const floor = this.floor();
    if (epoch < floor) return fail("stale_epoch", `lease epoch ${epoch} is older than this instance's current lease (${floor})`);
    const last = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM checkpoints").toArray()[0]?.s ?? 0;
    if (w.kind === "delta" && w.baseSeq !== last)
      return fail("conflict", `delta is on checkpoint ${w.baseSeq} but the latest is ${last}; send a full checkpoint`, { latest_seq: last });
    const seq = last + 1;
    let kind = w.kind;
    this.ctx.storage.transactionSync(() => {
      if (epoch > floor) this.setMeta("epoch_floor", String(epoch));
      this.insert(seq, taskId, epoch, w.kind, w.bytes);
      if (w.kind === "delta" && this.compactionDue()) {
        // Fold the chain into a full record at this seq; the records before stay as fallbacks.
        const folded = this.restore();
        if (folded && !folded.broken) {
          this.sql.exec("DELETE FROM checkpoint_chunks WHERE seq = ?", seq);
          this.sql.exec("DELETE FROM checkpoints WHERE seq = ?", seq);
          this.insert(seq, taskId, epoch, "full", folded.state);
          kind = "full";
        }
      }
      this.prune();
    });
    return ok({ seq, kind });
  }

  latest(): Result<StoredCheckpoint | null> {
    return ok(this.restore());
  }

  private insert(seq: number, taskId: string, epoch: number, kind: "full" | "delta", bytes: Uint8Array): void {
    this.sql.exec("INSERT INTO checkpoints (seq, task_id, epoch, created_at, size, data, kind) VALUES (?, ?, ?, ?, ?, ?, ?)", seq, taskId, epoch, Date.now(), bytes.byteLength, new Uint8Array(0), kind);
    for (let i = 0, off = 0; off < bytes.byteLength || i === 0; i++, off += CHUNK_BYTES)
      this.sql.exec("INSERT INTO checkpoint_chunks (seq, idx, data) VALUES (?, ?, ?)", seq, i, bytes.subarray(off, off + CHUNK_BYTES));
  }

  private bytesOf(row: Row): Uint8Array | null {
    const chunks = this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM checkpoint_chunks WHERE seq = ? ORDER BY idx", row.seq).toArray();
    if (chunks.length === 0) {
      // Records from before chunking kept their bytes in the row.
      const legacy = this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM checkpoints WHERE seq = ?", row.seq).toArray()[0];
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
  private restore(): StoredCheckpoint | null {
    const fulls = this.sql.exec<Row>("SELECT seq, task_id, epoch, created_at, size, kind FROM checkpoints WHERE kind = 'full' ORDER BY seq DESC").toArray();
    let firstBreak: { seq: number; reason: string } | undefined;
    for (const f of fulls) {
      const rows = this.sql.exec<Row>("SELECT seq, task_id, epoch, created_at, size, kind FROM checkpoints WHERE seq >= ? ORDER BY seq", f.seq).toArray();
      // A later full record starts a newer chain; stop before it.
      const chain = rows.filter((r, i) => i === 0 || r.kind === "delta").filter((r, i, a) => i === 0 || (a[i - 1] as Row).seq === r.seq - 1);
      const records: ChainRecord[] = chain.map((r) => ({ seq: r.seq, kind: r.kind, bytes: this.bytesOf(r) }));
      const folded = foldChain(records);
      if (folded.kind === "empty") {
        firstBreak ??= folded.broken ?? undefined;
        continue;
      }
      firstBreak ??= folded.broken ?? undefined;
      const top = chain.find((r) => r.seq === folded.seq) as Row;
      // A single full record is served as stored; a folded chain is encoded once.
      const single = chain.length === 1 ? records[0]?.bytes : null;
      const out: StoredCheckpoint = { seq: top.seq, task_id: top.task_id, epoch: top.epoch, created_at_ms: top.created_at, state: single ?? encodeState(folded.state) };
      if (firstBreak) out.broken = firstBreak;
      return out;
    }
    return null;
  }

  private compactionDue(): boolean {
    const full = this.sql.exec<{ seq: number; size: number }>("SELECT seq, size FROM checkpoints WHERE kind = 'full' ORDER BY seq DESC LIMIT 1").toArray()[0];
    if (!full) return false;
    const d = this.sql.exec<{ n: number; b: number | null }>("SELECT COUNT(*) AS n, SUM(size) AS b FROM checkpoints WHERE seq > ? AND kind = 'delta'", full.seq).toArray()[0];
    return shouldCompact(d?.n ?? 0, d?.b ?? 0, full.size);
  }

  private prune(): void {
    const keep = this.sql.exec<{ seq: number }>("SELECT seq FROM checkpoints WHERE kind = 'full' ORDER BY seq DESC LIMIT 1 OFFSET ?", KEEP_FULL - 1).toArray()[0];
    if (!keep) return;
    this.sql.exec("DELETE FROM checkpoint_chunks WHERE seq < ?", keep.seq);
    this.sql.exec("DELETE FROM checkpoints WHERE seq < ?", keep.seq);
  }

  private floor(): number {
    return Number(this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'epoch_floor'").toArray()[0]?.v ?? "0");
  }

  private setMeta(k: string, v: string): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }
}
