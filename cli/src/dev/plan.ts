// `officeos dev`: what to run and how, decided from the command line alone (no I/O here; the caller
// gives what it found on disk). cli/src/dev/local.ts does the I/O, cli/src/commands/dev.ts the flow.
import { basename, extname } from "node:path";
import type { RunnerConfigInput } from "../../../agent-runner/src/config.js";
import { CliError, EXIT } from "../errors.js";

export type AgentKind = "typescript" | "javascript" | "python" | "executable";

export interface AgentPlan {
  /** The agent's name in the control plane (--name, else the file's name without its extension). */
  name: string;
  kind: AgentKind;
  /** The file given (absolute), or the executable as given for a command. */
  file: string;
  /** Arguments after the file, passed to the agent as they are. */
  args: string[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** A control-plane name from a file name: `my agent.ts` → `my-agent`. */
export function nameFromFile(file: string): string {
  const stem = basename(file, extname(file))
    .replace(/[^A-Za-z0-9._:-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, 128);
  return stem || "dev-agent";
}

export function kindOf(file: string): AgentKind {
  const ext = extname(file).toLowerCase();
  if (ext === ".ts" || ext === ".mts" || ext === ".cts" || ext === ".tsx") return "typescript";
  if (ext === ".js" || ext === ".mjs" || ext === ".cjs") return "javascript";
  if (ext === ".py") return "python";
  return "executable";
}

/** From `officeos dev FILE [ARGS...]` (`file` already made absolute when it names a file). */
export function planAgent(file: string, args: readonly string[], name: string | undefined): AgentPlan {
  const chosen = name ?? nameFromFile(file);
  if (!NAME.test(chosen) || chosen.length > 128)
    throw new CliError(
      `"${chosen}" is not an agent name: letters, digits and . _ : - only, starting with a letter or digit`,
      EXIT.usage,
      "choose one with --name",
    );
  return { name: chosen, kind: kindOf(file), file, args: [...args] };
}

/**
 * The agent's argv once its files are in place: `program` is the bundled .mjs (TypeScript), the copied
 * script (JavaScript, Python) or the executable itself.
 */
export function agentCommand(
  plan: AgentPlan,
  program: string,
  tools: { node: string; python: string },
): [string, ...string[]] {
  switch (plan.kind) {
    case "typescript":
    case "javascript":
      return [tools.node, program, ...plan.args];
    case "python":
      return [tools.python, program, ...plan.args];
    default:
      return [program, ...plan.args];
  }
}

/** The label that pins a dev run's task to the runner it started, and nowhere else. */
export const DEV_LABEL = "officeos-dev";

export interface DevRunnerSpec {
  url: string;
  key: string;
  session: string;
  agent: string;
  command: string[];
  cwd?: string;
  workDir: string;
  /** Running as root: the sandbox as usual, the agent under an unprivileged uid. Else sandbox off. */
  root: boolean;
  cpu: number;
  memoryMb: number;
}

/** The runner config `officeos dev` starts its runner with (agent-runner/src/config.ts). */
export function devRunnerConfig(s: DevRunnerSpec): RunnerConfigInput {
  return {
    control_plane: { url: s.url, key: s.key },
    name: `dev-${s.session}`,
    capacity: { cpu: Math.max(1000, s.cpu), memory_mb: Math.max(1024, s.memoryMb) },
    labels: { [DEV_LABEL]: s.session },
    agents: { [s.agent]: { command: s.command, ...(s.cwd ? { cwd: s.cwd } : {}) } },
    max_concurrent: 1,
    lease_wait_ms: 2000,
    drain_timeout_ms: 5000,
    kill_grace_ms: 2000,
    work_dir: s.workDir,
    log_level: "info",
    // Not root: nothing to switch to and no namespaces to rely on; said in the banner.
    ...(s.root ? {} : { sandbox: "off" as const }),
  };
}

export const NOT_CONTAINED_BANNER =
  "not contained: development mode (not root: the agent runs as you, without the sandbox, and sees what you see)";
