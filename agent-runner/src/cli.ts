#!/usr/bin/env node
// officeos-runner: runs OfficeOS tasks on this machine.
//   officeos-runner --config runner.yaml
// Environment overrides: OFFICEOS_URL, OFFICEOS_RUNNER_KEY, OFFICEOS_RUNNER_NAME,
// OFFICEOS_MAX_CONCURRENT, OFFICEOS_LEASE_TTL_MS, OFFICEOS_LOG_LEVEL.
import { parseArgs } from "node:util";
import { pino } from "pino";
import { loadConfig } from "./config.js";
import { configFileCheck, SECRET_ENV } from "./agent-user.js";
import { AgentRunner } from "./runner.js";

const USAGE = `usage: officeos-runner --config <file.yaml|file.json>

Runs OfficeOS tasks on this machine: registers with the control plane,
long-polls for leases, runs each task's agent as a child process.
Config path may also come from OFFICEOS_RUNNER_CONFIG. Run as root, the
runner refuses a config file group or others can read (chmod 600 it): its
agents run as other users (docs/runner-isolation.md).
Environment overrides: OFFICEOS_URL, OFFICEOS_RUNNER_KEY, OFFICEOS_RUNNER_NAME,
OFFICEOS_MAX_CONCURRENT, OFFICEOS_LEASE_TTL_MS, OFFICEOS_LOG_LEVEL.`;

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { config: { type: "string", short: "c" }, help: { type: "boolean", short: "h" } },
      strict: true,
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const loaded = loadConfig(args.values.config ?? process.env.OFFICEOS_RUNNER_CONFIG, process.env);
  if (loaded.kind === "error") {
    process.stderr.write(`invalid runner configuration:\n${loaded.message}\n`);
    return 2;
  }
  const cfg = loaded.config;
  // A root runner runs agents as other users: a config they could read (runner key, tool credentials) is refused.
  const mode = configFileCheck(args.values.config ?? process.env.OFFICEOS_RUNNER_CONFIG, process.getuid?.() === 0);
  if (mode.kind === "error") {
    process.stderr.write(`refusing to start: ${mode.message}\n`);
    return 2;
  }
  // Secrets given in the environment are in the config now; nothing started later inherits them.
  // (/proc/<pid>/environ keeps the original block: agents run as another user, who cannot read it.)
  for (const name of SECRET_ENV) delete process.env[name];
  const log = pino({ level: cfg.log_level, base: { runner: cfg.name }, timestamp: pino.stdTimeFunctions.isoTime });
  if (mode.kind === "warn") log.warn(mode.message);
  const runner = new AgentRunner(cfg, log);
  let signalled = false;
  const finished = new Promise<void>((resolve) => {
    for (const sig of ["SIGTERM", "SIGINT"] as const)
      process.on(sig, () => {
        if (signalled) return;
        signalled = true;
        log.info({ signal: sig }, "signal received");
        void runner.drain(`signal ${sig}`).then(resolve);
      });
  });
  await runner.start();
  if (runner.phase.kind === "stopped") return 1;
  await finished;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`officeos-runner crashed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
