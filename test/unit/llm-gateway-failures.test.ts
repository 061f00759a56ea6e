// Issue #18, failures that say what they are, on the runner: an unreachable upstream names its host and
// the cause and is logged; a gateway without an upstream marks the attempt, whose failure is then reported
// as llm_not_configured, not retryable (agent-runner/src/task-exit.ts).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ControlPlane } from "../../agent-runner/src/control.js";
import { LlmGateway } from "../../agent-runner/src/llm-gateway.js";
import { causeOf, hostPort } from "../../agent-runner/src/net-error.js";
import { afterLlmRefusal } from "../../agent-runner/src/task-exit.js";
import { type ToolConfig, ToolGateway } from "../../agent-runner/src/tools.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => (s.closeAllConnections(), s.close(r)));
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: "info" }, stream), lines };
}

const cp = {
  reserveLlm: async (b: { tokens: number }) => ({
    kind: "ok",
    value: { reservation_id: "r1", tokens: b.tokens, requests: 1, delay_ms: 0 },
  }),
  settleLlm: async () => ({ kind: "ok", value: {} }),
  cancelLlm: async () => ({ kind: "ok", value: {} }),
} as unknown as ControlPlane;

async function serve(gw: LlmGateway, task: Parameters<LlmGateway["handle"]>[0]): Promise<string> {
  const s = createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => void gw.handle(task, JSON.parse(text), res, new AbortController().signal));
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const chat = (url: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
  });

describe("an unreachable upstream", () => {
  it("names the host and port and the cause from the chain, and the runner logs it", async () => {
    const port = await closedPort();
    const { log, lines } = capture();
    const gw = new LlmGateway(
      {
        base_url: `http://127.0.0.1:${port}/v1`,
        api_key: "sk-x",
        default_max_tokens: 10,
        timeout_ms: 5000,
        max_wait_ms: 0,
        headers: {},
      },
      cp,
      log,
    );
    const r = await chat(await serve(gw, { taskId: "t1", epoch: 1, agent: "x" }));
    expect(r.status).toBe(502);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_unreachable");
    expect(body.error.message).toMatch(new RegExp(`^upstream 127\\.0\\.0\\.1:${port} unreachable: .*ECONNREFUSED`));
    expect(body.error.message).not.toContain("fetch failed");
    const logged = lines.find((l) => l.msg === "LLM upstream unreachable");
    expect(logged).toMatchObject({ upstream: `127.0.0.1:${port}`, err: body.error.message });
  });

  it("causeOf: a timeout says so; an AggregateError names each; the scheme gives the port", () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(causeOf(new TypeError("fetch failed", { cause: timeout }), 3000)).toBe("timed out after 3000 ms");
    const a = Object.assign(new Error("connect ECONNREFUSED ::1:443"), { code: "ECONNREFUSED" });
    const b = Object.assign(new Error("connect ENETUNREACH 10.0.0.1:443"), { code: "ENETUNREACH" });
    const agg = new TypeError("fetch failed", { cause: new AggregateError([a, b], "") });
    expect(causeOf(agg)).toBe("connect ECONNREFUSED ::1:443; connect ENETUNREACH 10.0.0.1:443");
    const dns = Object.assign(new Error("getaddrinfo failed"), { code: "ENOTFOUND" });
    expect(causeOf(new TypeError("fetch failed", { cause: dns }))).toBe("ENOTFOUND: getaddrinfo failed");
    expect(hostPort("https://api.openai.com/v1")).toBe("api.openai.com:443");
    expect(hostPort("http://llm.local/v1")).toBe("llm.local:80");
  });
});

describe("an unreachable tool", () => {
  it("names the tool, its host:port and the cause, and the runner logs it", async () => {
    const port = await closedPort();
    const { log, lines } = capture();
    const tools = {
      crm: {
        url: `http://127.0.0.1:${port}/x`,
        method: "POST",
        headers: {},
        timeout_ms: 5000,
        max_response_bytes: 1024,
      },
    } as unknown as Record<string, ToolConfig>;
    const auditing = { reportTool: async () => ({ kind: "ok", value: {} }) } as unknown as ControlPlane;
    const gw = new ToolGateway(tools, auditing, log);
    const s = createServer((_req, res) => {
      void gw.handle({ taskId: "t1", agent: "x", allowed: ["crm"] }, "crm", new Uint8Array(), "application/json", res);
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    const r = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`, { method: "POST", body: "{}" });
    expect(r.status).toBe(502);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("tool_unreachable");
    expect(body.error.message).toMatch(
      new RegExp(`^tool "crm" at 127\\.0\\.0\\.1:${port} did not answer: .*ECONNREFUSED`),
    );
    expect(lines.find((l) => l.msg === "tool unreachable")).toMatchObject({
      tool: "crm",
      upstream: `127.0.0.1:${port}`,
    });
  });
});

describe("no LLM upstream configured", () => {
  it("the gateway answers llm_not_configured and marks the attempt", async () => {
    let noted: string | null = null;
    const gw = new LlmGateway(undefined, cp, pino({ level: "silent" }));
    const r = await chat(await serve(gw, { taskId: "t1", epoch: 1, agent: "x", noteRefusal: (c) => (noted = c) }));
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("llm_not_configured");
    expect(noted).toBe("llm_not_configured");
  });

  it("the attempt's failure is then reported as llm_not_configured, not retryable", () => {
    const agentError = { code: "agent_error", message: "InternalServerError: Error code: 503" };
    expect(afterLlmRefusal(agentError, true, true)).toEqual({
      error: { code: "llm_not_configured", message: expect.stringContaining("agent_error: InternalServerError") },
      retryable: false,
    });
    expect(afterLlmRefusal({ code: "llm_not_configured", message: "m" }, true, true)).toEqual({
      error: { code: "llm_not_configured", message: "m" },
      retryable: false,
    });
    // Without the refusal nothing changes.
    expect(afterLlmRefusal(agentError, true, false)).toEqual({ error: agentError, retryable: true });
  });
});
