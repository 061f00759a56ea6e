// get, describe: every noun printed one way (a table, `-o wide` for more columns, `-o json|yaml`).
import type { Agent, Runner, Task } from "../../../client/src/index.js";
import { attemptsOf, span } from "../attempts.js";
import type { Ctx, Handler } from "../context.js";
import { CliError, EXIT } from "../errors.js";
import { intArg } from "../input.js";
import { DESCRIBABLE, type Noun, nounOf } from "../nouns.js";
import { brief } from "../output.js";

type Cell = string | number | undefined | null;
interface Columns<T> {
  headers: string[];
  row: (x: T) => Cell[];
  /** Extra columns under `-o wide`. */
  wideHeaders: string[];
  wideRow: (x: T) => Cell[];
}

const iso = (t: number | string | undefined | null) =>
  t === undefined || t === null ? undefined : typeof t === "number" ? new Date(t).toISOString() : t;

const TASK: Columns<Task> = {
  headers: ["ID", "AGENT", "STATE", "ATTEMPTS", "CREATED"],
  row: (t) => [t.id, t.agent, t.state, `${t.attempts}/${t.max_attempts}`, t.created_at],
  wideHeaders: ["PRIORITY", "INSTANCE", "RUNNER", "UPDATED", "ERROR"],
  wideRow: (t) => [t.priority, t.instance, t.runner_id, t.updated_at, t.error?.code],
};
const RUNNER: Columns<Runner> = {
  headers: ["ID", "NAME", "STATE", "LEASES", "LAST SEEN"],
  row: (r) => [r.id, r.name, r.state, r.active_leases, r.last_seen_at],
  wideHeaders: ["CAPACITY", "ALLOCATED", "LABELS"],
  wideRow: (r) => [brief(r.capacity, 60), brief(r.allocated, 60), brief(r.labels, 60)],
};
const AGENT: Columns<Agent> = {
  headers: ["NAME", "WEIGHT", "RESOURCES", "MAX ATTEMPTS", "UPDATED"],
  row: (a) => [a.name, a.weight, brief(a.resources, 50), a.retry.max_attempts, a.updated_at],
  wideHeaders: ["CAPABILITIES", "SELECTOR", "PREEMPTIBLE", "TOOLS"],
  wideRow: (a) => [
    a.capabilities.join(",") || undefined,
    brief(a.node_selector, 40) === "{}" ? undefined : brief(a.node_selector, 40),
    String(a.preemptible),
    a.tools.join(",") || undefined,
  ],
};

function print<T>(ctx: Ctx, cols: Columns<T>, items: readonly T[]): void {
  const w = ctx.wide;
  ctx.out.table(
    w ? [...cols.headers, ...cols.wideHeaders] : cols.headers,
    items.map((x) => (w ? [...cols.row(x), ...cols.wideRow(x)] : cols.row(x))),
  );
}

/** `officeos get <noun> [name]`. */
export const get: Handler = (ctx) => getNoun(ctx, nounOf(ctx.arg("noun")), ctx.args.name);

/** The older `<noun> list` and `<noun> get <name>` forms, printed the same way as `get`. */
export const getAs =
  (noun: Noun, nameArg?: string): Handler =>
  (ctx) =>
    getNoun(ctx, noun, nameArg === undefined ? undefined : ctx.arg(nameArg));

async function getNoun(ctx: Ctx, noun: Noun, name: string | undefined): Promise<number> {
  const c = ctx.client;
  if (name !== undefined && !["tasks", "runners", "agents"].includes(noun))
    throw new CliError(`get ${noun} takes no name`, EXIT.usage, `officeos get ${noun}`);
  switch (noun) {
    case "tasks": {
      if (name === undefined) return listTasks(ctx);
      const r = await c.tasks.get(name);
      return one(ctx, TASK, r, r.task);
    }
    case "runners": {
      if (name !== undefined) {
        const r = await c.runners.get(name);
        return one(ctx, RUNNER, r, r.runner);
      }
      const r = await c.runners.list();
      return done(ctx, r, () => print(ctx, RUNNER, r.runners));
    }
    case "agents": {
      if (name !== undefined) {
        const a = await c.agents.get(name);
        return one(ctx, AGENT, a, a);
      }
      const r = await c.agents.list();
      return done(ctx, r, () => print(ctx, AGENT, r.agents));
    }
    case "keys": {
      const r = await c.keys.list();
      return done(ctx, r, () =>
        ctx.out.table(
          ["ID", "NAME", "SCOPES", "STATE", "CREATED", "LAST USED", ...(ctx.wide ? ["EXPIRES", "RUNNER"] : [])],
          r.keys.map((k) => [
            k.id,
            k.name,
            k.scopes.join(","),
            k.state,
            k.created_at,
            k.last_used_at,
            ...(ctx.wide ? [k.expires_at, k.runner_id] : []),
          ]),
        ),
      );
    }
    case "approvals": {
      const r = await c.approvals.list();
      return done(ctx, r, () =>
        ctx.out.table(
          ["TASK", "AGENT", "GATE", "REQUESTED", "DEADLINE", ...(ctx.wide ? ["MESSAGE"] : [])],
          r.approvals.map((a) => [
            a.task.id,
            a.task.agent,
            a.gate,
            iso(a.requested_at),
            iso(a.deadline_at),
            ...(ctx.wide ? [brief(a.message ?? "", 80)] : []),
          ]),
        ),
      );
    }
    case "escalations": {
      const r = await c.escalations.list();
      return done(ctx, r, () =>
        ctx.out.table(
          ["TASK", "AGENT", "ATTEMPTS", "REASON", "ESCALATED", ...(ctx.wide ? ["MESSAGE"] : [])],
          r.escalations.map((e) => [
            e.task.id,
            e.task.agent,
            e.task.attempts,
            e.reason.code,
            iso(e.escalated_at),
            ...(ctx.wide ? [brief(e.reason.message, 80)] : []),
          ]),
        ),
      );
    }
  }
}

