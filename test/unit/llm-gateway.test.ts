// The runner's LLM gateway between a real HTTP client and a real upstream
// server; the control plane's reserve/settle/cancel are recorded stand-ins
// here (the Worker side has its own tests, and the e2e runs both for real).
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ControlPlane } from "../../agent-runner/src/control.js";
import { estimatePromptTokens, LlmGateway } from "../../agent-runner/src/llm-gateway.js";
import { IMAGE_TOKENS, MAX_COMPLETION_TOKENS } from "../../agent-runner/src/runtime-llm-request.js";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => (s.closeAllConnections(), s.close(r)));
});

async function listen(handler: RequestListener): Promise<string> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

function fakeControlPlane(refuse = false) {
  const log: string[] = [];
  const settled: unknown[] = [];
  const cp = {
    reserveLlm: async (b: { tokens: number }) => {
      log.push(`reserve ${b.tokens}`);
      return refuse
        ? { kind: "rate_limited", retryAfterMs: 2500, message: "agent:x:llm_tokens" }
        : { kind: "ok", value: { reservation_id: "r1", tokens: b.tokens, requests: 1, delay_ms: 0 } };
    },
    settleLlm: async (id: string, usage: unknown) => (
      log.push(`settle ${id}`), settled.push(usage), { kind: "ok", value: {} }
    ),
    cancelLlm: async (id: string) => (log.push(`cancel ${id}`), { kind: "ok", value: {} }),
  };
  return { cp: cp as unknown as ControlPlane, log, settled };
}

