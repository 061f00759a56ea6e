// The runtime API's allowlist on the real server: the whole path-trick corpus,
// sent byte-exact over raw sockets with a valid task token, gets 4xx answers;
// no task handler runs, nothing reaches the control plane, the tool upstream
// or the LLM upstream (one recording server stands for all three), and the
// refusals are audited in a few batched calls, not one per request.
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlPlane } from "../../agent-runner/src/control.js";
import { LlmGateway } from "../../agent-runner/src/llm-gateway.js";
import { RuntimeApi, type RuntimeReply, type TaskHandle } from "../../agent-runner/src/runtime-api.js";
import { RuntimeDenials, type DenialDetails } from "../../agent-runner/src/runtime-denials.js";
import { forwardThreads } from "../../agent-runner/src/threads-proxy.js";
import { ToolGateway, type ToolConfig } from "../../agent-runner/src/tools.js";
import { corpus, rawRequest, WIRE } from "../e2e/hostile/corpus.mjs";

const log = pino({ level: "silent" });
const upstreamSeen: { method: string; url: string; host: string | undefined; forwarded: string | undefined }[] = [];
let upstream: Server;
let upstreamUrl = "";
const api = new RuntimeApi();
let port = 0;
const handled: string[] = [];
const audits: { task: string | undefined; details: DenialDetails }[] = [];

class Task implements TaskHandle {
  constructor(private readonly cp: ControlPlane) {}
  info() {
    handled.push("info");
    return { task_id: "task_h" };
  }
  async checkpoint(): Promise<RuntimeReply> {
    handled.push("checkpoint");
    return { status: 200, body: { seq: 1 } };
  }
  progress(): RuntimeReply {
    handled.push("progress");
    return { status: 200, body: { ok: true } };
  }
  async result(): Promise<RuntimeReply> {
    handled.push("result");
    return { status: 200, body: { ok: true } };
  }
  async error(): Promise<RuntimeReply> {
    handled.push("error");
    return { status: 200, body: { ok: true } };
  }
  async approval(): Promise<RuntimeReply> {
    handled.push("approval");
    return { status: 200, body: {} };
  }
  touch(): void {}
  async threads(method: string, path: string, body: Uint8Array | undefined): Promise<RuntimeReply> {
    handled.push(`threads ${method} ${path}`);
    const r = await forwardThreads(this.cp, "task_h", 3, method, path, body);
    return r.kind === "ok"
      ? { status: 200, body: r.value }
      : { status: r.kind === "http" ? r.status : 503, body: { error: { code: "x", message: r.message } } };
  }
  identity() {
    return { taskId: "task_h", epoch: 3, agent: "hostile" };
  }
  toolCaller() {
    return { taskId: "task_h", agent: "hostile", allowed: ["search"] };
  }
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    upstreamSeen.push({
      method: req.method ?? "",
      url: req.url ?? "",
      host: req.headers.host,
      forwarded: req.headers["x-forwarded-host"] as string | undefined,
    });
    req.resume();
    req.on("end", () =>
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ checkpoints: [], next_before: null })),
    );
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const cp = new ControlPlane(upstreamUrl, "oos.t.k.runner-secret");
  api.denials = new RuntimeDenials(async (task, details) => (audits.push({ task, details }), { kind: "ok" }), {
    flushMs: 1000,
  });
  api.llm = new LlmGateway(
    { base_url: `${upstreamUrl}/v1`, default_max_tokens: 16, timeout_ms: 5000, max_wait_ms: 0, headers: {} },
    cp,
    log,
  );
  api.tools = new ToolGateway(
    {
      search: {
        url: `${upstreamUrl}/search`,
        method: "POST",
        headers: {},
        timeout_ms: 5000,
        max_response_bytes: 1 << 20,
      } as ToolConfig,
    },
    cp,
    log,
  );
  port = Number(new URL(await api.listen("127.0.0.1", 0)).port);
  api.register("tok-h", new Task(cp));
});
afterAll(async () => {
  await api.close();
  await new Promise((r) => (upstream.closeAllConnections(), upstream.close(r)));
});

