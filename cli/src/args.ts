// The command table and argument parsing (node:util parseArgs), free of I/O.
// A command is found by the longest match of its words at the start of the
// positionals; its own options plus the global ones are then parsed strictly,
// so a typo in an option fails with the command's usage instead of being ignored.
import { parseArgs } from "node:util";
import { CliError, EXIT } from "./errors.js";
import { closest } from "./suggest.js";

const guess = (word: string, candidates: readonly string[]): string => {
  const c = closest(word, candidates);
  return c === undefined ? "" : `did you mean "${c}"? `;
};

type Opt = { type: "string" | "boolean"; short?: string; multiple?: boolean; help: string; value?: string };

export const GLOBAL_OPTIONS = {
  url: { type: "string", help: "control plane URL (env OFFICEOS_URL, or the profile)", value: "URL" },
  key: { type: "string", help: "API key (env OFFICEOS_KEY, or the profile)", value: "KEY" },
  profile: {
    type: "string",
    help: "profile in ~/.officeos/config.json (env OFFICEOS_PROFILE; default: the current one)",
    value: "NAME",
  },
  output: { type: "string", short: "o", help: "table (default), wide, json or yaml", value: "FORMAT" },
  json: { type: "boolean", help: "machine-readable JSON on stdout (the same as -o json)" },
  help: { type: "boolean", short: "h", help: "show help" },
} as const satisfies Record<string, Opt>;

export interface CommandDef {
  words: readonly string[];
  /** Positional arguments; a trailing "?" marks an optional one. */
  args: readonly string[];
  options: Readonly<Record<string, Opt>>;
  summary: string;
}

const input = { type: "string", help: "JSON, or @file (JSON/YAML), or @- for stdin", value: "JSON|@file" } as const;
const comment = { type: "string", help: "a note kept with the decision", value: "TEXT" } as const;