async function gateway(upstreamUrl: string, cp: ControlPlane): Promise<string> {
  const gw = new LlmGateway(
    { base_url: upstreamUrl, api_key: "sk-x", default_max_tokens: 100, timeout_ms: 5000, max_wait_ms: 0, headers: {} },
    cp,
    pino({ level: "silent" }),
  );
  return listen((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on(
      "end",
      () => void gw.handle({ taskId: "t1", epoch: 1, agent: "x" }, JSON.parse(text), res, new AbortController().signal),
    );
  });
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const messages = [{ role: "user", content: "hello" }];

describe("LLM gateway", () => {
  it("refused by the quota: 429 with Retry-After in OpenAI's error shape, and the upstream is never called", async () => {
    let upstreamCalls = 0;
    const up = await listen((_q, s) => (upstreamCalls++, s.end("{}")));
    const f = fakeControlPlane(true);
    const r = await post(await gateway(up, f.cp), { messages });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("3");
    expect(((await r.json()) as { error: unknown }).error).toMatchObject({
      code: "rate_limit_exceeded",
      type: "tokens",
    });
    expect(upstreamCalls).toBe(0);
    // 16-token prompt estimate + the default max_tokens of 100.
    expect(f.log).toEqual([`reserve ${estimatePromptTokens(messages) + 100}`]);
    expect(estimatePromptTokens(messages)).toBe(16);
  });

  it("an upstream error is passed on and the reservation cancelled, not charged", async () => {
    const up = await listen((_q, s) => {
      s.writeHead(503, { "content-type": "application/json", "retry-after": "7" });
      s.end(JSON.stringify({ error: { message: "overloaded", type: "server_error", param: null, code: null } }));
    });
    const f = fakeControlPlane();
    const r = await post(await gateway(up, f.cp), { messages, max_tokens: 5 });
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("7");
    expect(f.log).toEqual(["reserve 21", "cancel r1"]);
  });

  it("a stream without a usage chunk is settled by counting; max_tokens is always sent upstream", async () => {
    let seen: any = null;
    const up = await listen((q, s) => {
      let t = "";
      q.on("data", (c) => (t += c));
      q.on("end", () => {
        seen = JSON.parse(t);
        s.writeHead(200, { "content-type": "text/event-stream" });
        // An upstream that ignores stream_options: content only, 40 characters.
        s.write(
          `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "x".repeat(40) }, finish_reason: null }] })}\n\n`,
        );
        s.end("data: [DONE]\n\n");
      });
    });
    const f = fakeControlPlane();
    const r = await post(await gateway(up, f.cp), { messages, stream: true });
    const body = await r.text();
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect(seen.max_tokens).toBe(100);
    expect(seen.stream_options).toEqual({ include_usage: true });
    // 16 estimated prompt tokens + ⌈40 / 4⌉ counted completion tokens.
    expect(f.settled).toEqual([{ prompt_tokens: 16, completion_tokens: 10, total_tokens: 26 }]);
  });

  it("the usage chunk the gateway asked for is not shown to an agent that did not ask for it", async () => {
    const up = await listen((_q, s) => {
      s.writeHead(200, { "content-type": "text/event-stream" });
      s.write(
        `data: ${JSON.stringify({ id: "c", choices: [{ index: 0, delta: { content: "hi" }, finish_reason: "stop" }] })}\n\n`,
      );
      s.write(
        `data: ${JSON.stringify({ id: "c", choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, prompt_tokens_details: { cached_tokens: 0 } } })}\n\n`,
      );
      s.end("data: [DONE]\n\n");
    });
    const f = fakeControlPlane();
    const text = await (await post(await gateway(up, f.cp), { messages, stream: true })).text();
    expect(text).not.toContain("usage");
    expect(f.settled).toEqual([{ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }]);
  });

  it("bad requests are 400 before any reservation", async () => {
    const f = fakeControlPlane();
    const r = await post(await gateway("http://127.0.0.1:9", f.cp), { messages: [] });
    expect(r.status).toBe(400);
    expect(f.log).toEqual([]);
  });
});

describe("LLM gateway: the request body, strictly", () => {
  const reserved = (log: string[]) => log.filter((l) => l.startsWith("reserve ")).map((l) => Number(l.slice(8)));
  const error = async (r: Response) =>
    ((await r.json()) as { error: { message: string; param: string | null; code: string } }).error;

  it("n: 64 is refused with a 400 naming n, before any reservation or upstream call", async () => {
    let upstreamCalls = 0;
    const up = await listen((_q, s) => (upstreamCalls++, s.end("{}")));
    const f = fakeControlPlane();
    const r = await post(await gateway(up, f.cp), { messages, n: 64, max_tokens: 10 });
    expect(r.status).toBe(400);
    const e = await error(r);
    expect(e.param).toBe("n");
    expect(e.message).toContain("n");
    expect(f.log).toEqual([]);
    expect(upstreamCalls).toBe(0);
  });

  it("n multiplies the completion part of the reservation: prompt + n × max_tokens", async () => {
    const up = await listen((_q, s) =>
      s.end(JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })),
    );
    const f = fakeControlPlane();
    const url = await gateway(up, f.cp);
    await post(url, { messages, max_tokens: 10 });
    await post(url, { messages, max_tokens: 10, n: 16 });
    // 16-token prompt estimate + 1 × 10, then 16 + 16 × 10.
    expect(reserved(f.log)).toEqual([26, 176]);
  });

  it("tools, functions, tool_choice, response_format and images count into the prompt estimate", async () => {
    const up = await listen((_q, s) =>
      s.end(JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })),
    );
    const f = fakeControlPlane();
    const url = await gateway(up, f.cp);
    const tool = {
      type: "function",
      function: { name: "lookup", description: "d".repeat(4000), parameters: { type: "object", properties: {} } },
    };
    await post(url, { messages, max_tokens: 10, tools: [tool], tool_choice: "auto" });
    const withTools = reserved(f.log)[0] as number;
    expect(withTools).toBeGreaterThan(26 + 1000);
    const image = [
      {
        role: "user",
        content: [
          { type: "text", text: "what is this" },
          { type: "image_url", image_url: { url: "https://x.example/a.png" } },
        ],
      },
    ];
    await post(url, { messages: image, max_tokens: 10 });
    expect(reserved(f.log)[1]).toBeGreaterThan(IMAGE_TOKENS);
  });

  it("unknown fields and the refused ones are 400s that name them; standard fields go upstream", async () => {
    let seen: Record<string, unknown> | null = null;
    const up = await listen((q, s) => {
      let t = "";
      q.on("data", (c) => (t += c));
      q.on(
        "end",
        () => (
          (seen = JSON.parse(t)),
          s.end(JSON.stringify({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }))
        ),
      );
    });
    const f = fakeControlPlane();
    const url = await gateway(up, f.cp);
    let r = await post(url, { messages, frobnicate: true, best_of: 20 });
    expect(r.status).toBe(400);
    let e = await error(r);
    expect(e.message).toContain("frobnicate");
    expect(e.message).toContain("best_of");
    r = await post(url, { messages, audio: { voice: "alloy", format: "wav" } });
    expect(r.status).toBe(400);
    expect((await error(r)).param).toBe("audio");
    r = await post(url, { messages: [{ role: "user", content: "x", sneaky: 1 }] });
    expect(r.status).toBe(400);
    expect((await error(r)).message).toContain("messages.0.sneaky");
    r = await post(url, { messages, max_tokens: MAX_COMPLETION_TOKENS + 1 });
    expect(r.status).toBe(400);
    e = await error(r);
    expect(e.param).toBe("max_tokens");
    expect(f.log).toEqual([]);
    r = await post(url, {
      messages,
      model: "m",
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ["\n"],
      user: "u",
      response_format: { type: "json_object" },
      max_completion_tokens: 12,
    });
    expect(r.status).toBe(200);
    expect(seen).toEqual({
      messages,
      model: "m",
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      stop: ["\n"],
      user: "u",
      response_format: { type: "json_object" },
      max_completion_tokens: 12,
    });
  });
});
