// officeos logs TASK [-f] [--attempt N]: what the task's agent wrote (GET /v1/tasks/{id}/logs).
// Every line goes to stdout, in order: stdout lines as written, stderr lines prefixed `stderr| `;
// a `--- attempt N ---` line marks where an attempt begins when the task has run more than one.
// -f follows (long-polls) until the task ends. Under --json / -o json: one JSON line per log line.
import type { LogLine } from "../../../client/src/index.js";
import type { Ctx, Handler } from "../context.js";
import { EXIT } from "../errors.js";
import { intArg } from "../input.js";

const WAIT_MS = 25_000;
const PAGE = 1_000;

/** How one line is printed for a person (pure). `shownAttempt`: the attempt of the line printed before, if any. */
export function formatLine(l: LogLine, shownAttempt: number | null, multi: boolean): string[] {
  const out: string[] = [];
  if (multi && l.attempt !== shownAttempt) out.push(`--- attempt ${l.attempt} ---`);
  out.push(l.stream === "stderr" ? `stderr| ${l.text}` : l.text);
  return out;
}

export const logs: Handler = async (ctx: Ctx) => {
  const id = ctx.arg("task_id");
  const attempt = intArg("attempt", ctx.str("attempt"), 1, 1_000_000);
  const follow = ctx.flag("follow");
  const { task } = await ctx.client.tasks.get(id);
  // Attempt headers only matter when there is more than one attempt to tell apart.
  const multi = attempt === undefined && task.attempts > 1;
  let after = 0;
  let shown: number | null = null;
  let sawMulti = multi;
  for (;;) {
    const page = await ctx.client.tasks.logs(id, {
      after,
      limit: PAGE,
      ...(attempt !== undefined ? { attempt } : {}),
      ...(follow ? { waitMs: WAIT_MS, signal: ctx.io.signal } : {}),
    });
    for (const l of page.lines) {
      if (ctx.json) ctx.out.record(l);
      else {
        if (shown !== null && l.attempt !== shown) sawMulti = true;
        for (const s of formatLine(l, shown, sawMulti)) ctx.out.line(s);
      }
      shown = l.attempt;
    }
    if (page.next === null) break;
    after = page.next;
    if (!follow && page.lines.length < PAGE) break;
  }
  return EXIT.ok;
};
