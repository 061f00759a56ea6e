// A stand-in for an OpenAI-compatible API (we cannot call a paid one): a real
// node:http server speaking the real wire format of POST /v1/chat/completions,
// JSON and SSE (`data: {chunk}` events, the `usage` chunk with empty choices
// when stream_options.include_usage is set, then `data: [DONE]`); POST /v1/responses (the Responses API, JSON
// and SSE: a function_call to the first tool while the input has no tool output yet, else a text message),
// POST /v1/embeddings and GET /v1/models.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenCall {
  authorization: string | undefined;
  body: {
    model?: string;
    max_tokens?: number;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
    messages: unknown[];
  };
}

export interface FakeOpenAi {
  url: string;
  calls: SeenCall[];
  /** POST /v1/responses and /v1/embeddings bodies, in order, with the path. */
  others: { path: string; authorization: string | undefined; body: Record<string, any> }[];
  close(): Promise<void>;
}

/** Every answer uses 20 prompt tokens and min(max_tokens, 10) completion tokens. */
export const PROMPT_TOKENS = 20;
export const COMPLETION_TOKENS = 10;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startFakeOpenAi(apiKey: string): Promise<FakeOpenAi> {
  const calls: SeenCall[] = [];
  const others: FakeOpenAi["others"] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      if (
        req.headers.authorization === `Bearer ${apiKey}` &&
        (req.url === "/v1/responses" || req.url === "/v1/embeddings" || req.url === "/v1/models")
      ) {
        const body = text ? (JSON.parse(text) as Record<string, any>) : {};
        if (req.method === "GET" && req.url === "/v1/models") {
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(
            JSON.stringify({
              object: "list",
              data: [{ id: "fake-model", object: "model", created: 0, owned_by: "fake" }],
            }),
          );
        }
        others.push({ path: req.url, authorization: req.headers.authorization, body });
        if (req.url === "/v1/embeddings") return embeddings(body, res);
        return responses(body, res, ++n);
      }
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(
          JSON.stringify({ error: { message: "not found", type: "invalid_request_error", param: null, code: null } }),
        );
      }
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        res.writeHead(401, { "content-type": "application/json" });
        return res.end(
          JSON.stringify({
            error: {
              message: "Incorrect API key provided",
              type: "invalid_request_error",
              param: null,
              code: "invalid_api_key",
            },
          }),
        );
      }
      const body = JSON.parse(text) as SeenCall["body"];
      calls.push({ authorization: req.headers.authorization, body });
      const id = `chatcmpl-${++n}`;
      const created = Math.floor(Date.now() / 1000);
      const model = body.model ?? "fake-model";
      const completion = Math.min(body.max_tokens ?? 16, COMPLETION_TOKENS);
      const words = Array.from({ length: completion }, (_, i) => `w${i} `);
      const usage = {
        prompt_tokens: PROMPT_TOKENS,
        completion_tokens: completion,
        total_tokens: PROMPT_TOKENS + completion,
      };
      if (!body.stream) {
        const answer = {
          id,
          object: "chat.completion",
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: "assistant", content: words.join(""), refusal: null },
              logprobs: null,
              finish_reason: "stop",
            },
          ],
          usage,
          system_fingerprint: "fp_fake",
        };
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify(answer));
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_fake", choices, ...extra })}\n\n`;
      res.write(chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]));
      for (const w of words)
        res.write(chunk([{ index: 0, delta: { content: w }, logprobs: null, finish_reason: null }]));
      res.write(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]));
      if (body.stream_options?.include_usage) res.write(chunk([], { usage }));
      res.end("data: [DONE]\n\n");
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    others,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

type Res = import("node:http").ServerResponse;

function embeddings(body: Record<string, any>, res: Res): void {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  res.writeHead(200, { "content-type": "application/json" });
  res.end(
    JSON.stringify({
      object: "list",
      data: inputs.map((_x: unknown, index: number) => ({ object: "embedding", index, embedding: [0.1, 0.2, 0.3] })),
      model: body.model ?? "fake-embedding",
      usage: { prompt_tokens: PROMPT_TOKENS, total_tokens: PROMPT_TOKENS },
    }),
  );
}

/** The Responses API: a call to the first tool (its required string arguments set to "42") until the input holds a tool output. */
function responses(body: Record<string, any>, res: Res, n: number): void {
  const input: any[] = Array.isArray(body.input) ? body.input : [];
  const toolOutput = input.find((i) => i?.type === "function_call_output");
  const tool = (body.tools ?? [])[0];
  const completion = Math.min(body.max_output_tokens ?? 16, COMPLETION_TOKENS);
  const usage = {
    input_tokens: PROMPT_TOKENS,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: completion,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: PROMPT_TOKENS + completion,
  };
  let output: Record<string, unknown>[];
  if (tool && !toolOutput) {
    const args: Record<string, string> = {};
    for (const k of tool.parameters?.required ?? []) args[k] = "42";
    output = [
      {
        type: "function_call",
        id: `fc_${n}`,
        call_id: `call_${n}`,
        name: tool.name,
        arguments: JSON.stringify(args),
        status: "completed",
      },
    ];
  } else {
    const text = toolOutput
      ? `the tool said: ${String(toolOutput.output)}`
      : Array.from({ length: completion }, (_, i) => `w${i} `).join("");
    output = [
      {
        type: "message",
        id: `msg_${n}`,
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text, annotations: [] }],
      },
    ];
  }
  const response = {
    id: `resp_${n}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "completed",
    model: body.model ?? "fake-model",
    output,
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: body.tools ?? [],
    usage,
    error: null,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    metadata: {},
    temperature: 1,
    top_p: 1,
    text: { format: { type: "text" } },
    truncation: "disabled",
  };
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(response));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  ev("response.created", { response: { ...response, status: "in_progress", output: [], usage: null } });
  output.forEach((item, i) => {
    ev("response.output_item.added", { output_index: i, item: { ...item, status: "in_progress" } });
    ev("response.output_item.done", { output_index: i, item });
  });
  ev("response.completed", { response });
  res.end();
}
