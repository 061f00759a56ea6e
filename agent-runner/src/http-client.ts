// The runner's HTTP client for the control plane: node:http / node:https with keep-alive.
//
// Written on node:http rather than the global fetch on purpose: fetch loads undici, which costs an
// idle runner about 20 MB of RSS (measured: 23 MB anonymous + 44 MB file-backed with fetch, against
// 10 + 39 with node:http, in a process that made 20 keep-alive requests). The runner makes a handful
// of JSON calls (a long-poll, heartbeats, reports), so the small surface below is all it needs;
// issue #9 aims at under 60 MB for an idle runner.
import * as http from "node:http";
import * as https from "node:https";

export interface HttpAnswer {
  status: number;
  /** Lower-cased header names, as node gives them. */
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | undefined;
  signal?: AbortSignal | undefined;
}

/** Answers larger than this are refused (a lease answer carries checkpoints of up to 24 MiB each). */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

const agents = {
  "http:": new http.Agent({ keepAlive: true, keepAliveMsecs: 10_000 }),
  "https:": new https.Agent({ keepAlive: true, keepAliveMsecs: 10_000 }),
};

/**
 * One request; resolves with the whole answer, or rejects with an Error whose message says what
 * failed (connection refused, reset, aborted, answer too large). Aborting `signal` ends the request.
 */
export function request(url: URL, req: HttpRequest): Promise<HttpAnswer> {
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined) headers["content-length"] = String(Buffer.byteLength(req.body));
  const send = url.protocol === "https:" ? https.request : http.request;
  return new Promise<HttpAnswer>((resolve, reject) => {
    if (req.signal?.aborted) return reject(abortError(req.signal));
    const out = send(
      url,
      { method: req.method, headers, agent: agents[url.protocol as "http:" | "https:"], signal: req.signal },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) res.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", (e) => reject(req.signal?.aborted ? abortError(req.signal) : e));
        res.on("close", () => {
          if (!res.complete) reject(req.signal?.aborted ? abortError(req.signal) : new Error("the answer was cut off"));
        });
      },
    );
    out.on("error", (e) => reject(req.signal?.aborted ? abortError(req.signal) : e));
    out.end(req.body);
  });
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error("aborted");
}
