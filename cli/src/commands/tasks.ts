// submit, tasks, watch.
import type { Task, TaskEvent } from "../../../client/src/index.js";
import type { Ctx, Handler } from "../context.js";
import { CliError, EXIT, withSuggestion } from "../errors.js";
import { durationArg, intArg, jsonArg } from "../input.js";
import { didYouMean } from "../suggest.js";
import { OfficeOSError } from "../../../client/src/index.js";
import { brief, shortTime } from "../output.js";
import { followTask } from "../watch.js";

function printTask(ctx: Ctx, t: Task): void {
  if (ctx.json) {
    ctx.out.data({ task: t });
    return;
  }
  ctx.out.line(`task ${t.id}`);
  const rows: [string, unknown][] = [
    ["agent", t.agent],
    ["state", t.state],
    ["priority", t.priority],
    ["attempts", `${t.attempts}/${t.max_attempts}`],
    ["instance", t.instance],
    ["runner", t.runner_id],
    ["checkpoint", t.checkpoint_seq],
    ["created", t.created_at],
    ["updated", t.updated_at],
    ["input", t.input],
    ["result", t.result],
    ["error", t.error ? `${t.error.code}: ${t.error.message}` : undefined],
  ];
  for (const [k, v] of rows) if (v !== undefined && v !== null) ctx.out.line(`  ${k.padEnd(11)} ${brief(v, 200)}`);
}

/** Exit code of a finished task: 0 only when it succeeded. */
const outcome = (t: Task): number => (t.state === "succeeded" ? EXIT.ok : EXIT.taskFailed);

export const submit: Handler = async (ctx) => {
  const raw = ctx.str("input");
  const input = raw === undefined ? undefined : await jsonArg("input", raw, ctx.io.stdin);
  const priority = intArg("priority", ctx.str("priority"), -1000, 1000);
  const instance = ctx.str("instance");
  const idem = ctx.str("idempotency-key");
  const timeoutMs = durationArg("timeout", ctx.str("timeout"));
  if (timeoutMs !== undefined && !ctx.flag("wait")) throw new CliError("--timeout needs --wait", EXIT.usage);
  const { task } = await submitOrSuggest(ctx, {
    agent: ctx.arg("agent"),
    ...(input !== undefined ? { input: input as Task["input"] } : {}),
    ...(priority !== undefined ? { priority } : {}),
    ...(instance ? { instance } : {}),
    ...(idem ? { idempotency_key: idem } : {}),
  });
  if (!ctx.flag("wait")) {
    if (ctx.json) ctx.out.data({ task });
    else ctx.out.line(task.id);
    return EXIT.ok;
  }
  if (!ctx.json) ctx.out.note(`submitted ${task.id}; waiting for it to end`);
  const done = await follow(ctx, task.id, 0, false, timeoutMs);
  printTask(ctx, done);
  return outcome(done);
};

/** Submits; an unknown agent gets "did you mean" from the agents the tenant has. */
async function submitOrSuggest(ctx: Ctx, body: Parameters<Ctx["client"]["tasks"]["submit"]>[0]) {
  try {
    return await ctx.client.tasks.submit(body);
  } catch (e) {
    if (!(e instanceof OfficeOSError) || e.status !== 404 || !e.message.startsWith("agent ")) throw e;
    const names = await ctx.client.agents.list().then(
      (r) => r.agents.map((a) => a.name),
      () => [] as string[],
    );
    throw withSuggestion(e, didYouMean(body.agent, names).trim());
  }
}

export const watch: Handler = async (ctx) => {
  const after = intArg("after", ctx.str("after"), 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const done = await follow(ctx, ctx.arg("task_id"), after, true);
  if (ctx.json) ctx.out.record({ task: done });
  else {
    const tail =
      done.state === "succeeded"
        ? ` result ${brief(done.result, 200)}`
        : done.error
          ? ` ${done.error.code}: ${done.error.message}`
          : "";
    ctx.out.line(`task ${done.id} ${done.state}${tail}`);
    if (done.state === "escalated")
      ctx.out.note(`it waits for a person: officeos escalations retry|resolve|cancel ${done.id}`);
  }
  return outcome(done);
};

function eventLine(e: TaskEvent): string {
  const d = e.details;
  const empty = d === undefined || d === null || (typeof d === "object" && Object.keys(d).length === 0);
  const details = empty ? "" : `  ${brief(d, 120)}`;
  return `${shortTime(e.at)}  ${String(e.seq).padStart(4)}  ${e.type.padEnd(18)} ${(e.state ? `→ ${e.state}` : "").padEnd(20)} ${e.actor}${details}`.trimEnd();
}

/** Follows a task with a spinner; prints its events when `print` (as NDJSON under --json). */
async function follow(ctx: Ctx, id: string, after: number, print: boolean, timeoutMs?: number): Promise<Task> {
  if (!id) throw new CliError("missing task id", EXIT.usage);
  const timer = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
  const signal = timer ? AbortSignal.any([ctx.io.signal, timer]) : ctx.io.signal;
  let last = "";
  try {
    return await followTask(ctx.client, id, after, signal, {
      onEvent: (e) => {
        if (!print) return;
        ctx.progress.clear();
        if (ctx.json) ctx.out.record(e);
        else ctx.out.line(eventLine(e));
      },
      onState: (s) => {
        last = s;
        ctx.progress.set(`${id} ${s.replace(/_/g, " ")}`);
      },
      onNote: (n) => {
        ctx.progress.clear();
        ctx.out.note(n);
      },
      onWaiting: (w) => {
        if (!w) return;
        ctx.progress.clear();
        ctx.out.note(`waiting: ${w.reason}: ${w.message}`);
      },
    });
  } catch (e) {
    if (timer?.aborted && !ctx.io.signal.aborted)
      throw new CliError(
        `task ${id} had not ended after ${ctx.str("timeout")}${last ? ` (${last})` : ""}; it goes on`,
        EXIT.timeout,
        `officeos watch ${id} follows it; officeos describe task ${id} says where it is`,
      );
    throw e;
  } finally {
    ctx.progress.stop();
  }
}
