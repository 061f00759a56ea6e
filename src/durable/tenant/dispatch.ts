// The single entry of every call a tenant key makes (TenantDO.authed): the key
// is checked here, in the same round trip as the work (so a revoked key stops
// at once even when the Worker's cache still knows it), charged against its
// rate limit once per HTTP request, held to its own runner and to the
// control-plane rules when it is a runner key, and the call audited when it
// changes policy. What applies to which call is read from the operations table.
import { fail, type Failure } from "../../api/errors.js";
import type { Runner, TaskState } from "../../api/schemas.js";
import { AUDIT_GRACE_MS, RULES, runnerKeyRule, type RuleName } from "./access.js";
import type { Tenant } from "./context.js";
import type { Denied, KeyInfo } from "./keyring.js";
import { keyedOperation, type DispatchHook, type Operation, type RunnerTarget } from "./operations.js";
import { ACTIVE_STATES } from "./rows.js";

export type AuthedAnswer = { kind: "ok"; value: unknown } | ({ kind: "denied" } & Denied) | Failure;

export interface KeyedAuth {
  keyId: string;
  hash: string;
  charge: boolean;
}

export class Dispatch {
  /** Issue #22 counts officeos_tenant_object_requests_total{method} here; tests may set it. */
  onDispatch: DispatchHook | null = null;

  constructor(private readonly t: Tenant) {}

  async run(
    auth: KeyedAuth,
    method: string,
    args: unknown[],
    call: (method: string, args: unknown[]) => unknown,
  ): Promise<AuthedAnswer> {
    const t = this.t;
    const now = t.now();
    const key = t.keyring.check(auth.keyId, auth.hash, now);
    if (!key) return { kind: "denied", code: "unauthorized", message: "invalid API key" };
    if (auth.charge) {
      const denied = t.keyring.charge(key, now);
      if (denied) return { kind: "denied", ...denied };
    }
    const op = keyedOperation(method);
    if (!op) return fail("forbidden", `no such operation: ${method}`);
    this.onDispatch?.(method);
    if (key.scopes.includes("runner") && !key.scopes.includes("admin")) {
      const refused = this.ownRunner(key, op.runner?.(args) ?? null) ?? this.ruleRefusal(key, op, method, args, now);
      if (refused) return refused;
    }
    const actor = `key:${key.id}`;
    const value = await call(method, op.actor ? [...args, actor] : args);
    const r = value as { kind?: unknown; value?: unknown } | undefined;
    if (r && typeof r === "object" && r.kind === "ok") {
      if (method === "registerRunner")
        t.sql.exec("UPDATE runners SET registered_by = ? WHERE id = ?", key.id, (r.value as Runner).id);
      const a = op.audit?.(args, r.value);
      if (a) t.audit.append(now, a.type, actor, a.subject, a.details);
    }
    return { kind: "ok", value };
  }

  /** A runner key acts only as a runner it registered, or the one its credential is bound to. */
  private ownRunner(key: KeyInfo, target: RunnerTarget): Failure | null {
    if (!target) return null;
    const t = this.t;
    let runnerId: string | null;
    if ("runner" in target) runnerId = target.runner;
    else if ("reservation" in target)
      runnerId =
        t.sql
          .exec<{ runner_id: string | null }>(
            "SELECT runner_id FROM quota_reservations WHERE id = ?",
            target.reservation,
          )
          .toArray()[0]?.runner_id ?? null;
    else
      runnerId =
        t.sql.exec<{ runner_id: string | null }>("SELECT runner_id FROM tasks WHERE id = ?", target.task).toArray()[0]
          ?.runner_id ?? null;
    if (runnerId === null) return null;
    if (key.runner_id !== null)
      return key.runner_id === runnerId
        ? null
        : fail("forbidden", `this credential belongs to runner "${key.runner_id}", not "${runnerId}"`);
    const by = this.registeredBy(runnerId);
    if (!by) return null; // no such runner: the call itself answers 404
    return by.registered_by === key.id
      ? null
      : fail("forbidden", `runner "${runnerId}" was not registered with this key`);
  }

  private registeredBy(runnerId: string): { registered_by: string | null } | undefined {
    return this.t.sql
      .exec<{ registered_by: string | null }>("SELECT registered_by FROM runners WHERE id = ?", runnerId)
      .toArray()[0];
  }

  /** The control-plane rules (access.ts RULES) the operation lists that a non-admin runner key's call breaks. */
  private ruleRefusal(key: KeyInfo, op: Operation, method: string, args: unknown[], now: number): Failure | null {
    if (!op.rules) return null;
    const refuse = (rule: RuleName): Failure => fail("forbidden", `${RULES[rule]} (rule ${rule})`, { rule });
    const rule = runnerKeyRule(key, method, args);
    if (rule && op.rules.includes(rule)) return refuse(rule);
    const t = this.t;
    if (op.rules.includes("runner_key_own_credential_only")) {
      const runnerId = (args[3] as { runner_id: string }).runner_id;
      const by = this.registeredBy(runnerId);
      if (!by || by.registered_by !== key.id || t.keyring.liveBoundTo(runnerId, now) > 0)
        return refuse("runner_key_own_credential_only");
    }
    if (op.rules.includes("runner_audits_held_tasks")) {
      const taskId = (args[0] as { task_id: string }).task_id;
      const row = t.sql
        .exec<{ runner_id: string | null; state: string; updated_at: number }>(
          "SELECT runner_id, state, updated_at FROM tasks WHERE id = ?",
          taskId,
        )
        .toArray()[0];
      const held =
        row !== undefined &&
        row.runner_id !== null &&
        (ACTIVE_STATES.includes(row.state as TaskState) || row.updated_at >= now - AUDIT_GRACE_MS);
      if (!held || this.ownRunner(key, { runner: row.runner_id as string })) return refuse("runner_audits_held_tasks");
    }
    return null;
  }
}
