// submit, tasks, watch.
import type { Task, TaskEvent } from "../../../client/src/index.js";
import type { Ctx, Handler } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { intArg, jsonArg } from "../input.js";
import { brief, shortTime } from "../output.js";
import { followTask } from "../watch.js";

const taskRow = (t: Task) => [
  t.id,
  t.agent,
  t.state,
  t.priority,
  `${t.attempts}/${t.max_attempts}`,
  t.instance,
  t.created_at,
];
const TASK_HEADERS = ["ID", "AGENT", "STATE", "PRIORITY", "ATTEMPTS", "INSTANCE", "CREATED"];

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
  const { task } = await ctx.client.tasks.submit({
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
  const done = await follow(ctx, task.id, 0, false);
  printTask(ctx, done);
  return outcome(done);
};

export const tasksList: Handler = async (ctx) => {
  const limit = intArg("limit", ctx.str("limit"), 1, 500);
  const state = ctx.str("state");
  const agent = ctx.str("agent");
  const r = await ctx.client.tasks.list({
    ...(state ? { state: state as Task["state"] } : {}),
    ...(agent ? { agent } : {}),
    ...(limit ? { limit } : {}),
  });
  if (ctx.json) ctx.out.data(r);
  else ctx.out.table(TASK_HEADERS, r.tasks.map(taskRow));
  return EXIT.ok;
};

export const tasksGet: Handler = async (ctx) => {
  printTask(ctx, (await ctx.client.tasks.get(ctx.arg("task_id"))).task);
  return EXIT.ok;
};

export const tasksCancel: Handler = async (ctx) => {
  const { task } = await ctx.client.tasks.cancel(ctx.arg("task_id"));
  if (ctx.json) ctx.out.data({ task });
  else ctx.out.line(`task ${task.id} ${task.state}`);
  return EXIT.ok;
};

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
async function follow(ctx: Ctx, id: string, after: number, print: boolean): Promise<Task> {
  if (!id) throw new CliError("missing task id", EXIT.usage);
  try {
    return await followTask(ctx.client, id, after, ctx.io.signal, {
      onEvent: (e) => {
        if (!print) return;
        ctx.progress.clear();
        if (ctx.json) ctx.out.record(e);
        else ctx.out.line(eventLine(e));
      },
      onState: (s) => ctx.progress.set(`${id} ${s.replace(/_/g, " ")}`),
      onNote: (n) => {
        ctx.progress.clear();
        ctx.out.note(n);
      },
    });
  } finally {
    ctx.progress.stop();
  }
}
