// officeos: the command line of OfficeOS. See docs/cli.md, or `officeos --help`.
// run() takes its streams and environment as arguments so tests can drive it.
import { commandHelp, mainHelp, parseCommandLine } from "./args.js";
import { configPath, readProfiles, resolveTarget } from "./config.js";
import { Ctx, type Handler } from "./context.js";
import { EXIT, explain } from "./errors.js";
import type { Io } from "./output.js";
import * as ops from "./commands/ops.js";
import * as setup from "./commands/setup.js";
import * as tasks from "./commands/tasks.js";

const HANDLERS: Record<string, Handler> = {
  login: setup.login,
  "tenants create": setup.tenantsCreate,
  "keys create": setup.keysCreate,
  apply: setup.apply,
  "agents list": setup.agentsList,
  "agents get": setup.agentsGet,
  submit: tasks.submit,
  "tasks list": tasks.tasksList,
  "tasks get": tasks.tasksGet,
  "tasks cancel": tasks.tasksCancel,
  watch: tasks.watch,
  "runners list": ops.runnersList,
  scheduler: ops.scheduler,
  "escalations list": ops.escalationsList,
  "escalations retry": ops.escalationsRetry,
  "escalations resolve": ops.escalationsResolve,
  "escalations cancel": ops.escalationsCancel,
  "approvals list": ops.approvalsList,
  "approvals approve": ops.approvalsApprove,
  "approvals reject": ops.approvalsReject,
};

declare const OFFICEOS_VERSION: string | undefined;
const version = typeof OFFICEOS_VERSION === "string" ? OFFICEOS_VERSION : "dev";

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const json = argv.includes("--json");
  let url: string | undefined;
  try {
    const p = parseCommandLine(argv);
    if (p.kind === "version") {
      io.stdout.write(`${version}\n`);
      return EXIT.ok;
    }
    if (p.kind === "help") {
      io.stdout.write(`${p.command ? commandHelp(p.command) : mainHelp(p.topic)}\n`);
      return EXIT.ok;
    }
    const file = configPath(io.env);
    const str = (k: string) => (typeof p.values[k] === "string" ? (p.values[k] as string) : undefined);
    const target = resolveTarget(
      { url: str("url"), key: str("key"), profile: str("profile") },
      io.env,
      readProfiles(file),
      p.command.words[0] === "login",
    );
    url = target.url;
    const handler = HANDLERS[p.command.words.join(" ")];
    if (!handler) throw new Error(`no handler for ${p.command.words.join(" ")}`);
    return await handler(new Ctx(io, p.args, p.values, target, file));
  } catch (e) {
    if (io.signal.aborted) return EXIT.interrupted;
    const x = explain(e, url);
    if (json) io.stdout.write(`${JSON.stringify(x.json)}\n`);
    io.stderr.write(`error: ${x.message}\n${x.hint ? `hint: ${x.hint}\n` : ""}`);
    return x.exitCode;
  }
}
