// Failures that another attempt would only repeat (pure, no I/O): a missing
// module, a permission the agent does not have, a syntax error, the LLM gateway
// with no upstream, or the same error twice in a row. settle.ts asks this
// before the retry decision; a match ends the retries at once (the policy's
// on_exhausted applies, as when the attempts run out) and the stored error says
// which rule matched in `details.deterministic`. The rules are data, here only;
// docs/lifecycle.md lists them.
import type { LifeError } from "./row.js";

export type DeterministicRule =
  | "llm_not_configured"
  | "module_not_found"
  | "permission_denied"
  | "syntax_error"
  | "same_error_twice";

interface TextRule {
  rule: Exclude<DeterministicRule, "same_error_twice">;
  /** Matched against the error's code, its message and the last stderr lines the runner sent. */
  pattern: RegExp;
  why: string;
}

export const TEXT_RULES: readonly TextRule[] = [
  {
    rule: "llm_not_configured",
    pattern: /\bllm_not_configured\b|no LLM upstream configured/,
    why: "the runner has no LLM upstream configured; another attempt would get the same answer",
  },
  {
    rule: "module_not_found",
    pattern: /Cannot find module|Cannot find package|ERR_MODULE_NOT_FOUND|ModuleNotFoundError|No module named /,
    why: "a module the agent imports is missing",
  },
  {
    rule: "permission_denied",
    pattern: /\bEACCES\b|\bEPERM\b|PermissionError|Permission denied/,
    why: "the agent did something it has no permission for",
  },
  {
    rule: "syntax_error",
    // Not JSON.parse's SyntaxError: bad data at run time may be fine the next time.
    pattern: /^\s*(?:SyntaxError|IndentationError|TabError)\b(?!.*JSON)/m,
    why: "the agent's code does not parse",
  },
];

/**
 * Codes the same-twice rule leaves alone: the runner or the clock ended the attempt (the work was not at
 * fault, or may finish next time), or the output varies by nature.
 */
export const NOT_REPEATABLE_CODES: readonly string[] = [
  "lease_expired",
  "attempt_timeout",
  "task_timeout",
  "stalled",
  "invalid_output",
  "unavailable",
  "rate_limited",
];

export interface Deterministic {
  rule: DeterministicRule;
  why: string;
}

/** `details.stderr_tail` as text: the runner sends a string or a list of lines. */
export function stderrTail(e: LifeError): string {
  const t = e.details?.stderr_tail;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) return t.filter((l): l is string => typeof l === "string").join("\n");
  return "";
}

/** The last non-empty stderr line: what "the same error" compares beside the code and the message. */
function lastLine(e: LifeError): string {
  const lines = stderrTail(e)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  return lines.at(-1) ?? "";
}

/** Which rule, if any, says that `cur` (after `prev`, the task's previous failure, if any) would only repeat. */
export function classifyFailure(prev: LifeError | null, cur: LifeError): Deterministic | null {
  const text = `${cur.code}\n${cur.message}\n${stderrTail(cur)}`;
  for (const r of TEXT_RULES) if (r.pattern.test(text)) return { rule: r.rule, why: r.why };
  if (
    prev !== null &&
    !NOT_REPEATABLE_CODES.includes(cur.code) &&
    prev.code === cur.code &&
    prev.message === cur.message &&
    lastLine(prev) === lastLine(cur)
  )
    return { rule: "same_error_twice", why: `the attempt failed the same way as the one before (${cur.code})` };
  return null;
}

/** The error as stored: the rule named in `details.deterministic`, why in `details.deterministic_reason`. */
export function markDeterministic(e: LifeError, d: Deterministic): LifeError {
  return { ...e, details: { ...(e.details ?? {}), deterministic: d.rule, deterministic_reason: d.why } };
}
