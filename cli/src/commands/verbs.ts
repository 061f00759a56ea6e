// cancel, retry, drain, delete, keys revoke, completion: the kubectl-style verbs on one object.
import { OfficeOSError, type EscalationAction } from "../../../client/src/index.js";
import type { Ctx, Handler } from "../context.js";
import { completionScript, SHELLS, type Shell } from "../completion.js";
import { CliError, EXIT, withSuggestion } from "../errors.js";
import { jsonArg } from "../input.js";
import { nounOf } from "../nouns.js";
import { didYouMean } from "../suggest.js";

export const cancel: Handler = async (ctx) => {
  const { task } = await ctx.client.tasks.cancel(ctx.arg("task_id"));
  if (ctx.json) ctx.out.data({ task });
  else ctx.out.line(`task ${task.id} ${task.state}`);
  return EXIT.ok;
};

/** A person's retry of a task that waits for one (escalated); anything else says why it cannot. */
export const retry: Handler = async (ctx) => {
  const id = ctx.arg("task_id");
  const { task: before } = await ctx.client.tasks.get(id);
  if (before.state !== "escalated")
    throw new CliError(
      `task ${id} is ${before.state}: only an escalated task can be retried`,
      EXIT.api,
      before.state === "failed" || before.state === "cancelled"
        ? `submit it again: officeos submit ${before.agent} --input @input.json`
        : "it is still in the system's hands; `officeos describe task` shows where",
    );
  const raw = ctx.str("input");
  const comment = ctx.str("comment");
  const { task } = await ctx.client.escalations.act(id, {
    action: "retry",
    ...(raw !== undefined ? { input: (await jsonArg("input", raw, ctx.io.stdin)) as EscalationAction["input"] } : {}),
    ...(comment !== undefined ? { comment } : {}),
  });
  if (ctx.json) ctx.out.data({ task });
  else ctx.out.line(`task ${task.id} ${task.state}`);
  return EXIT.ok;
};

export const drain: Handler = async (ctx) => {
  nounOf(ctx.arg("noun"), ["runners"]);
  const { runner } = await ctx.client.runners.drain(ctx.arg("id"));
  if (ctx.json) ctx.out.data({ runner });
  else ctx.out.line(`runner ${runner.id} (${runner.name}) ${runner.state}: no new leases; running ones finish`);
  return EXIT.ok;
};

export const keysRevoke: Handler = async (ctx) => {
  const r = await ctx.client.keys.revoke(ctx.arg("key_id"));
  if (ctx.json) ctx.out.data(r);
  else ctx.out.line(`key ${ctx.arg("key_id")} revoked`);
  return EXIT.ok;
};

export const completion: Handler = async (ctx: Ctx) => {
  const shell = ctx.arg("shell");
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new CliError(`no completion for "${shell}".${didYouMean(shell, SHELLS)}`, EXIT.usage, SHELLS.join(" or "));
  ctx.io.stdout.write(completionScript(shell as Shell));
  return EXIT.ok;
};

/** delete agent NAME: its spec goes, its finished tasks stay; refused while it has unfinished tasks. */
export const deleteAgent: Handler = async (ctx) => {
  nounOf(ctx.arg("noun"), ["agents"]);
  const name = ctx.arg("name");
  try {
    const r = await ctx.client.agents.delete(name);
    if (ctx.json) ctx.out.data(r);
    else
      ctx.out.line(
        `agent ${r.name} deleted${r.finished_tasks ? ` (its ${r.finished_tasks} finished task${r.finished_tasks === 1 ? "" : "s"} kept)` : ""}`,
      );
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof OfficeOSError)) throw e;
    if (e.status === 409)
      throw withSuggestion(
        e,
        `\`officeos get tasks --agent ${name}\` lists them; \`officeos cancel <task_id>\` cancels one (an escalated one: \`officeos escalations cancel\`)`,
      );
    if (e.status === 404 && e.message.startsWith("agent ")) {
      const names = await ctx.client.agents.list().then(
        (l) => l.agents.map((a) => a.name),
        () => [] as string[],
      );
      throw withSuggestion(e, didYouMean(name, names).trim());
    }
    throw e;
  }
};
