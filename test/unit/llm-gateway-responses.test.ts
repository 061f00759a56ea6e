// The gateway's Responses API, embeddings and model list, between a real HTTP
// client and a real upstream server; the control plane's reserve/settle/cancel
// are recorded stand-ins (as in llm-gateway.test.ts). Each metered call must
// reserve its most expensive case first and settle what the upstream reports,
// exactly as chat completions do.
import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { ControlPlane } from "../../agent-runner/src/control.js";
import { LlmGateway, type LlmRouteKind } from "../../agent-runner/src/llm-gateway.js";
import {
  estimateEmbeddingTokens,
  estimateResponsesPromptTokens,
  ResponsesRequest,
} from "../../agent-runner/src/runtime-llm-responses.js";

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

async function gateway(upstreamUrl: string, cp: ControlPlane, kind: LlmRouteKind): Promise<string> {
  const gw = new LlmGateway(
    {
      base_url: upstreamUrl,
      api_key: "sk-x",
      default_model: "fake-model",
      default_max_tokens: 100,
      timeout_ms: 5000,
      max_wait_ms: 0,
      headers: {},
    },
    cp,
    pino({ level: "silent" }),
  );
  return listen((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on(
      "end",
      () =>
        void gw.handle(
          { taskId: "t1", epoch: 1, agent: "x" },
          text ? JSON.parse(text) : undefined,
          res,
          new AbortController().signal,
          kind,
        ),
    );
  });
}

interface Upstream {
  url: string;
  seen: { method: string; path: string; auth: string | undefined; body: any }[];
}

async function upstream(
  answer: (path: string, body: any, res: import("node:http").ServerResponse) => void,
): Promise<Upstream> {
  const seen: Upstream["seen"] = [];
  const url = await listen((q: IncomingMessage, s) => {
    let t = "";
    q.on("data", (c) => (t += c));
    q.on("end", () => {
      const body = t ? JSON.parse(t) : undefined;
      seen.push({ method: q.method ?? "", path: q.url ?? "", auth: q.headers.authorization, body });
      answer(q.url ?? "", body, s);
    });
  });
  return { url, seen };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const USAGE = { input_tokens: 12, output_tokens: 5, total_tokens: 17, output_tokens_details: { reasoning_tokens: 0 } };
const RESPONSE = {
  id: "resp_1",
  object: "response",
  status: "completed",
  model: "fake-model",
  output: [
    {
      type: "message",
      id: "msg_1",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: "hello", annotations: [] }],
    },
  ],
  usage: USAGE,
};

