// The table and the entry rules as Markdown, for docs/lifecycle.md: the doc's
// tables are this output (test/unit/task-doc.test.ts checks they are equal, and
// prints the block to paste when they are not).
import { EVENT_KINDS } from "./events.js";
import { STATE_GROUPS, TASK_STATES } from "./states.js";
import { ENTRY, TABLE, type Cell } from "./table.js";

const show = (c: Cell): string => ("to" in c ? `→ ${c.to.join(" / ")}` : `✗ ${c.refuse}`);

/** Events down, states across: `→ a / b` the states it may lead to, `✗ reason` a refusal. */
export function transitionTableMarkdown(): string {
  const head = `| event | ${TASK_STATES.join(" | ")} |`;
  const rule = `|---|${TASK_STATES.map(() => "---").join("|")}|`;
  const rows = EVENT_KINDS.map((e) => `| ${e} | ${TASK_STATES.map((s) => show(TABLE[s][e])).join(" | ")} |`);
  return [head, rule, ...rows].join("\n");
}

export function entryTableMarkdown(): string {
  const rows = TASK_STATES.map(
    (s) => `| ${s} | ${ENTRY[s].sets.join(", ") || "—"} | ${ENTRY[s].clears.join(", ") || "—"} |`,
  );
  return ["| entering | sets | clears |", "|---|---|---|", ...rows].join("\n");
}

export function groupsMarkdown(): string {
  const rows = Object.entries(STATE_GROUPS).map(([g, states]) => `| ${g} | ${states.join(", ")} |`);
  return ["| group | states |", "|---|---|", ...rows].join("\n");
}

/** The generated blocks, each between `<!-- name:begin -->` and `<!-- name:end -->` in the doc. */
export const GENERATED: Readonly<Record<string, () => string>> = {
  groups: groupsMarkdown,
  table: transitionTableMarkdown,
  entry: entryTableMarkdown,
};
