// What a TaskRun (task-run.ts) is given by its runner: the control plane, the agent's command,
// where its dir goes, and the runner's limits, GPUs, identities, sandbox, egress and disk.
import type { Logger } from "pino";
import type { CgroupSetup } from "./cgroup.js";
import type { RunnerConfig } from "./config.js";
import type { ControlPlane } from "./control.js";
import type { EgressEvent } from "./egress-proxy.js";
import type { GpuAllocator } from "./gpu.js";
import type { Identity } from "./identity.js";
import type { Outcomes } from "./report-batch.js";
import type { Isolation } from "./sandbox.js";
import type { LogLimits } from "./log-capture.js";
import type { LogShipper } from "./log-ship.js";
import type { TaskSandbox } from "./task-spawn.js";

type AgentCommand = RunnerConfig["agents"][string];

export interface TaskRunDeps {
  cp: ControlPlane;
  log: Logger;
  agent: AgentCommand;
  runtimeUrl: string;
  /** This runner's task root (runner-state.ts): each task gets `<workRoot>/<runner name>-<task>-<epoch>`. */
  workRoot: string;
  runnerName: string;
  /** Stall timeout when the task names none; null: no stall detection. */
  defaultStallMs: number | null;
  /** How compute limits are applied on this runner (see cgroup.ts), and the pids limit. */
  cgroups?: CgroupSetup | undefined;
  pidsMax?: number | undefined;
  /** This runner's GPUs; null when it has none. */
  gpus?: GpuAllocator | null | undefined;
  /** Where complete / fail / release go: the runner's batcher (report-batch.ts); the single calls when absent. */
  outcomes?: Outcomes | undefined;
  /** Who the agent runs as (identity.ts); null: the runner's own user (runner not root). */
  identity?: Identity | null | undefined;
  /** Gives the identity back once the process tree is gone (the uid pool cleans it first). */
  releaseIdentity?: ((id: Identity) => Promise<void>) | undefined;
  /** Namespaces for the agent (sandbox.ts); none when absent. */
  isolation?: Isolation | undefined;
  /** SIGTERM → this long → SIGKILL of the whole tree. */
  killGraceMs?: number | undefined;
  /** Refuses this task's token on the runtime API from now on (the runner unregisters it). */
  revoke?: (() => void) | undefined;
  /** Tools the agent's spec allows (the tool gateway checks them). */
  tools?: readonly string[] | undefined;
  /** Where disk_mb images go (task-disk.ts); absent: disk_mb is not enforced. */
  diskDir?: string | null | undefined;
  /** The agent's egress list and the runner's egress audit (egress-audit.ts). */
  egress?: { patterns: readonly string[]; record: (taskId: string, e: EgressEvent) => void } | undefined;
  /** Where the agent's captured output goes (log-ship.ts), the runner's own secrets to scrub from it, the caps. */
  logs?: { shipper: LogShipper; secrets: readonly string[]; limits: LogLimits } | undefined;
  /** The bwrap sandbox's policy and runtime socket (when the isolation is bwrap). */
  sandbox?: TaskSandbox | null | undefined;
}
