// officeos dev <file or command>: registers the agent, starts a local runner with it next to the
// control plane, submits one task, prints the agent's output and the task's events until it ends,
// then stops the runner, removes it from the control plane and revokes the runner key it made. Exit code: the task's outcome.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { OfficeOSError, type Task, type TaskEvent } from "../../../client/src/index.js";
import type { Ctx, Handler } from "../context.js";
import { placeProgram, pythonPath, runnerBin, startDevRunner, type DevRunner, type LogEntry } from "../dev/local.js";
import { agentCommand, DEV_LABEL, devRunnerConfig, NOT_CONTAINED_BANNER, planAgent } from "../dev/plan.js";
import { CliError, EXIT } from "../errors.js";
import { durationArg, jsonArg } from "../input.js";
import { brief, shortTime } from "../output.js";
import { followTask } from "../watch.js";

const READY_MS = 60_000;

/** The file as a path when it is one; a bare word that is not a file is a command on PATH. */
function target(file: string): string {
  if (existsSync(file)) {
    if (statSync(file).isDirectory()) throw new CliError(`${file} is a directory, not an agent`, EXIT.usage);
    return resolve(file);
  }
  if (file.includes("/") || /\.(m|c)?[jt]sx?$|\.py$/i.test(file))
    throw new CliError(`${file}: no such file`, EXIT.usage, "officeos dev ./agent.ts, ./agent.py or -- COMMAND ARGS");
  return file;
}

async function inputOf(ctx: Ctx): Promise<unknown> {
  const raw = ctx.str("input");
  const file = ctx.str("input-file");
  if (raw !== undefined && file !== undefined) throw new CliError("give --input or --input-file, not both");
  if (file !== undefined) return jsonArg("input-file", `@${file}`, ctx.io.stdin);
  return raw === undefined ? {} : jsonArg("input", raw, ctx.io.stdin);
}

function eventLine(e: TaskEvent): string {
  const d = e.details;
  const empty = d === undefined || d === null || (typeof d === "object" && Object.keys(d).length === 0);
  return `${shortTime(e.at)}  ${String(e.seq).padStart(4)}  ${e.type.padEnd(18)} ${(e.state ? `→ ${e.state}` : "").padEnd(20)} ${e.actor}${empty ? "" : `  ${brief(d, 120)}`}`.trimEnd();
}

export const dev: Handler = async (ctx) => {
  const file = target(ctx.arg("file"));
  const plan = planAgent(file, ctx.list("args"), ctx.str("name"));
  const input = await inputOf(ctx);
  const timeoutMs = durationArg("timeout", ctx.str("timeout"));
  const bin = runnerBin(ctx.io.env);
  const root = process.getuid?.() === 0;
  const say = (s: string) => ctx.io.stderr.write(`${s}\n`);
  if (!root) say(`*** ${NOT_CONTAINED_BANNER} ***`);
  const client = ctx.client;

  // Registered when new; an agent that exists keeps its spec (this task overrides its retry policy).
  let resources = { cpu: 100, memory_mb: 256 };
  try {
    const agent = await client.agents.get(plan.name);
    resources = { ...resources, ...(agent.resources as typeof resources) };
  } catch (e) {
    if (!(e instanceof OfficeOSError) || e.status !== 404) throw e;
    await client.agents.put(plan.name, { resources });
    say(`registered agent ${plan.name}`);
  }

  const session = randomBytes(4).toString("hex");
  const dir = mkdtempSync(join(ctx.io.env.TMPDIR || tmpdir(), "oos-dev-"));
  let runner: DevRunner | undefined;
  let keyId: string | undefined;
  let runnerId: string | undefined;
  let taskId: string | undefined;
  try {
    const program = await placeProgram(plan, join(dir, "agent"), root);
    const command = agentCommand(plan, program, { node: process.execPath, python: pythonPath() });
    const made = await client.keys.create(["runner"], { name: `officeos dev ${plan.name} ${session}` });
    keyId = made.id;
    const config = devRunnerConfig({
      url: ctx.target.url as string,
      key: made.key,
      session,
      agent: plan.name,
      command,
      // Short: the runner's Unix sockets live below it (at most 107 bytes a path).
      workDir: join(dir, "w"),
      root,
      cpu: resources.cpu,
      memoryMb: resources.memory_mb,
    });
    // A program this command placed (a bundle, a copied script) needs nothing beside it: the runner's
    // warning that the sandbox shows it only its own directory does not apply.
    const placed = program !== plan.file;
    const onEntry = (e: LogEntry) => {
      if (e.msg === "agent output" && typeof e.line === "string") say(`${plan.name}| ${e.line}`);
      else if (placed && e.msg?.includes("lies where the sandbox hides the host")) return;
      else if ((e.level ?? 0) >= 40 && e.msg) say(`runner: ${e.msg}${typeof e.err === "string" ? `: ${e.err}` : ""}`);
    };
    runner = startDevRunner(bin, join(dir, "runner.json"), config, onEntry);
    const ready = await runner
      .waitFor((e) => e.msg === "runner ready" || e.msg === "registration refused", READY_MS)
      .catch((e: Error) => {
        const tail = runner?.lines.slice(-5).map((l) => l.msg ?? "") ?? [];
        throw new CliError(`the local runner did not start: ${e.message}`, EXIT.api, tail.join(" / ") || undefined);
      });
    if (typeof ready.runner_id === "string") runnerId = ready.runner_id;
    if (ready.msg !== "registration refused")
      say(
        `local runner ${String(ready.runner_id ?? config.name)} ready (${root ? "sandboxed, agent as an unprivileged uid" : "not contained"})`,
      );
    else throw new CliError(`the control plane refused the local runner: ${JSON.stringify(ready)}`, EXIT.api);

    const { task } = await client.tasks.submit({
      agent: plan.name,
      input: input as Task["input"],
      node_selector: { [DEV_LABEL]: session },
      retry: { max_attempts: 1, on_exhausted: "fail" },
    });
    taskId = task.id;
    say(`submitted ${task.id}`);
    const timer = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs);
    const signal = timer ? AbortSignal.any([ctx.io.signal, timer]) : ctx.io.signal;
    let done: Task;
    try {
      done = await followTask(client, task.id, 0, signal, {
        onEvent: (e) => (ctx.json ? ctx.out.record(e) : ctx.out.line(eventLine(e))),
        onState: () => {},
        onNote: (n) => say(n),
      });
    } catch (e) {
      if (timer?.aborted && !ctx.io.signal.aborted)
        throw new CliError(`task ${task.id} had not ended after ${ctx.str("timeout")}`, EXIT.timeout);
      throw e;
    }
    taskId = undefined;
    if (ctx.json) ctx.out.record({ task: done });
    else if (done.state === "succeeded") ctx.out.line(`task ${done.id} succeeded result ${brief(done.result, 400)}`);
    else ctx.out.line(`task ${done.id} ${done.state}${done.error ? ` ${done.error.code}: ${done.error.message}` : ""}`);
    return done.state === "succeeded" ? EXIT.ok : EXIT.taskFailed;
  } finally {
    // Interrupted or timed out: the task goes with the runner that was to run it.
    if (taskId) await client.tasks.cancel(taskId).catch(() => undefined);
    await runner?.stop();
    // Gone for good: tasks of this agent must not wait on it as "a runner that could run it".
    if (runnerId) await client.runners.forget(runnerId).catch(() => undefined);
    if (keyId) await client.keys.revoke(keyId).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
};
