// The runner's self-check, sent with every heartbeat: a runner that cannot
// start its agents (a command missing, the work directory not writable, a
// limit it was asked to enforce not enforceable) is `not_ready` and gets no
// work until the check passes again.
import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";
import type { RunnerConfig } from "./config.js";

export interface HealthCheck {
  name: string;
  ok: boolean;
  message?: string;
}

export interface RunnerHealth {
  ready: boolean;
  checks: HealthCheck[];
}

/** Extra checks other parts of the runner contribute (cgroups, GPUs). */
export type CheckProvider = () => Promise<HealthCheck>;

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `cmd` resolves: itself when it names a path, else the first hit on PATH. */
export async function resolveCommand(cmd: string, pathEnv = process.env.PATH ?? ""): Promise<string | null> {
  if (cmd.includes("/")) return (await executable(cmd)) ? cmd : null;
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (await executable(p)) return p;
  }
  return null;
}

export async function checkHealth(
  cfg: Pick<RunnerConfig, "agents" | "work_dir">,
  extra: readonly CheckProvider[] = [],
): Promise<RunnerHealth> {
  const checks: HealthCheck[] = [];
  const missing: string[] = [];
  for (const [name, a] of Object.entries(cfg.agents)) {
    const cmd = a.command[0] ?? "";
    const cwdBase = a.cwd && !isAbsolute(cmd) && cmd.includes("/") ? join(a.cwd, cmd) : cmd;
    if ((await resolveCommand(cwdBase)) === null) missing.push(`${name}: ${cmd}`);
  }
  checks.push(
    missing.length === 0
      ? { name: "agent_commands", ok: true }
      : { name: "agent_commands", ok: false, message: `not found or not executable: ${missing.join(", ")}` },
  );
  try {
    await mkdir(cfg.work_dir, { recursive: true });
    await access(cfg.work_dir, constants.W_OK);
    checks.push({ name: "work_dir", ok: true });
  } catch (e) {
    checks.push({ name: "work_dir", ok: false, message: `${cfg.work_dir}: ${(e as Error).message}` });
  }
  for (const p of extra)
    checks.push(await p().catch((e: unknown) => ({ name: "check", ok: false, message: (e as Error).message })));
  return { ready: checks.every((c) => c.ok), checks };
}
