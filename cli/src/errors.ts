// Exit codes and the one place where a failure becomes a message, a hint and a code.
import { OfficeOSError, OfficeOSUnreachable } from "../../client/src/index.js";

/** Documented in docs/cli.md and `officeos --help`; scripts may rely on them. */
export const EXIT = {
  ok: 0,
  /** The task ended without success (failed, cancelled, escalated). */
  taskFailed: 1,
  /** Bad arguments or an unreadable / invalid file. */
  usage: 2,
  /** No control plane URL or no key configured. */
  config: 3,
  /** The API refused the key: 401 or 403. */
  auth: 4,
  /** 404: no such task, agent, runner (or route). */
  notFound: 5,
  /** Any other API error: 400, 409, 413, 429, 5xx (also: apply could not store an agent). */
  api: 6,
  /** No HTTP answer: connection refused, DNS, TLS, timeout. */
  unreachable: 7,
  /** `submit --wait --timeout`: the task had not ended in time (it goes on running). */
  timeout: 8,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains itself (usage, config, files). */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.usage,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export interface Explained {
  message: string;
  hint?: string;
  exitCode: ExitCode;
  /** For --json: the machine-readable error on stdout. */
  json: { error: { code: string; message: string; status?: number; details?: unknown } };
}

const SUGGESTION = Symbol("suggestion");
/** Adds a "did you mean" to an API error before it is explained (it leads the hint). */
export function withSuggestion<E extends Error>(e: E, suggestion: string): E {
  return Object.assign(e, { [SUGGESTION]: suggestion });
}
const suggestionOf = (e: unknown): string =>
  typeof e === "object" && e !== null && SUGGESTION in e ? String((e as Record<symbol, unknown>)[SUGGESTION]) : "";

/** Turns any failure into what the user sees; `url` names the control plane for hints. */
export function explain(e: unknown, url: string | undefined): Explained {
  if (e instanceof CliError) {
    const code = e.exitCode === EXIT.config ? "config" : e.exitCode === EXIT.timeout ? "timeout" : "usage";
    return {
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      exitCode: e.exitCode,
      json: { error: { code, message: e.message } },
    };
  }
  if (e instanceof OfficeOSUnreachable) {
    return {
      message: e.message,
      hint: `is the control plane running at ${url ?? e.url}? Set it with --url or OFFICEOS_URL (or \`officeos login\`).`,
      exitCode: EXIT.unreachable,
      json: { error: { code: "unreachable", message: e.message } },
    };
  }
  if (e instanceof OfficeOSError) {
    const json = {
      error: {
        code: e.code,
        message: e.message,
        status: e.status,
        ...(e.details !== undefined ? { details: e.details } : {}),
      },
    };
    const message = `${e.message} (HTTP ${e.status} ${e.code})${issuesText(e.details)}`;
    const base = { message, json };
    if (e.status === 401)
      return {
        ...base,
        exitCode: EXIT.auth,
        hint: "check the key: --key or OFFICEOS_KEY, or `officeos login`. Keys look like oos.<tenant>.<id>.<secret>; tenants create takes the operator token (--admin-token or OFFICEOS_ADMIN_TOKEN).",
      };
    if (e.status === 403)
      return {
        ...base,
        exitCode: EXIT.auth,
        hint: "this key lacks the scope; an admin key can make one: `officeos keys create --scopes submit,read`.",
      };
    if (e.status === 404) {
      const hint =
        e.message === "no such route"
          ? `the control plane at ${url ?? "this URL"} does not serve this route; is it an older version?`
          : [suggestionOf(e), notFoundHint(e.message)].filter(Boolean).join(" ");
      return { ...base, exitCode: EXIT.notFound, ...(hint ? { hint } : {}) };
    }
    if (e.status === 409 && suggestionOf(e)) return { ...base, exitCode: EXIT.api, hint: suggestionOf(e) };
    if (e.status === 429 && e.retryAfter)
      return { ...base, exitCode: EXIT.api, hint: `rate limited: try again in ${e.retryAfter} s.` };
    return { ...base, exitCode: EXIT.api };
  }
  const err = e as Error;
  return {
    message: err?.message ?? String(e),
    exitCode: EXIT.api,
    json: { error: { code: "internal", message: err?.message ?? String(e) } },
  };
}

function notFoundHint(message: string): string | undefined {
  if (message.startsWith("agent "))
    return "`officeos agents list` shows the registered agents; `officeos apply -f agents.yaml` registers one.";
  if (message.startsWith("task ")) return "`officeos tasks list` shows recent tasks.";
  if (message.startsWith("runner ")) return "`officeos runners list` shows the registered runners.";
  return undefined;
}

/** zod issues in `details` as indented `path: message` lines. */
function issuesText(details: unknown): string {
  if (!Array.isArray(details)) return "";
  const lines = details
    .filter((i): i is { path?: unknown[]; message?: string } => typeof i === "object" && i !== null)
    .map(
      (i) =>
        `  ${Array.isArray(i.path) && i.path.length ? `${i.path.join(".")}: ` : ""}${i.message ?? JSON.stringify(i)}`,
    );
  return lines.length ? `\n${lines.join("\n")}` : "";
}
