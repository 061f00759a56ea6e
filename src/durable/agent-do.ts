// AgentDO — one per agent instance (`<tenant>/<instance>`). Owns the
// instance's checkpoints (sequence-numbered AgentState protobuf bytes) and its
// epoch floor: the highest lease epoch that has claimed the instance. A write
// below the floor comes from a lease that has since been replaced and is
// refused, even if it passed the TenantDO's check just before the re-lease.
import { DurableObject } from "cloudflare:workers";
import { fail, ok, type Result } from "../api/errors.js";
import type { Env } from "../env.js";
import { migrate } from "./migrate.js";

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
   CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, task_id TEXT NOT NULL, epoch INTEGER NOT NULL,
     created_at INTEGER NOT NULL, size INTEGER NOT NULL, data BLOB NOT NULL);`,
];

/** How many checkpoints are kept behind the newest (for inspection and fallback). */
const KEEP = 3;

export interface StoredCheckpoint {
  seq: number;
  task_id: string;
  epoch: number;
  created_at_ms: number;
  state: Uint8Array;
}

type Row = { seq: number; task_id: string; epoch: number; created_at: number; size: number; data: ArrayBuffer };

export class AgentDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrate(this.sql, MIGRATIONS);
  }

  /**
   * Called when a lease is handed out: raises the epoch floor so that writes
   * from older leases are refused, and returns the checkpoint to resume from.
   */
  claim(taskId: string, epoch: number): Result<StoredCheckpoint | null> {
    if (epoch > this.floor()) {
      this.setMeta("epoch_floor", String(epoch));
      this.setMeta("task_id", taskId);
    }
    return ok(this.latestRow());
  }

  put(taskId: string, epoch: number, state: Uint8Array): Result<{ seq: number }> {
    const floor = this.floor();
    if (epoch < floor) return fail("stale_epoch", `lease epoch ${epoch} is older than this instance's current lease (${floor})`);
    const now = Date.now();
    let seq = 0;
    this.ctx.storage.transactionSync(() => {
      if (epoch > floor) this.setMeta("epoch_floor", String(epoch));
      const last = this.sql.exec<{ s: number | null }>("SELECT MAX(seq) AS s FROM checkpoints").toArray()[0]?.s ?? 0;
      seq = last + 1;
      this.sql.exec("INSERT INTO checkpoints (seq, task_id, epoch, created_at, size, data) VALUES (?, ?, ?, ?, ?, ?)", seq, taskId, epoch, now, state.byteLength, state);
      this.sql.exec("DELETE FROM checkpoints WHERE seq <= ?", seq - 1 - KEEP);
    });
    return ok({ seq });
  }

  latest(): Result<StoredCheckpoint | null> {
    return ok(this.latestRow());
  }

  private latestRow(): StoredCheckpoint | null {
    const r = this.sql.exec<Row>("SELECT * FROM checkpoints ORDER BY seq DESC LIMIT 1").toArray()[0];
    if (!r) return null;
    return { seq: r.seq, task_id: r.task_id, epoch: r.epoch, created_at_ms: r.created_at, state: new Uint8Array(r.data) };
  }

  private floor(): number {
    return Number(this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'epoch_floor'").toArray()[0]?.v ?? "0");
  }

  private setMeta(k: string, v: string): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k, v);
  }
}
