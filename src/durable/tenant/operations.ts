// The TenantDO's operations, one table: for every public method of the object,
// who may call it, how a runner key's call names the runner it acts as
// (ownership), whether it is audited, and whether it is told its caller.
// TenantDO.authed() routes, checks and audits every keyed call from this table
// alone, through dispatch() (dispatch.ts), the single entry a call passes (where
// issue #22's per-method request counter goes: see onDispatch). The Worker's
// keyed stub (src/api/context.ts) sends method names this table must know, and
// test/workers/operations.test.ts fails when a public method of the class is
// missing here or an entry names no method.
import type { JsonValue } from "../../api/errors.js";
import type { TenantDO } from "../tenant-do.js";
import type { RuleName } from "./access.js";
import type { AuditType } from "./audit.js";

/**
 * - `key`: a tenant key's call, through `authed` (key checked, charged, held to its runner, audited);
 * - `worker`: the Worker calls it on the stub directly, proven otherwise (the operator's tenant
 *   creation, a key's first check, a dashboard session's id);
 * - `platform`: the runtime calls it (the alarm), or it is the dispatch itself.
 */
export type CallerKind = "key" | "worker" | "platform";

/** Where a call names the runner it acts as: directly, through the task it reports on, or the LLM reservation it took. */
export type RunnerTarget = { runner: string } | { task: string } | { reservation: string } | null;

export interface AuditLine {
  type: AuditType;
  subject: string | null;
  details?: Record<string, JsonValue | undefined>;
}

export interface Operation {
  caller: CallerKind;
  /** Ownership: the runner a runner key's call acts as; absent, it acts as none. */
  runner?: (args: readonly unknown[]) => RunnerTarget;
  /** The audit line a successful call leaves. */
  audit?: (args: readonly unknown[], value: unknown) => AuditLine;
  /** The caller (`key:<id>`) is passed as one more argument, after the call's own. */
  actor?: true;
  /** The control-plane rules of issue 15 (access.ts RULES) a non-admin runner key's call is held to. */
  rules?: readonly RuleName[];
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const byRunner = (args: readonly unknown[]): RunnerTarget => {
  const id = str(args[0]);
  return id === null ? null : { runner: id };
};
const byTask = (args: readonly unknown[]): RunnerTarget => {
  const id = str(args[0]);
  return id === null ? null : { task: id };
};
const byReservation = (args: readonly unknown[]): RunnerTarget => {
  const id = str(args[0]);
  return id === null ? null : { reservation: id };
};

const key = { caller: "key" } as const satisfies Operation;
const runnerCall = (runner: (args: readonly unknown[]) => RunnerTarget) =>
  ({ caller: "key", runner }) as const satisfies Operation;

/** Every public method of TenantDO (the type says an entry must name one). */
export const OPERATIONS = {
  // The tenant, its keys and sessions, the audit log.
  init: { caller: "worker" },
  /** The dashboard header, for a session the Worker has already checked. */
  tenantName: { caller: "worker" },
  authenticate: { caller: "worker" },
  authed: { caller: "platform" },
  alarm: { caller: "platform" },
  ping: key,
  createKey: {
    caller: "key",
    actor: true,
    rules: ["bound_credential_no_keys", "runner_key_own_credential_only"],
  },
  listKeys: key,
  revokeKey: { caller: "key", actor: true },
  createSession: { caller: "key", actor: true },
  openSession: { caller: "worker" },
  endSession: { caller: "worker" },
  listAudit: key,
  recordAudit: { caller: "key", actor: true, rules: ["runner_audits_held_tasks"] },
  leaseSecret: key,
  // Agents.
  putAgent: {
    caller: "key",
    audit: (args) => ({ type: "agent.put", subject: String(args[0]), details: { spec: args[1] as JsonValue } }),
  },
  getAgent: key,
  listAgents: key,
  deleteAgent: {
    caller: "key",
    audit: (args, value) => ({
      type: "agent.deleted",
      subject: String(args[0]),
      details: { finished_tasks: (value as { finished_tasks?: number } | null)?.finished_tasks },
    }),
  },
  // Runners and leasing.
  registerRunner: {
    caller: "key",
    rules: ["bound_credential_no_register"],
    audit: (_args, value) => {
      const r = value as { id?: string; name?: string };
      return { type: "runner.registered", subject: r.id ?? null, details: { name: r.name } };
    },
  },
  getRunner: key,
  listRunners: key,
  drainRunner: runnerCall(byRunner),
  forgetRunner: runnerCall(byRunner),
  runnerStopped: runnerCall(byRunner),
  lease: runnerCall(byRunner),
  heartbeat: runnerCall(byRunner),
  report: runnerCall(byRunner),
  // Tasks.
  submit: key,
  submitBatch: key,
  getTask: key,
  listTasks: key,
  cancel: key,
  taskEvents: key,
  scheduler: key,
  taskInstance: key,
  // An attempt, fenced by its lease.
  checkLease: runnerCall(byTask),
  recordCheckpoint: runnerCall(byTask),
  complete: runnerCall(byTask),
  fail: runnerCall(byTask),
  release: runnerCall(byTask),
  recordUsage: runnerCall(byTask),
  requestApproval: runnerCall(byTask),
  // People in the loop.
  listEscalations: key,
  escalationEpoch: key,
  actOnEscalation: {
    caller: "key",
    audit: (args) => {
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
    },
  },
  listApprovals: key,
  decide: {
    caller: "key",
    audit: (args) => {
      const d = args[1] as { decision?: string; gate?: string; comment?: string };
      return {
        type: "approval.decision",
        subject: String(args[0]),
        details: { decision: d.decision, gate: d.gate, comment: d.comment },
      };
    },
  },
  // Quotas and LLM reservations; metrics.
  putTenantQuota: {
    caller: "key",
    audit: (args) => ({ type: "quota.put", subject: null, details: { quota: args[0] as JsonValue } }),
  },
  getQuotas: key,
  reserveLlm: runnerCall((args) => {
    const t = (args[0] as { task_id?: unknown } | null)?.task_id;
    return typeof t === "string" ? { task: t } : null;
  }),
  settleLlm: runnerCall(byReservation),
  cancelLlm: runnerCall(byReservation),
  metrics: key,
} as const satisfies { readonly [K in keyof TenantDO]?: Operation };

export type OperationName = keyof typeof OPERATIONS & string;

/** The operations a tenant key may call: the Worker's keyed stub (src/api/context.ts) offers only these. */
export type KeyedOperationName = {
  [K in OperationName]: (typeof OPERATIONS)[K] extends { caller: "key" } ? K : never;
}[OperationName];

/** The entry of a keyed operation, or undefined when `name` is none (or not callable with a key). */
export function keyedOperation(name: string): Operation | undefined {
  const op = (OPERATIONS as Record<string, Operation | undefined>)[name];
  return op !== undefined && op.caller === "key" && Object.hasOwn(OPERATIONS, name) ? op : undefined;
}

/** Names of the operations a tenant key may reach, derived from the table. */
export const KEYED_OPERATIONS: ReadonlySet<string> = new Set(
  Object.entries(OPERATIONS)
    .filter(([, op]) => op?.caller === "key")
    .map(([name]) => name),
);

/** Called once per keyed call, before it runs: the hook issue #22's officeos_tenant_object_requests_total{method} counts at. */
export type DispatchHook = (method: string) => void;
