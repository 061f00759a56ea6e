// runners, scheduler, escalations, approvals: operating a tenant.
import type { EscalationAction } from "../../../client/src/index.js";
import type { Handler } from "../context.js";
import { EXIT } from "../errors.js";
import { jsonArg } from "../input.js";
import { brief } from "../output.js";

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
