// The runner's control-plane HTTP client (agent-runner/src/http-client.ts) against a real node:http
// server: bodies both ways, keep-alive reuse, aborts, refused connections, cut-off answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlPlane } from "../../agent-runner/src/control.js";
import { request } from "../../agent-runner/src/http-client.js";

let server: Server;
let base: URL;
const ports: number[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    ports.push(req.socket.remotePort ?? 0);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      if (req.url === "/echo") {
        res.writeHead(200, { "content-type": "application/json", "x-length": req.headers["content-length"] ?? "none" });
        return res.end(
          JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null, bytes: [...body] }),
        );
      }
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 5_000);
      if (req.url === "/cut") {
        res.writeHead(200, { "content-length": "100" });
        res.write("only part");
        return void setTimeout(() => res.destroy(), 20);
      }
      if (req.url === "/v1/threads/limited/checkpoints" || req.url === "/v1/quotas/reservations") {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "3" });
        return res.end(JSON.stringify({ error: { code: "rate_limited", message: "slow down" } }));
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("http-client request", () => {
  it("sends a string body with its length and reads the answer", async () => {
    const a = await request(new URL("/echo", base), {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: '{"é":1}',
    });
    expect(a.status).toBe(200);
    expect(a.headers["x-length"]).toBe(String(Buffer.byteLength('{"é":1}')));
    const echoed = JSON.parse(a.body) as { method: string; auth: string; bytes: number[] };
    expect(echoed).toMatchObject({ method: "POST", auth: "Bearer k" });
    expect(Buffer.from(echoed.bytes).toString("utf8")).toBe('{"é":1}');
  });

  it("sends binary bodies byte for byte", async () => {
    const bytes = new Uint8Array([0, 255, 1, 128, 10, 13]);
    const a = await request(new URL("/echo", base), { method: "PUT", headers: {}, body: bytes });
    expect((JSON.parse(a.body) as { bytes: number[] }).bytes).toEqual([...bytes]);
  });

  it("reuses one keep-alive connection for calls made one after another", async () => {
    ports.length = 0;
    for (let i = 0; i < 5; i++) await request(new URL("/echo", base), { method: "GET", headers: {} });
    expect(new Set(ports).size).toBe(1);
  });

  it("rejects with the signal's reason when aborted mid-request", async () => {
    const t0 = Date.now();
    await expect(
      request(new URL("/slow", base), { method: "GET", headers: {}, signal: AbortSignal.timeout(100) }),
    ).rejects.toMatchObject({ name: "TimeoutError" });
    // Before the server's answer at 5 s: the abort, not the answer, ended it.
    expect(Date.now() - t0).toBeLessThan(4_500);
    const ac = new AbortController();
    ac.abort(new Error("runner stopping"));
    await expect(request(new URL("/echo", base), { method: "GET", headers: {}, signal: ac.signal })).rejects.toThrow(
      "runner stopping",
    );
  });

  it("rejects a refused connection and an answer cut short", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(request(new URL(`http://127.0.0.1:${port}/`), { method: "GET", headers: {} })).rejects.toThrow(
      /ECONNREFUSED/,
    );
    await expect(request(new URL("/cut", base), { method: "GET", headers: {} })).rejects.toThrow();
  });

  it("refuses protocols other than http and https", async () => {
    await expect(request(new URL("file:///etc/passwd"), { method: "GET", headers: {} })).rejects.toThrow(
      /unsupported protocol/,
    );
  });
});

describe("ControlPlane over the client", () => {
  it("turns an error answer into a typed result, and a refused reservation's Retry-After into milliseconds", async () => {
    const cp = new ControlPlane(base.href, "k");
    const r = await cp.forward("GET", "/v1/threads/limited/checkpoints", undefined, {});
    expect(r).toMatchObject({ kind: "http", status: 429, code: "rate_limited", message: "slow down" });
    const q = await cp.reserveLlm({ task_id: "t", epoch: 1, tokens: 10 });
    expect(q).toEqual({ kind: "rate_limited", retryAfterMs: 3000, message: "slow down" });
  });

  it("turns an unreachable control plane into a network result", async () => {
    const cp = new ControlPlane("http://127.0.0.1:9/", "k");
    const r = await cp.forward("GET", "/v1/threads/x/checkpoints", undefined, {});
    expect(r.kind).toBe("network");
  });

  it("forwards only thread routes, whatever it is asked", async () => {
    const cp = new ControlPlane(base.href, "k");
    for (const path of ["/v1/runners", "/v1/keys", "/v1/threads/../runners", "/v1/threads/a/../../keys", "/limited"])
      expect(await cp.forward("GET", path, undefined, {})).toMatchObject({ kind: "http", status: 400 });
  });
});
