// The dashboard is a client of the HTTP API, called in-process: every read and
// action goes through the same routes, key verification, scope checks and
// validation as any other client, and API errors come back as values to show.
import type { Env } from "../env.js";

/** The Worker's own fetch handler (the API app), called without a network hop. */
export type ApiFetch = (req: Request, env: Env, ctx: ExecutionContext | undefined) => Response | Promise<Response>;

export type ApiResult<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; code: string; message: string };

export class DashApi {
  constructor(
    private readonly fetcher: ApiFetch,
    private readonly env: Env,
    private readonly ctx: ExecutionContext | undefined,
    private readonly origin: string,
    private readonly key: string,
  ) {}

  async call<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    const req = new Request(`${this.origin}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let res: Response;
    try {
      res = await this.fetcher(req, this.env, this.ctx);
    } catch {
      return { ok: false, status: 500, code: "internal", message: "the control plane did not answer" };
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.ok) return { ok: true, status: res.status, data: parsed as T };
    const err = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    return {
      ok: false,
      status: res.status,
      code: typeof err?.code === "string" ? err.code : `http_${res.status}`,
      message: typeof err?.message === "string" ? err.message : `HTTP ${res.status}`,
    };
  }

  get<T>(path: string): Promise<ApiResult<T>> {
    return this.call<T>("GET", path);
  }

  post<T>(path: string, body: unknown): Promise<ApiResult<T>> {
    return this.call<T>("POST", path, body);
  }
}
