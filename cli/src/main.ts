// officeos: the command line of OfficeOS. See docs/cli.md, or `officeos --help`.
// run() takes its streams and environment as arguments so tests can drive it.
import { commandHelp, mainHelp, parseCommandLine } from "./args.js";
import { configPath, readProfiles, resolveTarget } from "./config.js";
import { Ctx, type Handler } from "./context.js";
import { EXIT, explain } from "./errors.js";
import type { Io } from "./output.js";
import * as ops from "./commands/ops.js";
import * as setup from "./commands/setup.js";
import * as kube from "./commands/get.js";
import * as tasks from "./commands/tasks.js";
import * as verbs from "./commands/verbs.js";
import * as logs from "./commands/logs.js";

const HANDLERS: Record<string, Handler> = {
  login: setup.login,
  "tenants create": setup.tenantsCreate,
  "keys create": setup.keysCreate,
  "keys revoke": verbs.keysRevoke,
  get: kube.get,
  describe: kube.describe,
  cancel: verbs.cancel,
  retry: verbs.retry,
  drain: verbs.drain,
  completion: verbs.completion,
  apply: setup.apply,
  "agents list": kube.getAs("agents"),
  "agents get": kube.getAs("agents", "name"),
  submit: tasks.submit,
  "tasks list": kube.getAs("tasks"),
  "tasks get": kube.getAs("tasks", "task_id"),
  "tasks cancel": verbs.cancel,
  watch: tasks.watch,
  logs: logs.logs,
  "runners list": kube.getAs("runners"),
  scheduler: ops.scheduler,
  "escalations list": kube.getAs("escalations"),
  "escalations retry": ops.escalationsRetry,
  "escalations resolve": ops.escalationsResolve,
  "escalations cancel": ops.escalationsCancel,
  "approvals list": kube.getAs("approvals"),
  "approvals approve": ops.approvalsApprove,
  "approvals reject": ops.approvalsReject,
};

declare const OFFICEOS_VERSION: string | undefined;
const version = typeof OFFICEOS_VERSION === "string" ? OFFICEOS_VERSION : "dev";

export async function run(argv: readonly string[], io: Io): Promise<number> {
  // Errors are JSON on stdout when the output asked for is data (--json, -o json, -o yaml).
  const o = argv.findIndex((a) => a === "-o" || a === "--output");
  const asked =
    o >= 0 ? argv[o + 1] : argv.find((a) => a.startsWith("--output=") || a.startsWith("-o="))?.split("=")[1];
  const json = argv.includes("--json") || asked === "json" || asked === "yaml";
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
