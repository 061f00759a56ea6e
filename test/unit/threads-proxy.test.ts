// The runtime API's thread routes: an agent's LangGraph saver calls /threads/...
// and the runner forwards to the control plane's /v1/threads/... with its own
// key and the task's lease; a refusal for a replaced lease stops the attempt.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlPlane } from "../../agent-runner/src/control.js";
import { RuntimeApi } from "../../agent-runner/src/runtime-api.js";
import { TaskRun } from "../../agent-runner/src/task-run.js";
import { forwardThreads } from "../../agent-runner/src/threads-proxy.js";
import type { Lease } from "../../src/api/schemas.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A control plane stand-in: answers by path, records what reached it. */
const seen: Seen[] = [];
let answer: (s: Seen) => { status: number; body: unknown } = () => ({ status: 200, body: {} });
let cpServer: Server;
const runtime = new RuntimeApi();
let runtimeUrl = "";

beforeAll(async () => {
  cpServer = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const s = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(s);
      const a = answer(s);
      res.writeHead(a.status, { "content-type": "application/json" }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => cpServer.listen(0, "127.0.0.1", () => r()));
  const cp = new ControlPlane(`http://127.0.0.1:${(cpServer.address() as AddressInfo).port}`, "oos.t.k.runner-secret");
  const lease = {
    lease_id: "l1",
    epoch: 7,
    expires_at: new Date().toISOString(),
    task: { id: "task_1", attempts: 1 },
  } as unknown as Lease;
  const run = new TaskRun(lease, {
    cp,
    log: pino({ level: "silent" }),
    agent: { command: ["true"] } as never,
    runtimeUrl: "",
    workRoot: "/tmp",
    runnerName: "r",
    defaultStallMs: null,
  });
  runtimeUrl = await runtime.listen("127.0.0.1", 0);
  runtime.register("tok", run);
});
afterAll(async () => {
  await runtime.close();
  await new Promise((r) => cpServer.close(r));
});

const call = (method: string, path: string, body?: string) =>
  fetch(`${runtimeUrl}${path}`, {
    method,
    headers: { authorization: "Bearer tok", ...(body ? { "content-type": "application/json" } : {}) },
    body,
  });

describe("runtime API thread routes", () => {
  it("forwards reads and writes with the runner's key and the task's lease", async () => {
    answer = () => ({ status: 200, body: { checkpoints: [], next_before: null } });
    const r = await call("GET", "/threads/lg%3At/checkpoints?checkpoint_ns=&limit=1");
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ checkpoints: [], next_before: null });
    const body = JSON.stringify({ checkpoint_ns: "", checkpoint: { type: "json", data: "e30=" } });
    answer = () => ({ status: 200, body: { thread_id: "lg:t", checkpoint_ns: "", checkpoint_id: "c1" } });
    expect((await call("PUT", "/threads/lg%3At/checkpoints/c1", body)).status).toBe(200);
    const [get, put] = seen.slice(-2);
    expect(get?.url).toBe("/v1/threads/lg%3At/checkpoints?checkpoint_ns=&limit=1");
    expect(put).toMatchObject({ method: "PUT", url: "/v1/threads/lg%3At/checkpoints/c1", body });
    for (const s of [get, put])
      expect(s?.headers).toMatchObject({
        authorization: "Bearer oos.t.k.runner-secret",
        "officeos-task-id": "task_1",
        "officeos-epoch": "7",
      });
  });

  it("passes a missing checkpoint (404) through and keeps the task", async () => {
    answer = () => ({ status: 404, body: { error: { code: "not_found", message: "no checkpoint" } } });
    const r = await call("GET", "/threads/t/checkpoints/nope");
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("not_found");
  });

  it("does not reach the tenant-wide list (GET /checkpoints) nor build a path from the agent's string", async () => {
    answer = () => ({ status: 200, body: { checkpoints: [], next_before: null } });
    const before = seen.length;
    expect((await call("GET", "/checkpoints")).status).toBe(404);
    expect((await call("GET", "/checkpoints?limit=1")).status).toBe(404);
    // forwardThreads re-checks whatever it is given.
    const cp = new ControlPlane(`http://127.0.0.1:${(cpServer.address() as AddressInfo).port}`, "k");
    for (const [m, p] of [
      ["GET", "/threads/../runners"],
      ["POST", "/threads/t/checkpoints"],
      ["GET", "/checkpoints"],
      ["GET", "/threads/t/checkpoints?x=1"],
    ] as const) {
      expect(await forwardThreads(cp, "task_1", 7, m, p, undefined)).toMatchObject({ kind: "http" });
    }
    // And the control-plane client forwards only thread paths.
    expect(await cp.forward("GET", "/v1/runners", undefined, {})).toMatchObject({ kind: "http", status: 400 });
    expect(await cp.forward("GET", "/v1/threads/../runners", undefined, {})).toMatchObject({
      kind: "http",
      status: 400,
    });
    expect(seen.length).toBe(before);
  });

  it("answers lease_lost once the control plane refuses the lease, and forwards nothing more", async () => {
    answer = () => ({
      status: 409,
      body: { error: { code: "stale_epoch", message: "lease epoch 7 is no longer current" } },
    });
    const r = await call("PUT", "/threads/t/checkpoints/c2", "{}");
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("lease_lost");
    const before = seen.length;
    expect((await call("GET", "/threads/t/checkpoints")).status).toBe(409);
    expect(seen.length).toBe(before);
  });
});