describe("POST /llm/v1/responses", () => {
  it("reserves the prompt estimate + max_output_tokens, sends the parsed body with store false, settles the reported usage", async () => {
    const up = await upstream((_p, _b, s) => {
      s.writeHead(200, { "content-type": "application/json" });
      s.end(JSON.stringify(RESPONSE));
    });
    const f = fakeControlPlane();
    const body = {
      input: [{ role: "user", content: "hi" }],
      instructions: "be brief",
      tools: [{ type: "function", name: "lookup", parameters: { type: "object" }, strict: true }],
    };
    const r = await post(await gateway(`${up.url}/v1`, f.cp, "llm_responses"), body);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual(RESPONSE);
    expect(up.seen).toHaveLength(1);
    expect(up.seen[0]?.path).toBe("/v1/responses");
    expect(up.seen[0]?.auth).toBe("Bearer sk-x");
    expect(up.seen[0]?.body).toEqual({ ...body, model: "fake-model", max_output_tokens: 100, store: false });
    const prompt = estimateResponsesPromptTokens(ResponsesRequest.parse(body));
    expect(f.log).toEqual([`reserve ${prompt + 100}`, "settle r1"]);
    // input/output tokens settle as prompt/completion tokens, as chat's usage does.
    expect(f.settled).toEqual([{ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }]);
  });

  it("streams every event through unchanged and settles the usage of response.completed", async () => {
    const events = [
      `event: response.created\ndata: ${JSON.stringify({ type: "response.created", response: { ...RESPONSE, status: "in_progress", usage: null } })}`,
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "hel" })}`,
      `event: response.output_text.delta\ndata: ${JSON.stringify({ type: "response.output_text.delta", delta: "lo" })}`,
      `event: response.completed\ndata: ${JSON.stringify({ type: "response.completed", response: RESPONSE })}`,
    ];
    const up = await upstream((_p, _b, s) => {
      s.writeHead(200, { "content-type": "text/event-stream" });
      for (const e of events) s.write(`${e}\n\n`);
      s.end();
    });
    const f = fakeControlPlane();
    const r = await post(await gateway(up.url, f.cp, "llm_responses"), {
      input: "hi",
      stream: true,
      max_output_tokens: 50,
    });
    expect(r.headers.get("content-type")).toBe("text/event-stream");
    expect(await r.text()).toBe(events.map((e) => `${e}\n\n`).join(""));
    expect(up.seen[0]?.body.max_output_tokens).toBe(50);
    expect(f.settled).toEqual([{ prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 }]);
  });

  it("a stream that reports no usage is settled by counting the deltas", async () => {
    const up = await upstream((_p, _b, s) => {
      s.writeHead(200, { "content-type": "text/event-stream" });
      s.write(`data: ${JSON.stringify({ type: "response.output_text.delta", delta: "x".repeat(40) })}\n\n`);
      s.end();
    });
    const f = fakeControlPlane();
    const body = { input: "hello there", stream: true };
    await (await post(await gateway(up.url, f.cp, "llm_responses"), body)).text();
    const prompt = estimateResponsesPromptTokens(ResponsesRequest.parse(body));
    // The prompt estimate + ⌈40 / 4⌉ counted output tokens.
    expect(f.settled).toEqual([{ prompt_tokens: prompt, completion_tokens: 10, total_tokens: prompt + 10 }]);
  });

  it.each([
    ["previous_response_id", { input: "hi", previous_response_id: "resp_0" }, "previous_response_id"],
    ["conversation", { input: "hi", conversation: "conv_1" }, "conversation"],
    ["a hosted tool", { input: "hi", tools: [{ type: "web_search" }] }, "tools.0.type"],
    ["store: true", { input: "hi", store: true }, "store"],
    ["an unknown field", { input: "hi", frobnicate: 1 }, "frobnicate"],
    ["a stored file", { input: [{ role: "user", content: [{ type: "input_file", file_id: "f1" }] }] }, "input"],
    ["no input", { model: "m" }, "input"],
  ])("refuses %s with a 400 naming it; nothing is reserved or sent upstream", async (_n, body, param) => {
    const up = await upstream((_p, _b, s) => s.end("{}"));
    const f = fakeControlPlane();
    const r = await post(await gateway(up.url, f.cp, "llm_responses"), body);
    expect(r.status).toBe(400);
    const err = ((await r.json()) as { error: { param: string | null; type: string } }).error;
    expect(err.type).toBe("invalid_request_error");
    expect(err.param?.startsWith(param)).toBe(true);
    expect(up.seen).toEqual([]);
    expect(f.log).toEqual([]);
  });

  it("an empty bucket: 429 with Retry-After, the upstream never called", async () => {
    const up = await upstream((_p, _b, s) => s.end("{}"));
    const f = fakeControlPlane(true);
    const r = await post(await gateway(up.url, f.cp, "llm_responses"), { input: "hi" });
    expect(r.status).toBe(429);
    expect(r.headers.get("retry-after")).toBe("3");
    expect(up.seen).toEqual([]);
  });
});

describe("POST /llm/v1/embeddings", () => {
  it("reserves the input estimate and settles the reported prompt tokens", async () => {
    const up = await upstream((_p, _b, s) => {
      s.writeHead(200, { "content-type": "application/json" });
      s.end(
        JSON.stringify({
          object: "list",
          data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2] }],
          model: "emb",
          usage: { prompt_tokens: 4, total_tokens: 4 },
        }),
      );
    });
    const f = fakeControlPlane();
    const body = { model: "emb", input: ["hello world", "bye"] };
    const r = await post(await gateway(up.url, f.cp, "llm_embeddings"), body);
    expect(r.status).toBe(200);
    expect(up.seen[0]?.path).toBe("/embeddings");
    expect(up.seen[0]?.body).toEqual(body);
    // ⌈11 / 4⌉ + 1 + ⌈3 / 4⌉ + 1 = 3 + 1 + 1 + 1.
    expect(estimateEmbeddingTokens(body)).toBe(6);
    expect(f.log).toEqual(["reserve 6", "settle r1"]);
    expect(f.settled).toEqual([{ prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 }]);
  });

  it("refuses a bad input with a 400 naming it", async () => {
    const up = await upstream((_p, _b, s) => s.end("{}"));
    const f = fakeControlPlane();
    const r = await post(await gateway(up.url, f.cp, "llm_embeddings"), { input: [], model: "emb" });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { param: string } }).error.param).toBe("input");
    expect(f.log).toEqual([]);
  });
});

describe("GET /llm/v1/models", () => {
  it("passes the upstream's list on, reserving nothing", async () => {
    const list = { object: "list", data: [{ id: "gpt-x", object: "model", created: 1, owned_by: "up" }] };
    const up = await upstream((_p, _b, s) => {
      s.writeHead(200, { "content-type": "application/json" });
      s.end(JSON.stringify(list));
    });
    const f = fakeControlPlane();
    const r = await fetch(await gateway(up.url, f.cp, "llm_models"));
    expect(await r.json()).toEqual(list);
    expect(up.seen[0]).toMatchObject({ method: "GET", path: "/models", auth: "Bearer sk-x" });
    expect(f.log).toEqual([]);
  });

  it("answers the configured default model when the upstream has no list", async () => {
    const up = await upstream((_p, _b, s) => {
      s.writeHead(404, { "content-type": "application/json" });
      s.end("{}");
    });
    const r = await fetch(await gateway(up.url, fakeControlPlane().cp, "llm_models"));
    expect(r.status).toBe(200);
    expect(((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(["fake-model"]);
  });
});
