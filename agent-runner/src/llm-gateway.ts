// The runner's LLM gateway: POST /llm/v1/chat/completions on the runtime API,
// OpenAI-compatible, streamed (SSE) or not. Before a call goes upstream it
// reserves its estimated tokens (prompt estimate + n × max_tokens; the body is
// validated strictly, runtime-llm-request.ts) and one request
// from the control plane, which holds the buckets; an empty bucket answers the
// agent 429 with Retry-After and the upstream is never called. Afterwards the
// reservation is settled with the real `usage` (streaming: the usage chunk,
// which the gateway asks for; else a count). The upstream URL and key live in
// the runner's config and never reach the agent.
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { RunnerConfig } from "./config.js";
import type { ControlPlane } from "./control.js";
import { estimateRequestPromptTokens, parseChatRequest, reservationTokens } from "./runtime-llm-request.js";

export { estimatePromptTokens } from "./runtime-llm-request.js";

export interface LlmTask {
  taskId: string;
  epoch: number;
  agent: string;
}

type LlmConfig = NonNullable<RunnerConfig["llm"]>;

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens: number;
}

/** OpenAI's error body. */
function openAiError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string,
  headers: Record<string, string> = {},
  param: string | null = null,
): void {
  const text = JSON.stringify({ error: { message, type, param, code } });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LlmGateway {
  constructor(
    private readonly cfg: LlmConfig | undefined,
    private readonly cp: ControlPlane,
    private readonly log: Logger,
  ) {}

  async handle(task: LlmTask, raw: unknown, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const cfg = this.cfg;
    if (!cfg)
      return openAiError(
        res,
        503,
        "this runner has no LLM upstream configured (llm.base_url)",
        "server_error",
        "llm_not_configured",
      );
    const p = parseChatRequest(raw);
    if (p.kind === "refused")
      return openAiError(res, 400, p.message, "invalid_request_error", "invalid_request", {}, p.param);
    const req = p.request;
    // What goes upstream is the parsed body (known fields only), never the agent's object.
    const body: Record<string, unknown> = { ...req };
    const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? cfg.default_max_tokens;
    // The reservation is bounded by max_tokens, so the upstream must be bounded by it too.
    if (req.max_completion_tokens === undefined && req.max_tokens === undefined) body.max_tokens = maxTokens;
    if (!body.model && cfg.default_model) body.model = cfg.default_model;
    const stream = req.stream === true;
    const wantsUsage = req.stream_options?.include_usage === true;
    if (stream) body.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
    const prompt = estimateRequestPromptTokens(req);
    const tokens = reservationTokens(req, maxTokens);
    const log = this.log.child({ task_id: task.taskId, llm: true });

    const r = await this.cp.reserveLlm({
      task_id: task.taskId,
      epoch: task.epoch,
      tokens,
      requests: 1,
      max_wait_ms: cfg.max_wait_ms,
    });
    if (r.kind === "rate_limited") {
      log.info({ tokens, n: req.n ?? 1, retry_after_ms: r.retryAfterMs }, "llm call throttled");
      return openAiError(res, 429, `token quota exhausted: ${r.message}`, "tokens", "rate_limit_exceeded", {
        "retry-after": String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))),
      });
    }
    if (r.kind === "network")
      return openAiError(res, 503, `control plane unreachable: ${r.message}`, "server_error", "unavailable");
    if (r.kind === "http") {
      if (r.status === 409 || r.status === 404)
        return openAiError(
          res,
          409,
          "the lease on this task is no longer held by this runner",
          "invalid_request_error",
          "lease_lost",
        );
      return openAiError(
        res,
        r.status === 400 ? 400 : 502,
        r.message,
        r.status === 400 ? "invalid_request_error" : "server_error",
        r.code,
      );
    }
    const reservation = r.value;
    if (reservation.delay_ms > 0) await sleep(reservation.delay_ms);

    let upstream: Response;
    try {
      upstream = await fetch(`${cfg.base_url.replace(/\/$/, "")}/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(cfg.api_key ? { authorization: `Bearer ${cfg.api_key}` } : {}),
          ...cfg.headers,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.timeout_ms)]),
      });
    } catch (e) {
      await this.cp.cancelLlm(reservation.reservation_id);
      return openAiError(
        res,
        502,
        `upstream unreachable: ${(e as Error).message}`,
        "server_error",
        "upstream_unreachable",
      );
    }
    if (!upstream.ok) {
      // The upstream refused the call: no tokens were spent.
      const text = await upstream.text().catch(() => "");
      await this.cp.cancelLlm(reservation.reservation_id);
      const headers: Record<string, string> = {
        "content-type": upstream.headers.get("content-type") ?? "application/json",
      };
      const ra = upstream.headers.get("retry-after");
      if (ra) headers["retry-after"] = ra;
      res.writeHead(upstream.status, headers);
      res.end(text);
      return;
    }

    let usage: Usage | null = null;
    let completionChars = 0;
    let model: string | undefined = typeof body.model === "string" ? body.model : undefined;
    try {
      if (!stream) {
        const text = await upstream.text();
        const json = JSON.parse(text) as {
          usage?: Usage;
          model?: string;
          choices?: { message?: { content?: string } }[];
        };
        usage = json.usage ?? null;
        model = json.model ?? model;
        for (const c of json.choices ?? []) completionChars += c.message?.content?.length ?? 0;
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      } else {
        res.writeHead(200, {
          "content-type": "text/event-stream",
          "cache-control": "no-cache",
          connection: "keep-alive",
        });
        const decoder = new TextDecoder();
        let buf = "";
        const onEvent = (ev: string) => {
          const data = ev
            .split(/\r?\n/)
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trimStart())
            .join("\n");
          if (data && data !== "[DONE]") {
            try {
              const chunk = JSON.parse(data) as {
                usage?: Usage | null;
                model?: string;
                choices?: { delta?: { content?: string } }[];
              };
              if (chunk.usage) usage = chunk.usage;
              model = chunk.model ?? model;
              for (const c of chunk.choices ?? []) completionChars += c.delta?.content?.length ?? 0;
              // The usage-only chunk was asked for by us, not by the agent: it does not see it.
              if (chunk.usage && !wantsUsage && (chunk.choices ?? []).length === 0) return;
            } catch {
              /* not JSON: pass it on untouched */
            }
          }
          res.write(`${ev}\n\n`);
        };
        for await (const part of upstream.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(part, { stream: true });
          let i: number;
          while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
            const ev = buf.slice(0, i);
            buf = buf.slice(i).replace(/^\r?\n\r?\n/, "");
            onEvent(ev);
          }
        }
        if (buf.trim()) onEvent(buf);
        res.end();
      }
    } catch (e) {
      log.warn({ err: (e as Error).message }, "llm call broke off");
      if (!res.headersSent)
        openAiError(res, 502, `upstream answer broke off: ${(e as Error).message}`, "server_error", "upstream_error");
      else res.destroy();
    } finally {
      const final: Usage = usage ?? {
        prompt_tokens: prompt,
        completion_tokens: Math.ceil(completionChars / 4),
        total_tokens: prompt + Math.ceil(completionChars / 4),
      };
      const int = (n: number | undefined) =>
        typeof n === "number" && Number.isFinite(n) ? Math.max(0, Math.round(n)) : undefined;
      const clean: Usage = { total_tokens: int(final.total_tokens) ?? 0 };
      if (int(final.prompt_tokens) !== undefined) clean.prompt_tokens = int(final.prompt_tokens) as number;
      if (int(final.completion_tokens) !== undefined) clean.completion_tokens = int(final.completion_tokens) as number;
      const s = await this.cp.settleLlm(reservation.reservation_id, clean, model);
      if (s.kind !== "ok") log.warn({ reservation: reservation.reservation_id, err: s.message }, "llm settle failed");
      log.info({ reserved: reservation.tokens, used: clean.total_tokens, counted: usage === null, stream }, "llm call");
    }
  }
}
