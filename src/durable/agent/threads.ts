// LangGraph thread checkpoints, kept by the AgentDO named `<tenant>/@thread/<thread_id>`
// (one object per thread; `@` cannot appear in an instance name, so these never
// meet an agent instance's object). The store keeps what a LangGraph checkpoint
// saver needs: checkpoints keyed by (checkpoint_ns, checkpoint_id) with their
// parent, metadata and pending writes, and channel values.
//
// Deltas: a checkpoint row holds only the small part (ids, versions, metadata).
// Channel values are stored once per (checkpoint_ns, channel, version), like the
// official Postgres saver: a put carries only the channels whose version moved,
// and a read assembles a checkpoint's values from its channel_versions. Storage
// then grows with what changed, not with history length times state size.
//
// Bytes are opaque here: they are the saver's serde output (type tag + bytes).
// Values above CHUNK_BYTES are stored in chunks under the 2 MB row limit.
//
// Fencing: a write sent through a runner carries its lease epoch (tenant-wide,
// growing); the thread keeps the highest epoch that wrote to it, and a write
// with a lower one comes from a replaced lease and is refused.
//
// Ownership (issue 15): a thread belongs to one agent instance. The first write
// made through a lease claims the thread for that lease's instance (stored here,
// `thread_meta.owner`); from then on a lease of any other instance may neither
// read, write nor delete it, and is refused *before* the epoch floor is looked
// at, so it cannot move the floor and lock the owner out with stale_epoch.
// Claim-on-first-write rather than namespacing thread ids by instance, because
// thread ids are the caller's (LangGraph's `thread_id`): outside apps (submit
// and read keys) and the dashboard keep naming a thread as the agent does, the
// tenant-wide list keeps real ids, and existing threads keep their objects.
// A thread that holds data but no owner (written only by outside keys, or
// before owners were recorded) is not claimable by a lease: an agent cannot
// take over an outside app's thread. Outside keys (no lease) are not bound.
import { fail, ok, type Failure, type JsonValue, type Result } from "../../api/errors.js";

export const THREAD_MIGRATIONS = `
  CREATE TABLE thread_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
  CREATE TABLE thread_checkpoints (ns TEXT NOT NULL, id TEXT NOT NULL, parent_id TEXT, type TEXT NOT NULL, checkpoint BLOB NOT NULL,
    meta_type TEXT NOT NULL, metadata BLOB NOT NULL, metadata_json TEXT NOT NULL, versions TEXT NOT NULL,
    epoch INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, PRIMARY KEY (ns, id));
  CREATE TABLE thread_blobs (ns TEXT NOT NULL, channel TEXT NOT NULL, version TEXT NOT NULL, type TEXT NOT NULL,
    size INTEGER NOT NULL, chunks INTEGER NOT NULL, data BLOB, PRIMARY KEY (ns, channel, version));
  CREATE TABLE thread_writes (ns TEXT NOT NULL, checkpoint_id TEXT NOT NULL, task_id TEXT NOT NULL, idx INTEGER NOT NULL,
    task_path TEXT NOT NULL, channel TEXT NOT NULL, type TEXT NOT NULL, size INTEGER NOT NULL, chunks INTEGER NOT NULL, data BLOB,
    PRIMARY KEY (ns, checkpoint_id, task_id, idx));
  CREATE TABLE thread_chunks (key TEXT NOT NULL, idx INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, idx));
  CREATE TABLE thread_index (thread_id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);`;

/** Rows and values are limited to 2 MB; larger values are split. */
const CHUNK_BYTES = 1024 * 1024;
/** A page of tuples stays well under the 32 MiB RPC message limit; the client asks for the next page. */
export const PAGE_BYTES = 8 * 1024 * 1024;
export const PAGE_MAX = 100;

export interface Typed {
  type: string;
  data: Uint8Array;
}

export interface ThreadPut {
  ns: string;
  id: string;
  parentId: string | null;
  checkpoint: Typed;
  metadata: Typed;
  /** The metadata as JSON, for list filters. */
  metadataJson: string;
  /** channel → version, as strings: which blob each channel's value is. */
  versions: Record<string, string>;
  /** Values of the channels whose version moved in this checkpoint. */
  blobs: { channel: string; version: string; value: Typed }[];
}

export interface ThreadWritesPut {
  ns: string;
  checkpointId: string;
  taskId: string;
  taskPath: string;
  writes: { channel: string; idx: number; value: Typed }[];
}

