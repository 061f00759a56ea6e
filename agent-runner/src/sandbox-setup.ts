// The runner's sandbox, decided once at start: which isolation works here (sandbox.ts), the
// level it amounts to (what the runner reports and an agent spec may require), the mount policy
// from the config, the start log lines (loud when it falls short), and the `isolation` health check.
import type { Logger } from "pino";
import type { RunnerConfig } from "./config.js";
import type { HealthCheck } from "./health.js";
import { hiddenByPolicy, type BwrapPolicy } from "./sandbox-bwrap.js";
import { describeIsolation, detectIsolation, isolationLevel, type Isolation, type IsolationLevel } from "./sandbox.js";
import { agentPaths, isFile } from "./task-spawn.js";

export interface RunnerSandbox {
  iso: Isolation;
  level: IsolationLevel;
  policy: BwrapPolicy;
  check: () => Promise<HealthCheck>;
}

export function policyOf(cfg: RunnerConfig): BwrapPolicy {
  return {
    roPaths: cfg.sandbox.ro_paths,
    rwPaths: cfg.sandbox.rw_paths,
    tmpMb: cfg.sandbox.tmp_mb,
    hideFiles: cfg.configPath ? [cfg.configPath] : [],
  };
}

export async function setUpSandbox(
  cfg: RunnerConfig,
  root: boolean,
  identity: { describe: string; ownUids: boolean },
  log: Logger,
): Promise<RunnerSandbox> {
  const policy = policyOf(cfg);
  const wanted = cfg.sandbox.mode;
  const iso = await detectIsolation(wanted, root, policy);
  const level = isolationLevel(iso, identity.ownUids);
  const text = describeIsolation(iso);
  log.info(
    { identity: identity.describe, isolation: text, level, sandbox: wanted, kill_grace_ms: cfg.kill_grace_ms },
    "agent isolation",
  );
  if (iso.kind === "none")
    log.warn(
      { reason: iso.reason, level },
      "AGENTS ARE NOT SANDBOXED: no namespaces; they see the host's files, sockets and network, and a sibling sharing their uid could see and signal them",
    );
  else if (iso.kind === "unshare")
    log.warn(
      {
        level,
        why_not_bwrap: wanted === "auto" ? "bwrap did not work here (see the probe above)" : "sandbox: unshare",
      },
      "AGENTS ARE ONLY PARTLY SANDBOXED: a pid namespace, but the host's files, sockets and network are visible",
    );
  if (iso.kind === "bwrap") warnHiddenAgents(cfg, policy, log);
  const check = async (): Promise<HealthCheck> =>
    iso.kind === "none" && (wanted === "unshare" || wanted === "bwrap")
      ? { name: "isolation", ok: false, message: `sandbox ${wanted} required but unusable: ${iso.reason}` }
      : { name: "isolation", ok: true, message: `level ${level}: ${identity.describe}; ${text}` };
  return { iso, level, policy, check };
}

/** One warning per agent whose command or cwd lies where the sandbox hides the host (see hiddenByPolicy). */
export function warnHiddenAgents(cfg: RunnerConfig, policy: BwrapPolicy, log: Pick<Logger, "warn">): void {
  for (const [name, agent] of Object.entries(cfg.agents)) {
    const own = agentPaths(agent, isFile);
    const hidden = hiddenByPolicy(policy, cfg.work_dir, own);
    if (hidden.length > 0)
      log.warn(
        { agent: name, bound: hidden },
        `agent ${name}: ${hidden.join(", ")} lies where the sandbox hides the host (/tmp, /home, /root, /run or the work dir); the agent sees that directory and nothing beside it — name what else it needs (its node_modules, virtualenv, data) in sandbox.ro_paths`,
      );
  }
}
