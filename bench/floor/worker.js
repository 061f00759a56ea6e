// The platform floors. No auth, no validation, nothing but the runtime:
// - dispatch: a bare Durable Object that parks a request and releases it when
//   another request arrives (what a long-poll wake costs on this runtime);
// - checkpoints: a bare Durable Object that stores a request body as is in its
//   SQLite storage, in 1 MiB chunks (rows and values are limited to 2 MB), and
//   reads it back (what any durable write and read of those bytes costs);
// - GET /healthz: a plain request that never reaches a Durable Object (the
//   local proxy's own cost).
import { DurableObject } from "cloudflare:workers";

export class Parker extends DurableObject {
  waiting = [];
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS wakes (id INTEGER PRIMARY KEY, at INTEGER)");
  }
  park() {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  /** The same wake after one durable SQLite write: output gates hold the answer until it commits. */
  releaseAfterWrite() {
    this.ctx.storage.sql.exec("INSERT INTO wakes (at) VALUES (?)", Date.now());
    return this.release();
  }
  release() {
    const w = this.waiting.shift();
    if (w) w("go");
    return w ? 1 : 0;
  }
}

const CHUNK_BYTES = 1024 * 1024;

/** One blob, replaced on every write: the bytes in 1 MiB chunks, nothing else. */
export class BlobStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS chunks (idx INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  }
  put(bytes) {
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM chunks");
    for (let i = 0, off = 0; off < bytes.byteLength || i === 0; i++, off += CHUNK_BYTES)
      sql.exec("INSERT INTO chunks (idx, data) VALUES (?, ?)", i, bytes.subarray(off, off + CHUNK_BYTES));
    return bytes.byteLength;
  }
  get() {
    const rows = this.ctx.storage.sql.exec("SELECT data FROM chunks ORDER BY idx").toArray();
    if (rows.length === 1) return new Uint8Array(rows[0].data);
    const out = new Uint8Array(rows.reduce((n, r) => n + r.data.byteLength, 0));
    let off = 0;
    for (const r of rows) {
      out.set(new Uint8Array(r.data), off);
      off += r.data.byteLength;
    }
    return out;
  }
}

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const path = url.pathname;
    if (path === "/blob") {
      // One object per key, as each checkpointed instance has its own AgentDO.
      const stub = env.BLOBS.get(env.BLOBS.idFromName(url.searchParams.get("k") ?? "blob"));
      if (req.method === "PUT") return new Response(String(await stub.put(new Uint8Array(await req.arrayBuffer()))));
      // The content type the control plane answers with, so the runtime treats both answers alike
      // (workerd gzips application/x-protobuf for a client that accepts gzip, as Node's fetch does).
      return new Response(await stub.get(), { headers: { "content-type": "application/x-protobuf" } });
    }
    const stub = env.PARKER.get(env.PARKER.idFromName("floor"));
    if (path === "/park") return new Response(await stub.park());
    if (path === "/release") return new Response(String(await stub.release()));
    if (path === "/release-write") return new Response(String(await stub.releaseAfterWrite()));
    return new Response("ok");
  },
};
