// The platform floor for dispatch: a bare Durable Object that parks a request
// and releases it when another request arrives. No auth, no validation, no
// storage: what a long-poll wake costs on this runtime, nothing more.
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

export default {
  async fetch(req, env) {
    const stub = env.PARKER.get(env.PARKER.idFromName("floor"));
    const path = new URL(req.url).pathname;
    if (path === "/park") return new Response(await stub.park());
    if (path === "/release") return new Response(String(await stub.release()));
    if (path === "/release-write") return new Response(String(await stub.releaseAfterWrite()));
    return new Response("ok");
  },
};
