// One metered call through the LLM gateway, whatever the endpoint (chat
// completions, responses, embeddings): reserve the call's most expensive case
// from the control plane's buckets, call the upstream with the parsed body (never
// the agent's object), pass the answer on (JSON, or SSE event by event), then
// settle the reservation with the upstream's reported usage, or a count when it
// reports none. An empty bucket answers 429 with Retry-After and the upstream is
// never called; an upstream refusal cancels the reservation (nothing was spent).
import type { ServerResponse } from "node:http";
import { causeOf, hostPort } from "./net-error.js";
import type { Logger } from "pino";
import type { RunnerConfig } from "./config.js";
import type { ControlPlane } from "./control.js";

export type LlmConfig = NonNullable<RunnerConfig["llm"]>;

/** "upstream api.openai.com:443 unreachable: ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:443" (net-error.ts). */
export function upstreamUnreachable(url: string, e: unknown, timeoutMs?: number): string {
  return `upstream ${hostPort(url)} unreachable: ${causeOf(e, timeoutMs)}`;
}

export interface LlmTask {
  taskId: string;
  epoch: number;
  agent: string;
  /** Told when the gateway refuses the task for a reason another attempt would meet too (llm_not_configured). */
  noteRefusal?: (code: "llm_not_configured") => void;
}

/** What settles a reservation (chat's names; the Responses API's input/output tokens are mapped onto them). */
export interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens: number;
}

/** What one answer, or one SSE event of it, tells about the call. */
export interface Seen {
  usage?: Usage | null;
  model?: string;
  /** Characters of generated text, for the count when the upstream reports no usage. */
  chars: number;
  /** An event the gateway asked for and the agent did not (chat's usage-only chunk): not passed on. */
  hide?: boolean;
}

export interface ProxyCall {
  /** The upstream path under llm.base_url. */
  path: "/chat/completions" | "/responses" | "/embeddings";
  body: Record<string, unknown>;
  stream: boolean;
  /** The reservation: the most the call can cost. */
  tokens: number;
  /** The prompt estimate, for the count when the upstream reports no usage. */
  prompt: number;
  fromJson(json: unknown): Seen;
  fromEvent(data: unknown): Seen;
}

/** OpenAI's error body. */
export function openAiError(
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

export function upstreamHeaders(cfg: LlmConfig): Record<string, string> {
  return { ...(cfg.api_key ? { authorization: `Bearer ${cfg.api_key}` } : {}), ...cfg.headers };
}

export async function proxy(
  cfg: LlmConfig,
  cp: ControlPlane,
  log: Logger,
  task: LlmTask,
  call: ProxyCall,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const r = await cp.reserveLlm({
    task_id: task.taskId,
    epoch: task.epoch,
    tokens: call.tokens,
    requests: 1,
    max_wait_ms: cfg.max_wait_ms,
  });
  if (r.kind === "rate_limited") {
    log.info({ tokens: call.tokens, path: call.path, retry_after_ms: r.retryAfterMs }, "llm call throttled");
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
    upstream = await fetch(`${cfg.base_url.replace(/\/$/, "")}${call.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...upstreamHeaders(cfg) },
      body: JSON.stringify(call.body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(cfg.timeout_ms)]),
    });
  } catch (e) {
    await cp.cancelLlm(reservation.reservation_id);
    const message = upstreamUnreachable(cfg.base_url, e, cfg.timeout_ms);
    log.warn({ upstream: hostPort(cfg.base_url), err: message }, "LLM upstream unreachable");
    return openAiError(res, 502, message, "server_error", "upstream_unreachable");
  }
  if (!upstream.ok) {
    // The upstream refused the call: no tokens were spent.
    const text = await upstream.text().catch(() => "");
    await cp.cancelLlm(reservation.reservation_id);
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
  let chars = 0;
  let model: string | undefined = typeof call.body.model === "string" ? call.body.model : undefined;
  const note = (s: Seen) => {
    if (s.usage) usage = s.usage;
    model = s.model ?? model;
    chars += s.chars;
  };
  try {
    if (!call.stream) {
      const text = await upstream.text();
      note(call.fromJson(JSON.parse(text)));
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    } else {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const onEvent = (ev: string) => {
        const data = ev
          .split(/\r?\n/)
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart())
          .join("\n");
        if (data && data !== "[DONE]") {
          try {
            const seen = call.fromEvent(JSON.parse(data));
            note(seen);
            if (seen.hide) return;
          } catch {
            /* not JSON: pass it on untouched */
          }
        }
        res.write(`${ev}\n\n`);
      };
      const decoder = new TextDecoder();
      let buf = "";
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
    log.warn({ err: (e as Error).message, path: call.path }, "llm call broke off");
    if (!res.headersSent)
      openAiError(res, 502, `upstream answer broke off: ${(e as Error).message}`, "server_error", "upstream_error");
    else res.destroy();
  } finally {
    const counted = Math.ceil(chars / 4);
    const final: Usage = usage ?? {
      prompt_tokens: call.prompt,
      completion_tokens: counted,
      total_tokens: call.prompt + counted,
    };
    const s = await cp.settleLlm(reservation.reservation_id, cleanUsage(final), model);
    if (s.kind !== "ok") log.warn({ reservation: reservation.reservation_id, err: s.message }, "llm settle failed");
    log.info(
      {
        reserved: reservation.tokens,
        used: final.total_tokens,
        counted: usage === null,
        stream: call.stream,
        path: call.path,
      },
      "llm call",
    );
  }
}

/** Non-negative integers only: the upstream's numbers are not trusted to be well formed. */
export function cleanUsage(u: Usage): Usage {
  const int = (n: number | undefined) =>
    typeof n === "number" && Number.isFinite(n) ? Math.max(0, Math.round(n)) : undefined;
  const clean: Usage = { total_tokens: int(u.total_tokens) ?? 0 };
  if (int(u.prompt_tokens) !== undefined) clean.prompt_tokens = int(u.prompt_tokens) as number;
  if (int(u.completion_tokens) !== undefined) clean.completion_tokens = int(u.completion_tokens) as number;
  return clean;
}
