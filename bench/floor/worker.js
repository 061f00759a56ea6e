// The platform floor for dispatch: a bare Durable Object that parks a request
// and releases it when another request arrives. No auth, no validation, no
// storage: what a long-poll wake costs on this runtime, nothing more.
import { DurableObject } from "cloudflare:workers";

export class Parker extends DurableObject {
  waiting = [];
  park() {
    return new Promise((resolve) => this.waiting.push(resolve));
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
    return new Response("ok");
  },
};