export const COMMANDS: readonly CommandDef[] = [
  { words: ["login"], args: [], options: {}, summary: "check --url and --key and save them as a profile" },
  {
    words: ["tenants", "create"],
    args: ["name"],
    options: {
      "admin-token": { type: "string", help: "operator token (env OFFICEOS_ADMIN_TOKEN; else --key)", value: "TOKEN" },
    },
    summary: "create a tenant (operator); prints its admin key",
  },
  {
    words: ["keys", "create"],
    args: [],
    options: {
      scopes: { type: "string", help: "comma-separated: admin,submit,runner,read", value: "LIST" },
      name: { type: "string", help: "a name kept with the key, shown by get keys", value: "NAME" },
    },
    summary: "create an API key (admin)",
  },
  { words: ["keys", "revoke"], args: ["key_id"], options: {}, summary: "revoke a key: it stops working at once" },
  {
    words: ["apply"],
    args: [],
    options: {
      file: {
        type: "string",
        short: "f",
        multiple: true,
        help: "agents file (YAML or JSON; - for stdin); repeatable",
        value: "FILE",
      },
      "dry-run": { type: "boolean", help: "show what would change, change nothing" },
    },
    summary: "create or update agents from a file, like kubectl apply",
  },
  { words: ["agents", "list"], args: [], options: {}, summary: "list agents" },
  { words: ["agents", "get"], args: ["name"], options: {}, summary: "show one agent" },
  {
    words: ["submit"],
    args: ["agent"],
    options: {
      input,
      priority: { type: "string", help: "-1000..1000 (default 0)", value: "N" },
      instance: { type: "string", help: "continue a named agent instance", value: "NAME" },
      "idempotency-key": { type: "string", help: "submitting again with it returns the same task", value: "KEY" },
      wait: { type: "boolean", help: "wait until the task ends; exit code follows its outcome" },
      timeout: {
        type: "string",
        help: "with --wait: give up after this long (30s, 5m, 1h; exit 8)",
        value: "DURATION",
      },
    },
    summary: "submit a task",
  },
  {
    words: ["get"],
    args: ["noun", "name?"],
    options: {
      state: { type: "string", help: "tasks: only this state", value: "STATE" },
      agent: { type: "string", help: "tasks: only this agent", value: "NAME" },
      limit: { type: "string", help: "tasks: at most N a page (1..500)", value: "N" },
      cursor: { type: "string", help: "tasks: the page after this cursor (printed with each page)", value: "CURSOR" },
      all: { type: "boolean", help: "tasks: every page" },
    },
    summary: "list tasks|runners|agents|keys|approvals|escalations, or show one by name (-o wide|json|yaml)",
  },
  {
    words: ["describe"],
    args: ["noun", "name"],
    options: {},
    summary: "a task (attempts, events, usage, error), a runner or an agent in detail",
  },
  { words: ["cancel"], args: ["task_id"], options: {}, summary: "cancel a task" },
  {
    words: ["retry"],
    args: ["task_id"],
    options: { input: { ...input, help: "replace the task's input, then retry" }, comment },
    summary: "retry a task that waits for a person (escalated)",
  },
  { words: ["drain"], args: ["noun", "id"], options: {}, summary: "drain runner <id>: no new leases; running finish" },
  { words: ["completion"], args: ["shell"], options: {}, summary: "print the bash or zsh completion script" },
  {
    words: ["tasks", "list"],
    args: [],
    options: {
      state: { type: "string", help: "only tasks in this state", value: "STATE" },
      agent: { type: "string", help: "only tasks of this agent", value: "NAME" },
      limit: { type: "string", help: "at most N (1..500)", value: "N" },
    },
    summary: "list tasks, newest first",
  },
  { words: ["tasks", "get"], args: ["task_id"], options: {}, summary: "show one task" },
  { words: ["tasks", "cancel"], args: ["task_id"], options: {}, summary: "cancel a task" },
  {
    words: ["watch"],
    args: ["task_id"],
    options: {
      after: { type: "string", help: "start after this event sequence number (default 0: all)", value: "SEQ" },
    },
    summary: "print a task's events live until it ends; non-zero exit unless it succeeds",
  },
  {
    words: ["logs"],
    args: ["task_id"],
    options: {
      follow: { type: "boolean", short: "f", help: "keep printing new lines until the task ends" },
      attempt: { type: "string", help: "only this attempt's lines", value: "N" },
    },
    summary: "print what a task's agent wrote (stdout; stderr lines prefixed `stderr|`), every attempt",
  },
  { words: ["runners", "list"], args: [], options: {}, summary: "list runners" },
  { words: ["scheduler"], args: [], options: {}, summary: "show the DRF scheduler's view" },
  { words: ["escalations", "list"], args: [], options: {}, summary: "list tasks waiting for a person" },
  {
    words: ["escalations", "retry"],
    args: ["task_id"],
    options: { input: { ...input, help: "replace the task's input, then retry" }, comment },
    summary: "retry an escalated task",
  },
  {
    words: ["escalations", "resolve"],
    args: ["task_id"],
    options: { result: { ...input, help: "the task's result (JSON, @file or @-)" }, comment },
    summary: "finish an escalated task with a result",
  },
  { words: ["escalations", "cancel"], args: ["task_id"], options: { comment }, summary: "cancel an escalated task" },
  { words: ["approvals", "list"], args: [], options: {}, summary: "list tasks waiting for approval" },
  { words: ["approvals", "approve"], args: ["task_id"], options: { comment }, summary: "approve a task's gate" },
  { words: ["approvals", "reject"], args: ["task_id"], options: { comment }, summary: "reject a task's gate" },
];

export type Values = Record<string, string | boolean | string[] | undefined>;

export type Parsed =
  | { kind: "help"; command?: CommandDef; topic?: string }
  | { kind: "version" }
  | { kind: "run"; command: CommandDef; args: Record<string, string>; values: Values };

/** Every option of every command, so the first pass knows which options take a value. */
function allOptions(): Record<string, Opt> {
  const all: Record<string, Opt> = { ...GLOBAL_OPTIONS, version: { type: "boolean", help: "" } };
  for (const c of COMMANDS) Object.assign(all, c.options);
  return all;
}

const toParseArgs = (o: Record<string, Opt>) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [
      k,
      { type: v.type, ...(v.short ? { short: v.short } : {}), ...(v.multiple ? { multiple: true } : {}) },
    ]),
  );

