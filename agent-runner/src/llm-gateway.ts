// The runner's LLM gateway on the runtime API, OpenAI-compatible:
//   POST /llm/v1/chat/completions   chat, streamed (SSE) or not
//   POST /llm/v1/responses          the Responses API (the OpenAI Agents SDK's default), streamed or not
//   POST /llm/v1/embeddings
//   GET  /llm/v1/models
// Each POST is validated strictly (runtime-llm-request.ts, runtime-llm-responses.ts)
// and metered the same way (llm-proxy.ts): its most expensive case is reserved
// from the control plane's buckets before it goes upstream (an empty bucket
// answers 429 with Retry-After and the upstream is never called), and the
// reservation is settled with the upstream's reported usage, or a count. The
// upstream URL and key live in the runner's config and never reach the agent.
import type { ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { ControlPlane } from "./control.js";
import { hostPort } from "./net-error.js";
import {
  type LlmConfig,
  type LlmTask,
  openAiError,
  type ProxyCall,
  proxy,
  type Seen,
  type Usage,
  upstreamHeaders,
  upstreamUnreachable,
} from "./llm-proxy.js";
import { estimateRequestPromptTokens, parseChatRequest, reservationTokens } from "./runtime-llm-request.js";
import {
  estimateEmbeddingTokens,
  estimateResponsesPromptTokens,
  parseEmbeddingsRequest,
  parseResponsesRequest,
} from "./runtime-llm-responses.js";

export { estimatePromptTokens } from "./runtime-llm-request.js";
export type { LlmTask } from "./llm-proxy.js";

export type LlmRouteKind = "llm_chat" | "llm_responses" | "llm_embeddings" | "llm_models";

type Refusal = { kind: "refused"; message: string; param: string | null };
type Built = { kind: "ok"; call: ProxyCall } | Refusal;

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** The Responses API's usage ({input_tokens, output_tokens, total_tokens}) in the names a settlement takes. */
function responsesUsage(u: unknown): Usage | null {
  const o = obj(u);
  const input = num(o.input_tokens);
  const output = num(o.output_tokens);
  const total = num(o.total_tokens) ?? (input ?? 0) + (output ?? 0);
  if (input === undefined && output === undefined && num(o.total_tokens) === undefined) return null;
  return { prompt_tokens: input, completion_tokens: output, total_tokens: total };
}

function outputChars(response: unknown): number {
  let n = 0;
  const output = obj(response).output;
  for (const item of Array.isArray(output) ? output : []) {
    const content = obj(item).content;
    for (const p of Array.isArray(content) ? content : []) {
      const text = obj(p).text;
      if (typeof text === "string") n += text.length;
    }
    const args = obj(item).arguments;
    if (typeof args === "string") n += args.length;
  }
  return n;
}

export function chatCall(raw: unknown, cfg: LlmConfig): Built {
  const p = parseChatRequest(raw);
  if (p.kind === "refused") return p;
  const req = p.request;
  const body: Record<string, unknown> = { ...req };
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? cfg.default_max_tokens;
  // The reservation is bounded by max_tokens, so the upstream must be bounded by it too.
  if (req.max_completion_tokens === undefined && req.max_tokens === undefined) body.max_tokens = maxTokens;
  if (!body.model && cfg.default_model) body.model = cfg.default_model;
  const stream = req.stream === true;
  const wantsUsage = req.stream_options?.include_usage === true;
  if (stream) body.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
  type Choice = { message?: { content?: string }; delta?: { content?: string } };
  const chars = (choices: unknown, key: "message" | "delta") =>
    (Array.isArray(choices) ? (choices as Choice[]) : []).reduce((n, c) => n + (c[key]?.content?.length ?? 0), 0);
  return {
    kind: "ok",
    call: {
      path: "/chat/completions",
      body,
      stream,
      tokens: reservationTokens(req, maxTokens),
      prompt: estimateRequestPromptTokens(req),
      fromJson: (j) => {
        const o = obj(j);
        return {
          usage: (o.usage as Usage | undefined) ?? null,
          model: o.model as string | undefined,
          chars: chars(o.choices, "message"),
        };
      },
      fromEvent: (d): Seen => {
        const o = obj(d);
        const usage = (o.usage as Usage | null | undefined) ?? null;
        const choices = Array.isArray(o.choices) ? o.choices : [];
        // The usage-only chunk was asked for by us, not by the agent: it does not see it.
        return {
          usage,
          model: o.model as string | undefined,
          chars: chars(choices, "delta"),
          hide: !!usage && !wantsUsage && choices.length === 0,
        };
      },
    },
  };
}

export function responsesCall(raw: unknown, cfg: LlmConfig): Built {
  const p = parseResponsesRequest(raw);
  if (p.kind === "refused") return p;
  const req = p.request;
  const body: Record<string, unknown> = { ...req };
  const maxTokens = req.max_output_tokens ?? cfg.default_max_tokens;
  // Bounded upstream as the reservation is (reasoning tokens count within max_output_tokens).
  body.max_output_tokens = maxTokens;
  if (!body.model && cfg.default_model) body.model = cfg.default_model;
  // Nothing stored in the runner's upstream account, whatever the upstream's default is.
  body.store = false;
  const prompt = estimateResponsesPromptTokens(req);
  return {
    kind: "ok",
    call: {
      path: "/responses",
      body,
      stream: req.stream === true,
      tokens: prompt + maxTokens,
      prompt,
      fromJson: (j) => ({
        usage: responsesUsage(obj(j).usage),
        model: obj(j).model as string | undefined,
        chars: outputChars(j),
      }),
      fromEvent: (d): Seen => {
        const o = obj(d);
        const type = o.type;
        // response.completed, .incomplete and .failed carry the whole response with its usage.
        if (typeof type === "string" && /^response\.(completed|incomplete|failed)$/.test(type)) {
          const r = obj(o.response);
          return { usage: responsesUsage(r.usage), model: r.model as string | undefined, chars: 0 };
        }
        const delta = o.delta;
        return { chars: typeof delta === "string" && /\.delta$/.test(String(type)) ? delta.length : 0 };
      },
    },
  };
}

export function embeddingsCall(raw: unknown, _cfg: LlmConfig): Built {
  const p = parseEmbeddingsRequest(raw);
  if (p.kind === "refused") return p;
  const body: Record<string, unknown> = { ...p.request };
  const prompt = estimateEmbeddingTokens(p.request);
  return {
    kind: "ok",
    call: {
      path: "/embeddings",
      body,
      stream: false,
      tokens: prompt,
      prompt,
      fromJson: (j) => {
        const u = obj(obj(j).usage);
        const input = num(u.prompt_tokens);
        const total = num(u.total_tokens) ?? input;
        return {
          usage:
            total === undefined ? null : { prompt_tokens: input ?? total, completion_tokens: 0, total_tokens: total },
          model: obj(j).model as string | undefined,
          chars: 0,
        };
      },
      fromEvent: () => ({ chars: 0 }),
    },
  };
}

const BUILD = { llm_chat: chatCall, llm_responses: responsesCall, llm_embeddings: embeddingsCall } as const;

export class LlmGateway {
  constructor(
    private readonly cfg: LlmConfig | undefined,
    private readonly cp: ControlPlane,
    private readonly log: Logger,
  ) {}

  async handle(
    task: LlmTask,
    raw: unknown,
    res: ServerResponse,
    signal: AbortSignal,
    kind: LlmRouteKind = "llm_chat",
  ): Promise<void> {
    const cfg = this.cfg;
    if (!cfg) {
      // The attempt that fails after this fails as llm_not_configured, not retried (task-exit.ts).
      task.noteRefusal?.("llm_not_configured");
      this.log.warn({ task_id: task.taskId }, "LLM call refused: this runner has no LLM upstream configured");
      return openAiError(
        res,
        503,
        "this runner has no LLM upstream configured (llm.base_url)",
        "server_error",
        "llm_not_configured",
      );
    }
    if (kind === "llm_models") return this.models(cfg, res, signal);
    const built = BUILD[kind](raw, cfg);
    if (built.kind === "refused")
      return openAiError(res, 400, built.message, "invalid_request_error", "invalid_request", {}, built.param);
    return proxy(cfg, this.cp, this.log.child({ task_id: task.taskId, llm: true }), task, built.call, res, signal);
  }

  /** The upstream's model list (free: nothing is reserved); the configured default model when the upstream has none. */
  private async models(cfg: LlmConfig, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const own = () => {
      const ids = cfg.default_model ? [cfg.default_model] : [];
      const text = JSON.stringify({
        object: "list",
        data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "officeos-runner" })),
      });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    let upstream: Response;
    try {
      upstream = await fetch(`${cfg.base_url.replace(/\/$/, "")}/models`, {
        headers: upstreamHeaders(cfg),
        signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.timeout_ms)]),
      });
    } catch (e) {
      const message = upstreamUnreachable(cfg.base_url, e, cfg.timeout_ms);
      this.log.warn({ upstream: hostPort(cfg.base_url), err: message }, "LLM upstream unreachable");
      return openAiError(res, 502, message, "server_error", "upstream_unreachable");
    }
    const text = await upstream.text().catch(() => "");
    if (upstream.status === 404 || upstream.status === 405) return own();
    res.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    res.end(text);
  }
}
