// The one place where error codes become HTTP statuses. Durable Objects return
// these codes inside typed results (only `name` and `message` of a thrown Error
// cross an RPC boundary); the Worker throws ApiError; `onError` renders it.
import { HTTPException } from "hono/http-exception";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/** A JSON-safe copy (zod issues, for instance, carry `unknown` fields). */
export const toJson = (v: unknown): JsonValue => JSON.parse(JSON.stringify(v ?? null)) as JsonValue;

export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  stale_epoch: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export type ErrorStatus = (typeof ERROR_STATUS)[ErrorCode];

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: JsonValue };
}

/** A failure a Durable Object reports as a value. */
export interface Failure {
  kind: "error";
  code: ErrorCode;
  message: string;
  details?: JsonValue;
}

export type Result<T> = { kind: "ok"; value: T } | Failure;

export const ok = <T>(value: T): { kind: "ok"; value: T } => ({ kind: "ok", value });
export const fail = (code: ErrorCode, message: string, details?: JsonValue): Failure =>
  details === undefined ? { kind: "error", code, message } : { kind: "error", code, message, details };

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: JsonValue,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
  get status(): ErrorStatus {
    return ERROR_STATUS[this.code];
  }
}

/** Unwraps a Durable Object result, turning a failure into an ApiError. */
export function unwrap<T>(r: Result<T>): T {
  if (r.kind === "ok") return r.value;
  throw new ApiError(r.code, r.message, r.details);
}

const HTTP_CODE: Record<number, ErrorCode> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
  503: "unavailable",
};

export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (err instanceof ApiError) {
    const error: ErrorBody["error"] = { code: err.code, message: err.message };
    if (err.details !== undefined) error.details = err.details;
    return { status: err.status, body: { error }, headers: err.headers ?? {} };
  }
  if (err instanceof HTTPException) {
    const code = HTTP_CODE[err.status] ?? (err.status >= 500 ? "internal" : "bad_request");
    return { status: err.status, body: { error: { code, message: err.message || code } }, headers: {} };
  }
  return { status: 500, body: { error: { code: "internal", message: "internal error" } }, headers: {} };
}
