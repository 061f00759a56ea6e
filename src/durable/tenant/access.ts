// The control-plane rules a runner key's call is held to (issue 15) and the
// per-tenant caps. Which methods a key may reach, which runner a call acts as
// and which calls are audited are in the operations table (operations.ts).
import { KEYED_OPERATIONS } from "./operations.js";

/**
 * Methods a tenant key may reach through `authed`, derived from the operations
 * table (operations.ts), which also says how each names its runner and what it audits.
 */
export const KEYED_METHODS: ReadonlySet<string> = KEYED_OPERATIONS;

// ---- control-plane rules for runner keys (issue 15) ----
// Named so that a refusal says which rule it met; dispatch.ts applies them to
// every keyed call of a runner key, beside the operations table's ownership. Each is proven by a test
// in test/workers/control-rules.test.ts.

/** How long after its lease ended a runner may still audit a task: tool-call lines are sent without waiting for them. */
export const AUDIT_GRACE_MS = 60_000;

export const RULES = {
  bound_credential_no_register:
    "a runner-bound credential cannot register runners: register with the tenant's runner key",
  bound_credential_no_keys: "a runner-bound credential cannot create keys",
  runner_key_own_credential_only: "a runner key creates only the credential of a runner it has just registered",
  runner_audits_held_tasks: "a runner writes audit events only about a task it holds",
} as const;
export type RuleName = keyof typeof RULES;

/** The rule a runner-only key's call breaks, by what the call is (no storage needed), or null. */
export function runnerKeyRule(
  key: { runner_id: string | null },
  method: string,
  args: readonly unknown[],
): RuleName | null {
  if (key.runner_id !== null && method === "registerRunner") return "bound_credential_no_register";
  if (key.runner_id !== null && method === "createKey") return "bound_credential_no_keys";
  if (method === "createKey") {
    const scopes = args[2];
    const opts = args[3] as { runner_id?: unknown } | undefined;
    if (!Array.isArray(scopes) || scopes.length !== 1 || scopes[0] !== "runner" || typeof opts?.runner_id !== "string")
      return "runner_key_own_credential_only";
  }
  if (method === "recordAudit" && typeof (args[0] as { task_id?: unknown } | null)?.task_id !== "string")
    return "runner_audits_held_tasks";
  return null;
}

/** Per-tenant caps on rows a key can add; OFFICEOS_MAX_* variables, defaults below. */
export interface Caps {
  runners: number;
  keys: number;
}

export const DEFAULT_CAPS: Caps = { runners: 1000, keys: 1000 };

export function capsFrom(env: Record<string, unknown>): Caps {
  const num = (name: string, dflt: number): number => {
    const v = env[name];
    if (typeof v !== "string" || v.trim() === "") return dflt;
    const n = Number(v);
    return Number.isSafeInteger(n) && n >= 1 ? n : dflt;
  };
  return {
    runners: num("OFFICEOS_MAX_RUNNERS", DEFAULT_CAPS.runners),
    keys: num("OFFICEOS_MAX_KEYS", DEFAULT_CAPS.keys),
  };
}