function done(ctx: Ctx, data: unknown, table: () => void): number {
  if (ctx.json) ctx.out.data(data);
  else table();
  return EXIT.ok;
}

/** `-o json|yaml` prints what the API answered (`{task}`, `{runner}`, a bare agent), a table otherwise. */
function one<T>(ctx: Ctx, cols: Columns<T>, answer: unknown, item: T): number {
  return done(ctx, answer, () => print(ctx, cols, [item]));
}

/** One page (`--limit`, `--cursor`), or every page with `--all`; the next cursor is printed for the next call. */
async function listTasks(ctx: Ctx): Promise<number> {
  const limit = intArg("limit", ctx.str("limit"), 1, 500);
  const state = ctx.str("state");
  const agent = ctx.str("agent");
  const all = ctx.flag("all");
  let cursor = ctx.str("cursor");
  const tasks: Task[] = [];
  let next: string | undefined;
  do {
    const r = await ctx.client.tasks.list({
      ...(state ? { state: state as Task["state"] } : {}),
      ...(agent ? { agent } : {}),
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {}),
    });
    tasks.push(...r.tasks);
    next = r.next_cursor;
    cursor = next;
  } while (all && next);
  if (ctx.json) ctx.out.data({ tasks, ...(next ? { next_cursor: next } : {}) });
  else {
    print(ctx, TASK, tasks);
    if (next) ctx.out.note(`more: officeos get tasks --cursor ${next}${limit ? ` --limit ${limit}` : ""} (or --all)`);
  }
  return EXIT.ok;
}

/** `officeos describe <task|runner|agent> <name>`: everything known about one object. */
export const describe: Handler = async (ctx) => {
  const noun: Noun = nounOf(ctx.arg("noun"), DESCRIBABLE);
  const name = ctx.arg("name");
  if (noun === "tasks") return describeTask(ctx, name);
  if (noun === "runners") {
    const { runner } = await ctx.client.runners.get(name);
    return done(ctx, { runner }, () => fields(ctx, `runner ${runner.id}`, Object.entries(runner)));
  }
  const agent = await ctx.client.agents.get(name);
  return done(ctx, { agent }, () => fields(ctx, `agent ${agent.name}`, Object.entries(agent)));
};

function fields(ctx: Ctx, title: string, entries: [string, unknown][]): void {
  ctx.out.line(title);
  for (const [k, v] of entries)
    if (v !== undefined && v !== null) ctx.out.line(`  ${`${k}:`.padEnd(16)} ${brief(v, 200)}`);
}

async function describeTask(ctx: Ctx, id: string): Promise<number> {
  const { task } = await ctx.client.tasks.get(id);
  const events = [];
  for (let after = 0; ; ) {
    const page = await ctx.client.tasks.events(id, { after });
    events.push(...page.events);
    if (page.events.length === 0 || page.next <= after) break;
    after = page.next;
  }
  const attempts = attemptsOf(events);
  if (ctx.json) {
    ctx.out.data({ task, attempts, events });
    return EXIT.ok;
  }
  const t = task as Task & { waiting?: { reason: string; message: string } };
  fields(ctx, `task ${task.id}`, [
    ["agent", task.agent],
    ["state", task.state],
    ["waiting", t.waiting ? `${t.waiting.reason}: ${t.waiting.message}` : undefined],
    ["priority", task.priority],
    ["instance", task.instance],
    ["runner", task.runner_id],
    ["attempts", `${task.attempts}/${task.max_attempts}`],
    ["checkpoint", task.checkpoint_seq],
    ["created", task.created_at],
    ["updated", task.updated_at],
    ["usage", task.usage],
    ["input", task.input],
    ["result", task.result],
    ["error", task.error ? `${task.error.code}: ${task.error.message}` : undefined],
  ]);
  const tail = (task.error as { details?: { stderr_tail?: unknown } } | undefined)?.details?.stderr_tail;
  if (Array.isArray(tail) && tail.length) {
    ctx.out.line("");
    ctx.out.line("stderr (last lines):");
    for (const l of tail) ctx.out.line(`  ${String(l)}`);
  }
  ctx.out.line("");
  ctx.out.line("attempts:");
  ctx.out.table(
    ["#", "RUNNER", "LEASED", "STARTED AFTER", "RAN", "OUTCOME"],
    attempts.map((a) => [
      a.attempt,
      a.runner,
      a.leased_at,
      span(a.leased_at, a.running_at),
      span(a.running_at ?? a.leased_at, a.ended_at),
      a.outcome ? `${a.outcome}${a.code ? ` (${a.code})` : ""}` : "(running)",
    ]),
  );
  ctx.out.line("");
  ctx.out.line("events:");
  ctx.out.table(
    ["SEQ", "AT", "TYPE", "STATE", "ACTOR"],
    events.map((e) => [e.seq, iso(e.at), e.type, e.state, e.actor]),
  );
  return EXIT.ok;
}
