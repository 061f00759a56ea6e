// People in the loop: approval gates (the agent asks, a person decides, ahead
// of time or while the task waits) and escalations (a person retries, resolves
// or cancels). Every state change is a transition of the task machine; the
// refusals it gives are answered with the messages these calls always gave.
import { fail, ok, type Failure, type JsonValue, type Result } from "../../api/errors.js";
import type { ApprovalAnswer, Decide, EscalationAction, Task, TaskError } from "../../api/schemas.js";
import type { LifecycleEvent } from "../../task/events.js";
import { transition, type Refusal } from "../../task/machine.js";
import type { Actor, Tenant } from "./context.js";
import { taskView, type TaskRow } from "./rows.js";

type Escalation = { task: Task; reason: TaskError; escalated_at: string; deadline_at?: string };
type Approval = {
  task: Task;
  gate: string;
  message?: string;
  details?: JsonValue;
  requested_at: string;
  deadline_at?: string;
};

export class People {
  constructor(private readonly t: Tenant) {}

  listEscalations(): Result<{ escalations: Escalation[] }> {
    this.t.deadlines.tick(this.t.now());
    const rows = this.t.sql
      .exec<TaskRow>("SELECT * FROM tasks WHERE state = 'escalated' ORDER BY updated_at, seq LIMIT 500")
      .toArray();
    return ok({
      escalations: rows.map((r) => {
        const task = taskView(r);
        const e = task.escalation ?? {
          reason: task.error ?? { code: "escalated", message: "" },
          escalated_at: task.updated_at,
        };
        return {
          task,
          reason: e.reason,
          escalated_at: e.escalated_at,
          ...(e.deadline_at ? { deadline_at: e.deadline_at } : {}),
        };
      }),
    });
  }

  /** Before a person's retry with an edited state: an epoch above every lease so far, to write that state with. */
  escalationEpoch(taskId: string): Result<{ epoch: number; instance: string }> {
    this.t.deadlines.tick(this.t.now());
    const row = this.t.taskRow(taskId);
    if (!row) return fail("not_found", `task "${taskId}" not found`);
    if (row.state !== "escalated") return fail("conflict", `task is ${row.state}, not escalated`, { state: row.state });
    return ok({ epoch: this.t.bump("epoch"), instance: row.instance });
  }

  actOnEscalation(taskId: string, a: EscalationAction, actor: Actor): Result<Task> {
    const t = this.t;
    const r = t.fx.call((now): Result<null> => {
      t.deadlines.tick(now);
      const row = t.taskRow(taskId);
      if (!row) return fail("not_found", `task "${taskId}" not found`);
      const notEscalated = fail("conflict", `task is ${row.state}, not escalated`, { state: row.state });
      if (row.state !== "escalated") return notEscalated;
      const comment = a.comment;
      const ev: LifecycleEvent =
        a.action === "resolve"
          ? { kind: "person_resolve", result: JSON.stringify(a.result ?? null), comment, actor }
          : a.action === "cancel"
            ? { kind: "person_cancel", comment, actor }
            : {
                kind: "person_retry",
                input: a.input !== undefined ? JSON.stringify(a.input) : undefined,
                stateEdited: a.state !== undefined || undefined,
                comment,
                actor,
              };
      return t.settle(row, ev, now) ? ok(null) : notEscalated;
    });
    return r.kind === "error" ? r : ok(taskView(t.taskRow(taskId) as TaskRow));
  }

  /**
   * The agent stops at a gate. A decision already taken for it (answered ahead,
   * or before a crash) comes back at once; otherwise the attempt ends without
   * being charged, the runner's resources free up, and the task waits.
   */
  requestApproval(
    taskId: string,
    epoch: number,
    gate: string,
    message?: string,
    details?: JsonValue,
  ): Result<ApprovalAnswer> {
    const t = this.t;
    const r = t.fx.call((now): Result<ApprovalAnswer | null> => {
      const lease = t.activeLease(taskId, epoch, now);
      if (lease.kind === "error") return lease;
      const row = lease.value;
      const tr = transition(row, { kind: "approval_asked", epoch, gate, message, details }, now);
      if (tr.kind === "refused") return refusal(tr, row);
      const decided = tr.effects.find((e) => e.kind === "gate_decided");
      if (decided)
        return ok({ state: "decided", decision: decided.decision as never, task: taskView(row) } as ApprovalAnswer);
      const settled = t.store.commit(taskId, tr, now);
      if (!settled) return fail("conflict", `task is already ${row.state}`, { state: row.state });
      t.fx.add(taskId, tr.effects);
      t.retainParked(row.instance, settled.wake_at, now);
      return ok(null);
    });
    if (r.kind === "error" || r.value !== null) return r as Result<ApprovalAnswer>;
    return ok({ state: "awaiting_approval", task: taskView(t.taskRow(taskId) as TaskRow) });
  }

  listApprovals(): Result<{ approvals: Approval[] }> {
    this.t.deadlines.tick(this.t.now());
    const rows = this.t.sql
      .exec<TaskRow>("SELECT * FROM tasks WHERE state = 'awaiting_approval' ORDER BY updated_at, seq LIMIT 500")
      .toArray();
    return ok({
      approvals: rows.map((r) => {
        const task = taskView(r);
        const g = task.gate ?? { gate: "", requested_at: task.updated_at };
        return { task, ...g };
      }),
    });
  }

  /**
   * A person's answer. On a waiting task it resumes the task; with `gate` named
   * on a task that has not reached it yet, it is kept and the gate passes at
   * once when reached (so an answer that arrives first is never lost). A task
   * whose deadline passed while it waited is timed out at the end of this call
   * (the deadline does not run while a person decides, but it has not moved).
   */
  decide(taskId: string, d: Decide, actor: Actor): Result<Task> {
    const t = this.t;
    const r = t.fx.call((now): Result<null> => {
      t.deadlines.tick(now);
      const row = t.taskRow(taskId);
      if (!row) return fail("not_found", `task "${taskId}" not found`);
      const ev = { kind: "approval_decided", decision: d.decision, gate: d.gate, comment: d.comment, actor } as const;
      const tr = transition(row, ev, now);
      if (tr.kind === "refused") return refusal(tr, row, d.gate);
      if (!t.store.commit(taskId, tr, now)) return fail("conflict", `task is already ${row.state}`);
      t.fx.add(taskId, tr.effects);
      return ok(null);
    });
    return r.kind === "error" ? r : ok(taskView(t.taskRow(taskId) as TaskRow));
  }
}

/** The machine's refusal of a person's decision or an agent's gate, as these calls always answered it. */
function refusal(r: Refusal, row: TaskRow, gate?: string): Failure {
  const state = row.state;
  switch (r.reason) {
    case "gate_mismatch": {
      const waiting = String(r.detail?.gate ?? "");
      return fail("conflict", `task waits at gate "${waiting}", not "${gate ?? ""}"`, { gate: waiting });
    }
    case "gate_required":
      return fail("conflict", `task is ${state}, not awaiting approval; name the gate to decide it ahead`, { state });
    case "already_decided":
      return fail("conflict", `gate "${gate ?? ""}" is already decided`, r.detail as Record<string, JsonValue>);
    default:
      return fail("conflict", `task is already ${state}`, { state });
  }
}
