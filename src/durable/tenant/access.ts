// What the TenantDO checks on a call that a tenant key makes through the
// Worker (TenantDO.authed): which methods a key may reach at all, which runner
// a runner key may act as, and which calls leave a line in the audit log.
import type { JsonValue } from "../../api/errors.js";
import type { AuditType } from "./audit.js";

/**
 * Methods the Worker calls on behalf of a tenant key. Anything else is refused.
 * (Called on the stub directly, never through `authed`: init, authenticate, and the
 * dashboard's openSession/endSession, which the session id itself proves.)
 */
export const KEYED_METHODS = new Set([
  "ping",
  "putAgent",
  "getAgent",
  "listAgents",
  "registerRunner",
  "getRunner",
  "listRunners",
  "drainRunner",
  "lease",
  "heartbeat",
  "submit",
  "submitBatch",
  "report",
  "getTask",
  "listTasks",
  "cancel",
  "checkLease",
  "recordCheckpoint",
  "scheduler",
  "taskInstance",
  "complete",
  "fail",
  "release",
  "taskEvents",
  "listEscalations",
  "escalationEpoch",
  "actOnEscalation",
  "requestApproval",
  "listApprovals",
  "decide",
  "metrics",
  "putTenantQuota",
  "getQuotas",
  "reserveLlm",
  "settleLlm",
  "cancelLlm",
  "recordUsage",
  "createKey",
  "listKeys",
  "revokeKey",
  "listAudit",
  "recordAudit",
  "leaseSecret",
  "createSession",
]);

/** Where a call names the runner it acts as: directly (first argument), through the task it reports on, or through the LLM reservation it took. */
export type RunnerTarget = { runner: string } | { task: string } | { reservation: string } | null;

export function runnerTarget(method: string, args: readonly unknown[]): RunnerTarget {
  const first = args[0];
  switch (method) {
    case "lease":
    case "heartbeat":
    case "report":
    case "drainRunner":
      return typeof first === "string" ? { runner: first } : null;
    case "complete":
    case "fail":
    case "release":
    case "checkLease":
    case "requestApproval":
    case "recordUsage":
    case "recordCheckpoint":
      return typeof first === "string" ? { task: first } : null;
    case "settleLlm":
    case "cancelLlm":
      return typeof first === "string" ? { reservation: first } : null;
    case "reserveLlm": {
      const t = (first as { task_id?: unknown } | null)?.task_id;
      return typeof t === "string" ? { task: t } : null;
    }
    default:
      return null;
  }
}

/** The audit line a successful call leaves, if any. */
export function auditOf(
  method: string,
  args: readonly unknown[],
  value: unknown,
): { type: AuditType; subject: string | null; details?: Record<string, JsonValue | undefined> } | null {
  switch (method) {
    case "putAgent":
      return { type: "agent.put", subject: String(args[0]), details: { spec: args[1] as JsonValue } };
    case "putTenantQuota":
      return { type: "quota.put", subject: null, details: { quota: args[0] as JsonValue } };
    case "actOnEscalation": {
      const a = args[1] as { action?: string; comment?: string; input?: unknown; state?: unknown };
      return {
        type: "escalation.action",
        subject: String(args[0]),
        details: {
          action: a.action,
          comment: a.comment,
          input_edited: a.input !== undefined || undefined,
          state_edited: a.state !== undefined || undefined,
        },
      };
    }
    case "decide": {
      const d = args[1] as { decision?: string; gate?: string; comment?: string };
      return {
        type: "approval.decision",
        subject: String(args[0]),
        details: { decision: d.decision, gate: d.gate, comment: d.comment },
      };
    }
    case "registerRunner": {
      const r = value as { id?: string; name?: string };
      return { type: "runner.registered", subject: r.id ?? null, details: { name: r.name } };
    }
    default:
      return null;
  }
}

// ---- control-plane rules for runner keys (issue 15) ----
// Named so that a refusal says which rule it met, and so that the lifecycle
// redesign can carry them into its operations table. Each is proven by a test
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