export function parseCommandLine(argv: readonly string[]): Parsed {
  let first;
  try {
    first = parseArgs({ args: [...argv], options: toParseArgs(allOptions()), allowPositionals: true, strict: false });
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const pos = first.positionals;
  if (first.values.version === true && pos.length === 0) return { kind: "version" };
  const command = [...COMMANDS]
    .sort((a, b) => b.words.length - a.words.length)
    .find((c) => c.words.every((w, i) => pos[i] === w));
  if (!command) {
    if (pos.length === 0 || pos[0] === "help") return pos[1] ? { kind: "help", topic: pos[1] } : { kind: "help" };
    const group = COMMANDS.filter((c) => c.words[0] === pos[0]);
    if (first.values.help === true && group.length) return { kind: "help", topic: pos[0] };
    if (group.length) {
      const seconds = group.flatMap((c) => (c.words[1] === undefined ? [] : [c.words[1]]));
      throw new CliError(
        `unknown command "${pos.slice(0, 2).join(" ")}"; ${guess(pos[1] ?? "", seconds)}${pos[0]} takes: ${seconds.join(", ")}`,
        EXIT.usage,
        `officeos ${pos[0]} --help`,
      );
    }
    const firsts = [...new Set(COMMANDS.map((c) => c.words[0] ?? ""))];
    throw new CliError(
      `unknown command "${pos[0]}"${guess(pos[0] ?? "", firsts).replace(/^(.+) $/, "; $1")}`,
      EXIT.usage,
      "officeos --help lists the commands",
    );
  }
  if (first.values.help === true) return { kind: "help", command };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: toParseArgs({ ...GLOBAL_OPTIONS, ...command.options }),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new CliError((e as Error).message, EXIT.usage, `officeos ${command.words.join(" ")} --help`);
  }
  const rest = parsed.positionals.slice(command.words.length);
  const required = command.args.filter((a) => !a.endsWith("?"));
  if (rest.length < required.length)
    throw new CliError(
      `missing ${required
        .slice(rest.length)
        .map((a) => `<${a}>`)
        .join(" ")}`,
      EXIT.usage,
      usageLine(command),
    );
  if (rest.length > command.args.length)
    throw new CliError(`unexpected argument "${rest[command.args.length]}"`, EXIT.usage, usageLine(command));
  const args: Record<string, string> = {};
  command.args.forEach((a, i) => {
    const v = rest[i];
    if (v !== undefined) args[a.replace(/\?$/, "")] = v;
  });
  return { kind: "run", command, args, values: parsed.values as Values };
}

export function usageLine(c: CommandDef): string {
  const args = c.args.map((a) => (a.endsWith("?") ? `[${a.slice(0, -1)}]` : `<${a}>`));
  const opts = Object.entries(c.options).map(([k, o]) =>
    o.type === "string" ? `[--${k} ${o.value ?? "VALUE"}]` : `[--${k}]`,
  );
  return `usage: officeos ${[...c.words, ...args, ...opts].join(" ")}`;
}

const optLines = (o: Record<string, Opt>) =>
  Object.entries(o).map(([k, v]) => {
    const name = `${v.short ? `-${v.short}, ` : "    "}--${k}${v.type === "string" ? ` ${v.value ?? "VALUE"}` : ""}`;
    return `  ${name.padEnd(30)} ${v.help}`;
  });

export function commandHelp(c: CommandDef): string {
  const own = Object.keys(c.options).length ? ["", "options:", ...optLines(c.options)] : [];
  return [usageLine(c), "", c.summary, ...own, "", "global options:", ...optLines(GLOBAL_OPTIONS)].join("\n");
}

export function mainHelp(topic?: string): string {
  const cmds = topic ? COMMANDS.filter((c) => c.words[0] === topic) : COMMANDS;
  const lines = cmds.map(
    (c) => `  ${[...c.words, ...c.args.map((a) => `<${a.replace(/\?$/, "")}>`)].join(" ").padEnd(36)} ${c.summary}`,
  );
  return [
    "officeos: the OfficeOS command line",
    "",
    "usage: officeos <command> [arguments] [options]",
    "",
    "commands:",
    ...lines,
    "",
    "global options:",
    ...optLines(GLOBAL_OPTIONS),
    "",
    "exit codes: 0 ok · 1 task did not succeed · 2 usage · 3 no URL/key configured · 4 key refused (401/403)",
    "            5 not found (404) · 6 other API error · 7 control plane unreachable · 8 timed out waiting",
    "            130 interrupted",
    "",
    "`officeos <command> --help` shows a command's options. Docs: docs/cli.md.",
  ].join("\n");
}