export interface ThreadTuple {
  ns: string;
  id: string;
  parentId: string | null;
  checkpoint: Typed;
  metadata: Typed;
  channelValues: { channel: string; value: Typed }[];
  /** In LangGraph's writesSortKey order: (task_path, task_id, idx); SQLite's BINARY order is code-point order. */
  pendingWrites: { taskId: string; channel: string; value: Typed }[];
}

/** Who asks: a lease of `instance` (bound: ownership applies), or an outside key (null: not bound). */
export type ThreadActor = { instance: string } | null;

export interface ThreadQuery {
  ns?: string | undefined;
  id?: string | undefined;
  before?: string | undefined;
  limit?: number | undefined;
  filter?: Record<string, JsonValue> | undefined;
}

type CheckpointRow = {
  ns: string;
  id: string;
  parent_id: string | null;
  type: string;
  checkpoint: ArrayBuffer;
  meta_type: string;
  metadata: ArrayBuffer;
  metadata_json: string;
  versions: string;
};
type ValueRow = { type: string; size: number; chunks: number; data: ArrayBuffer | null };

/** JSON with sorted keys, so a filter value matches metadata whatever the key order. */
function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "null";
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .filter((k) => o[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(",")}}`;
}

export class ThreadStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
  ) {}

  /** Stores a checkpoint and the channel values it introduces; `first` when the thread was empty. */
  put(p: ThreadPut, epoch: number | null, actor: ThreadActor = null): Result<{ first: boolean }> {
    return this.fenced(epoch, actor, "claim", () => {
      const first = this.sql.exec("SELECT 1 FROM thread_checkpoints LIMIT 1").toArray().length === 0;
      for (const b of p.blobs) {
        // A (channel, version) names one value; a repeat is the same value again.
        const seen =
          this.sql
            .exec("SELECT 1 FROM thread_blobs WHERE ns = ? AND channel = ? AND version = ?", p.ns, b.channel, b.version)
            .toArray().length > 0;
        if (seen) continue;
        const v = this.storeValue(JSON.stringify(["b", p.ns, b.channel, b.version]), b.value.data);
        this.sql.exec(
          "INSERT INTO thread_blobs (ns, channel, version, type, size, chunks, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
          p.ns,
          b.channel,
          b.version,
          b.value.type,
          b.value.data.byteLength,
          v.chunks,
          v.data,
        );
      }
      this.sql.exec(
        `INSERT INTO thread_checkpoints (ns, id, parent_id, type, checkpoint, meta_type, metadata, metadata_json, versions, epoch, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (ns, id) DO UPDATE SET parent_id = excluded.parent_id, type = excluded.type, checkpoint = excluded.checkpoint,
           meta_type = excluded.meta_type, metadata = excluded.metadata, metadata_json = excluded.metadata_json, versions = excluded.versions,
           epoch = excluded.epoch, created_at = excluded.created_at`,
        p.ns,
        p.id,
        p.parentId,
        p.checkpoint.type,
        p.checkpoint.data,
        p.metadata.type,
        p.metadata.data,
        p.metadataJson,
        JSON.stringify(p.versions),
        epoch ?? 0,
        Date.now(),
      );
      return ok({ first });
    });
  }

  putWrites(w: ThreadWritesPut, epoch: number | null, actor: ThreadActor = null): Result<{ stored: number }> {
    return this.fenced(epoch, actor, "claim", () => {
      let stored = 0;
      for (const x of w.writes) {
        const key = JSON.stringify(["w", w.ns, w.checkpointId, w.taskId, x.idx]);
        const seen =
          this.sql
            .exec(
              "SELECT 1 FROM thread_writes WHERE ns = ? AND checkpoint_id = ? AND task_id = ? AND idx = ?",
              w.ns,
              w.checkpointId,
              w.taskId,
              x.idx,
            )
            .toArray().length > 0;
        // As LangGraph's own savers: a task's write at an index is kept once; the special channels (negative index) are replaced.
        if (seen && x.idx >= 0) continue;
        if (seen) {
          this.sql.exec("DELETE FROM thread_chunks WHERE key = ?", key);
          this.sql.exec(
            "DELETE FROM thread_writes WHERE ns = ? AND checkpoint_id = ? AND task_id = ? AND idx = ?",
            w.ns,
            w.checkpointId,
            w.taskId,
            x.idx,
          );
        }
        const v = this.storeValue(key, x.value.data);
        this.sql.exec(
          "INSERT INTO thread_writes (ns, checkpoint_id, task_id, idx, task_path, channel, type, size, chunks, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          w.ns,
          w.checkpointId,
          w.taskId,
          x.idx,
          w.taskPath,
          x.channel,
          x.value.type,
          x.value.data.byteLength,
          v.chunks,
          v.data,
        );
        stored++;
      }
      return ok({ stored });
    });
  }

  /**
   * Checkpoints newest first (checkpoint ids are uuid6, ordered by time), in
   * namespace `ns` or all of them, before an id, matching a metadata filter.
   * At most `limit`, PAGE_MAX and about PAGE_BYTES per call: `more` says the
   * page was cut short and the caller should ask again from the last id.
   */
  list(q: ThreadQuery, actor: ThreadActor = null): Result<{ tuples: ThreadTuple[]; more: boolean }> {
    const refused = this.ownerProblem(actor, "read");
    return refused ?? ok(this.listAll(q));
  }

  private listAll(q: ThreadQuery): { tuples: ThreadTuple[]; more: boolean } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.ns !== undefined) where.push("ns = ?"), args.push(q.ns);
    if (q.id !== undefined) where.push("id = ?"), args.push(q.id);
    if (q.before !== undefined) where.push("id < ?"), args.push(q.before);
    const filter = Object.entries(q.filter ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, canonical(v)] as const);
    const want = Math.min(q.limit ?? PAGE_MAX, PAGE_MAX);
    const cursor = this.sql.exec<CheckpointRow>(
      `SELECT ns, id, parent_id, type, checkpoint, meta_type, metadata, metadata_json, versions FROM thread_checkpoints ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC, ns DESC`,
      ...args,
    );
    const tuples: ThreadTuple[] = [];
    let bytes = 0;
    for (const row of cursor) {
      if (filter.length) {
        const meta = JSON.parse(row.metadata_json) as Record<string, unknown>;
        if (!filter.every(([k, v]) => canonical(meta[k]) === v)) continue;
      }
      if (tuples.length >= want || (tuples.length > 0 && bytes > PAGE_BYTES))
        return { tuples, more: tuples.length < (q.limit ?? Infinity) };
      const t = this.tuple(row);
      bytes +=
        t.checkpoint.data.byteLength +
        t.channelValues.reduce((n, c) => n + c.value.data.byteLength, 0) +
        t.pendingWrites.reduce((n, w) => n + w.value.data.byteLength, 0);
      tuples.push(t);
    }
    return { tuples, more: false };
  }

  /**
   * Removes every checkpoint and write; the epoch floor stays, so a replaced lease cannot write the thread back.
   * The owner stays too when a lease deletes (another instance cannot take the id over); an outside key's
   * delete resets the thread entirely, owner included.
   */
  clear(epoch: number | null, actor: ThreadActor = null): Result<{ deleted: boolean }> {
    return this.fenced(epoch, actor, "own", () => {
      const had = this.hasData();
      for (const t of ["thread_checkpoints", "thread_blobs", "thread_writes", "thread_chunks"])
        this.sql.exec(`DELETE FROM ${t}`);
      if (actor === null) this.sql.exec("DELETE FROM thread_meta WHERE k = 'owner'");
      return ok({ deleted: had });
    });
  }

  /** The instance the thread belongs to, if a lease has claimed it. */
  owner(): string | null {
    return this.sql.exec<{ v: string }>("SELECT v FROM thread_meta WHERE k = 'owner'").toArray()[0]?.v ?? null;
  }

  private hasData(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM thread_checkpoints LIMIT 1").toArray().length > 0 ||
      this.sql.exec("SELECT 1 FROM thread_writes LIMIT 1").toArray().length > 0
    );
  }

  /**
   * Why `actor` may not use this thread, or null. A lease reads and deletes only its own instance's
   * thread (an empty, unowned thread reads as empty); with `claim`, a lease's write claims an empty,
   * unowned thread for its instance.
   */
  private ownerProblem(actor: ThreadActor, want: "read" | "own" | "claim"): Failure | null {
    if (actor === null) return null;
    const owner = this.owner();
    if (owner === actor.instance) return null;
    if (owner === null && !this.hasData()) {
      if (want === "claim")
        this.sql.exec(
          "INSERT INTO thread_meta (k, v) VALUES ('owner', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
          actor.instance,
        );
      return null;
    }
    return fail(
      "forbidden",
      owner === null
        ? "this thread holds data written outside any agent instance: a lease may not read or change it"
        : "this thread belongs to another agent instance: a lease reads and writes only its own instance's threads",
    );
  }

  // ---- the tenant's thread index (kept by the object `<tenant>/@threads`) ----

  indexAdd(threadId: string): void {
    this.sql.exec(
      "INSERT INTO thread_index (thread_id, created_at) VALUES (?, ?) ON CONFLICT (thread_id) DO NOTHING",
      threadId,
      Date.now(),
    );
  }

  indexRemove(threadId: string): void {
    this.sql.exec("DELETE FROM thread_index WHERE thread_id = ?", threadId);
  }

  indexList(): string[] {
    return this.sql
      .exec<{ thread_id: string }>("SELECT thread_id FROM thread_index ORDER BY thread_id")
      .toArray()
      .map((r) => r.thread_id);
  }

  // ---- internals ----

  private fenced<T>(epoch: number | null, actor: ThreadActor, want: "own" | "claim", body: () => Result<T>): Result<T> {
    try {
      return this.transaction(epoch, actor, want, body);
    } catch (e) {
      if (e instanceof Rollback) return e.result;
      throw e;
    }
  }

  private transaction<T>(
    epoch: number | null,
    actor: ThreadActor,
    want: "own" | "claim",
    body: () => Result<T>,
  ): Result<T> {
    return this.storage.transactionSync(() => {
      // Ownership first: another instance's lease must not move the floor below.
      const refused = this.ownerProblem(actor, want);
      if (refused) return refused;
      if (epoch !== null) {
        const floor = Number(
          this.sql.exec<{ v: string }>("SELECT v FROM thread_meta WHERE k = 'epoch_floor'").toArray()[0]?.v ?? "0",
        );
        if (epoch < floor)
          return fail(
            "stale_epoch",
            `lease epoch ${epoch} is older than the latest lease that wrote this thread (${floor})`,
            { floor },
          );
        if (epoch > floor)
          this.sql.exec(
            "INSERT INTO thread_meta (k, v) VALUES ('epoch_floor', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            String(epoch),
          );
      }
      const r = body();
      // A failed write must leave nothing behind: throwing rolls the transaction back.
      if (r.kind === "error") throw new Rollback(r);
      return r;
    });
  }

  private storeValue(key: string, bytes: Uint8Array): { chunks: number; data: Uint8Array | null } {
    if (bytes.byteLength <= CHUNK_BYTES) return { chunks: 0, data: bytes };
    let i = 0;
    for (let off = 0; off < bytes.byteLength; off += CHUNK_BYTES, i++)
      this.sql.exec(
        "INSERT INTO thread_chunks (key, idx, data) VALUES (?, ?, ?)",
        key,
        i,
        bytes.subarray(off, off + CHUNK_BYTES),
      );
    return { chunks: i, data: null };
  }

  private loadValue(key: string, row: ValueRow): Typed {
    if (row.chunks === 0) return { type: row.type, data: new Uint8Array(row.data ?? new ArrayBuffer(0)) };
    const out = new Uint8Array(row.size);
    let off = 0;
    for (const c of this.sql.exec<{ data: ArrayBuffer }>(
      "SELECT data FROM thread_chunks WHERE key = ? ORDER BY idx",
      key,
    )) {
      out.set(new Uint8Array(c.data), off);
      off += c.data.byteLength;
    }
    return { type: row.type, data: out };
  }

  private tuple(row: CheckpointRow): ThreadTuple {
    const versions = JSON.parse(row.versions) as Record<string, string>;
    const channelValues: ThreadTuple["channelValues"] = [];
    for (const [channel, version] of Object.entries(versions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const b = this.sql
        .exec<ValueRow>(
          "SELECT type, size, chunks, data FROM thread_blobs WHERE ns = ? AND channel = ? AND version = ?",
          row.ns,
          channel,
          version,
        )
        .toArray()[0];
      if (b) channelValues.push({ channel, value: this.loadValue(JSON.stringify(["b", row.ns, channel, version]), b) });
    }
    const writes = this.sql
      .exec<ValueRow & { task_id: string; idx: number; channel: string }>(
        "SELECT task_id, idx, channel, type, size, chunks, data FROM thread_writes WHERE ns = ? AND checkpoint_id = ? ORDER BY task_path, task_id, idx",
        row.ns,
        row.id,
      )
      .toArray()
      .map((w) => ({
        taskId: w.task_id,
        channel: w.channel,
        value: this.loadValue(JSON.stringify(["w", row.ns, row.id, w.task_id, w.idx]), w),
      }));
    return {
      ns: row.ns,
      id: row.id,
      parentId: row.parent_id,
      checkpoint: { type: row.type, data: new Uint8Array(row.checkpoint) },
      metadata: { type: row.meta_type, data: new Uint8Array(row.metadata) },
      channelValues,
      pendingWrites: writes,
    };
  }
}

/** Carries a failure out of transactionSync so the transaction rolls back. */
class Rollback extends Error {
  constructor(readonly result: Result<never>) {
    super("rollback");
  }
}