/** Sends bytes on a fresh connection; resolves with the status of the answer (0: closed without one). */
function sendRaw(bytes: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let buf = "";
    const t = setTimeout(
      () => (
        s.destroy(), reject(new Error(`no answer to ${JSON.stringify(bytes.toString("latin1").split("\r\n")[0])}`))
      ),
      10_000,
    );
    s.on("data", (d) => (buf += d.toString("latin1")));
    s.on("error", () => undefined);
    s.on("close", () => {
      clearTimeout(t);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0), text: buf });
    });
    // Not end(): a half-closed connection may be dropped before a slow answer; "Connection: close" ends it.
    s.write(bytes);
  });
}

const tricks = corpus();

describe("the runtime API refuses the corpus on the wire", () => {
  it("answers every trick with a 4xx, runs no handler, forwards nothing, and audits the refusals in batches", async () => {
    const t0 = Date.now();
    const answers: { name: string; status: number }[] = [];
    for (const t of tricks)
      answers.push({ name: t.name, status: (await sendRaw(rawRequest(t.method, t.target, "tok-h"))).status });
    for (const [name, line] of WIRE)
      answers.push({
        name,
        status: (
          await sendRaw(Buffer.from(`${line}\r\nHost: x\r\nAuthorization: Bearer tok-h\r\nConnection: close\r\n\r\n`))
        ).status,
      });
    const bad = answers.filter((a) => a.status < 400 || a.status > 499);
    expect(bad).toEqual([]);
    expect(handled).toEqual([]);
    expect(upstreamSeen).toEqual([]);

    const seconds = Math.ceil((Date.now() - t0) / 1000);
    await api.denials?.close();
    const counted = audits.reduce((n, a) => n + a.details.count, 0);
    // Every refusal is counted (CONNECT and parse errors included); far fewer calls than refusals.
    expect(counted).toBe(answers.length);
    // At most one flush a second (plus the last one at close), each one event for the task and one for unparsed requests.
    expect(audits.length).toBeLessThanOrEqual(2 * (seconds + 1));
    // Refusals are the task's, except requests the HTTP parser could not read (it never got to their token).
    const sum = (xs: typeof audits) => xs.reduce((n, a) => n + a.details.count, 0);
    const unparsed = audits.filter((a) => a.task === undefined).flatMap((a) => Object.entries(a.details.codes));
    expect(unparsed.filter(([code]) => !code.startsWith("unparseable:"))).toEqual([]);
    expect(sum(audits.filter((a) => a.task === "task_h"))).toBeGreaterThan(tricks.length * 0.8);
    const sample = audits.find((a) => a.task === "task_h")?.details.samples[0];
    expect(sample).toMatchObject({
      method: expect.any(String),
      target: expect.any(String),
      status: expect.any(Number),
      code: expect.any(String),
    });
  }, 120_000);

  it("still serves the table, and passes on neither the agent's Host nor its X-Forwarded-*", async () => {
    handled.length = 0;
    upstreamSeen.length = 0;
    const r = await sendRaw(
      rawRequest("GET", "/threads/lg%3At/checkpoints?limit=1&checkpoint_ns=", "tok-h", {
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-For": "1.2.3.4",
      }),
    );
    expect(r.status).toBe(200);
    expect((await sendRaw(rawRequest("GET", "/task", "tok-h"))).status).toBe(200);
    expect(handled).toEqual(["threads GET /threads/lg%3At/checkpoints?checkpoint_ns=&limit=1", "info"]);
    expect(upstreamSeen).toEqual([
      {
        method: "GET",
        url: "/v1/threads/lg%3At/checkpoints?checkpoint_ns=&limit=1",
        host: new URL(upstreamUrl).host,
        forwarded: undefined,
      },
    ]);
  });

  it("answers 401 to a well-formed request without a valid token, and 4xx to a trick without one", async () => {
    expect((await sendRaw(rawRequest("GET", "/task", "nope"))).status).toBe(401);
    expect((await sendRaw(rawRequest("GET", "/threads/../runners", "nope"))).status).toBe(400);
  });
});
