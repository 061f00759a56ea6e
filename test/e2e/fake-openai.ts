// A stand-in for an OpenAI-compatible API (we cannot call a paid one): a real
// node:http server speaking the real wire format of POST /v1/chat/completions,
// JSON and SSE (`data: {chunk}` events, the `usage` chunk with empty choices
// when stream_options.include_usage is set, then `data: [DONE]`).
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
  let n = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
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
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
