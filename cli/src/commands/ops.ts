// runners, scheduler, escalations, approvals: operating a tenant.
import type { EscalationAction } from "../../../client/src/index.js";
import type { Handler } from "../context.js";
import { EXIT } from "../errors.js";
import { jsonArg } from "../input.js";
import { brief } from "../output.js";

/** Times come as ISO strings (or, from older contracts, epoch milliseconds). */
const iso = (t: number | string | undefined) =>
  t === undefined ? undefined : typeof t === "number" ? new Date(t).toISOString() : t;

export const runnersList: Handler = async (ctx) => {
  const r = await ctx.client.runners.list();
  if (ctx.json) ctx.out.data(r);
  else
    ctx.out.table(
      ["ID", "NAME", "STATE", "LEASES", "CAPACITY", "ALLOCATED", "LAST SEEN"],
      r.runners.map((x) => [
        x.id,
        x.name,
        x.state,
        x.active_leases,
        brief(x.capacity, 40),
        brief(x.allocated, 40),
        x.last_seen_at,
      ]),
    );
  return EXIT.ok;
};

export const scheduler: Handler = async (ctx) => {
  const r = await ctx.client.scheduler();
  if (ctx.json) ctx.out.data(r);
  else {
    ctx.out.line(`capacity ${brief(r.capacity, 100)} · queued ${r.queued} · running ${r.running}`);
    ctx.out.table(
      ["AGENT", "WEIGHT", "DOMINANT", "SHARE", "QUEUED", "RUNNING", "ALLOCATED"],
      r.agents.map((a) => [
        a.agent,
        a.weight,
        a.dominant_resource,
        a.dominant_share.toFixed(3),
        a.queued,
        a.running,
        brief(a.allocated, 40),
      ]),
    );
  }
  return EXIT.ok;
};

export const escalationsList: Handler = async (ctx) => {
  const r = await ctx.client.escalations.list();
  if (ctx.json) ctx.out.data(r);
  else
    ctx.out.table(
      ["TASK", "AGENT", "ATTEMPTS", "REASON", "ESCALATED"],
      r.escalations.map((e) => [
        e.task.id,
        e.task.agent,
        e.task.attempts,
        `${e.reason.code}: ${brief(e.reason.message, 60)}`,
        iso(e.escalated_at),
      ]),
    );
  return EXIT.ok;
};

const escalationAction =
  (action: EscalationAction["action"]): Handler =>
  async (ctx) => {
    const input = ctx.str("input");
    const result = ctx.str("result");
    const comment = ctx.str("comment");
    const body: EscalationAction = {
      action,
      ...(input !== undefined
        ? { input: (await jsonArg("input", input, ctx.io.stdin)) as EscalationAction["input"] }
        : {}),
      ...(result !== undefined
        ? { result: (await jsonArg("result", result, ctx.io.stdin)) as EscalationAction["result"] }
        : {}),
      ...(comment !== undefined ? { comment } : {}),
    };
    const { task } = await ctx.client.escalations.act(ctx.arg("task_id"), body);
    if (ctx.json) ctx.out.data({ task });
    else ctx.out.line(`task ${task.id} ${task.state}`);
    return EXIT.ok;
  };
export const escalationsRetry = escalationAction("retry");
export const escalationsResolve = escalationAction("resolve");
export const escalationsCancel = escalationAction("cancel");

export const approvalsList: Handler = async (ctx) => {
  const r = await ctx.client.approvals.list();
  if (ctx.json) ctx.out.data(r);
  else
    ctx.out.table(
      ["TASK", "AGENT", "GATE", "MESSAGE", "REQUESTED", "DEADLINE"],
      r.approvals.map((a) => [
        a.task.id,
        a.task.agent,
        a.gate,
        brief(a.message ?? "", 60) || "-",
        iso(a.requested_at),
        iso(a.deadline_at),
      ]),
    );
  return EXIT.ok;
};

const decide =
  (decision: "approve" | "reject"): Handler =>
  async (ctx) => {
    const comment = ctx.str("comment");
    const { task } = await ctx.client.approvals.decide(ctx.arg("task_id"), {
      decision,
      ...(comment !== undefined ? { comment } : {}),
    });
    if (ctx.json) ctx.out.data({ task });
    else ctx.out.line(`task ${task.id} ${decision === "approve" ? "approved" : "rejected"}: now ${task.state}`);
    return EXIT.ok;
  };
export const approvalsApprove = decide("approve");
export const approvalsReject = decide("reject");
