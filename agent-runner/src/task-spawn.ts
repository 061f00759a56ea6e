// Starting one task's agent: its task dir and token file, its GPUs, its cgroup, its
// environment, and the isolated process (agent-process.ts). What it took is written into
// `took` as it goes, so the caller gives everything back when a later step fails.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import type { Lease } from "../../src/api/schemas.js";
import { AgentProcess, prepareTaskDir, tokenInEnv } from "./agent-process.js";
import { TaskCgroup, type CgroupSetup } from "./cgroup.js";
import type { RunnerConfig } from "./config.js";
import { gpuEnv, type GpuAllocator, type GpuDevice } from "./gpu.js";
import type { Identity } from "./identity.js";
import type { Isolation } from "./sandbox.js";
import { EGRESS_PORT_IN_SANDBOX, type BwrapPolicy } from "./sandbox-bwrap.js";
import { parseRules } from "./egress-policy.js";
import { EgressProxy, type EgressEvent } from "./egress-proxy.js";
import { mountTaskDisk, type TaskDisk } from "./task-disk.js";

/** A task this runner cannot start with what it has free (GPU fragmentation). */
export class StartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the bwrap sandbox needs from the runner (sandbox-setup.ts). */
export interface TaskSandbox {
  policy: BwrapPolicy;
  /** The runtime API's Unix socket on the host, bound into the sandbox. */
  runtimeSocket: string;
  /** Where the host's NVIDIA device nodes are. */
  gpuDevDir: string;
}

export interface SpawnInputs {
  lease: Lease;
  token: string;
  agent: RunnerConfig["agents"][string];
  runtimeUrl: string;
  workRoot: string;
  runnerName: string;
  identity: Identity | null;
  iso: Isolation;
  sandbox: TaskSandbox | null;
  cgroups: CgroupSetup | undefined;
  pidsMax: number;
  gpus: GpuAllocator | null;
  /** Where disk_mb images go (the runner's state dir; root runners only); null: disk_mb is not enforced. */
  diskDir: string | null;
  /** The agent's egress list and where its decisions go (egress-audit.ts); enforced under bwrap only. */
  egress: { patterns: readonly string[]; record: (e: EgressEvent) => void } | null;
}

export interface Took {
  workDir?: string;
  cgroup?: TaskCgroup;
  egress?: EgressProxy;
  disk?: TaskDisk;
}

/**
 * The agent's proxy variables, both spellings (curl and Python read lower case, others upper). Only the
 * runtime API's 127.0.0.1 bypasses the proxy: every name, `localhost` included, goes through it.
 */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${EGRESS_PORT_IN_SANDBOX}`;
  const none = "127.0.0.1";
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: none, no_proxy: none };
}

/** The NVIDIA nodes every CUDA process opens besides its devices; bound only when they exist. */
const GPU_CONTROL_NODES = ["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"];

/** Device nodes a sandboxed task sees: its own /dev/nvidiaN and the control nodes; none without a GPU. Pure. */
export function gpuNodes(devDir: string, devices: readonly GpuDevice[]): [string, string][] {
  if (devices.length === 0) return [];
  const names = [...devices.map((d) => `nvidia${d.index}`), ...GPU_CONTROL_NODES];
  return names.map((n) => [join(devDir, n), `/dev/${n}`]);
}

/**
 * What of the agent's own program the sandbox must show, read-only: the directory of every absolute
 * path in its configured command that names a file (a script imports its siblings), and its cwd.
 * The operator named them; what is hidden stays hidden (they are bound before the hiding). Pure.
 */
export function agentPaths(
  agent: { command: readonly string[]; cwd?: string | undefined },
  isFile: (p: string) => boolean,
): string[] {
  const out = new Set<string>();
  for (const a of agent.command) if (isAbsolute(a) && isFile(a)) out.add(dirname(a));
  if (agent.cwd) out.add(agent.cwd);
  return [...out].filter((p) => p !== "/").sort();
}

/** The runtime API's URL as the agent sees it: inside the bwrap network namespace, the forwarder's 127.0.0.1. */
export function agentRuntimeUrl(runtimeUrl: string, iso: Isolation): string {
  if (iso.kind !== "bwrap") return runtimeUrl;
  return `http://127.0.0.1:${new URL(runtimeUrl).port}`;
}

export async function spawnTaskAgent(s: SpawnInputs, took: Took): Promise<AgentProcess> {
  const { lease, agent, iso } = s;
  const taskId = lease.task.id;
  const workDir = join(s.workRoot, `${s.runnerName}-${taskId}-${lease.epoch}`);
  took.workDir = workDir;
  const resources = lease.resources ?? {};
  const diskMb = resources.disk_mb ?? 0;
  const { diskDir, identity } = s;
  const mount =
    diskMb > 0 && diskDir
      ? async () => {
          const image = join(diskDir, `disk-${taskId}-${lease.epoch}.img`);
          took.disk = await mountTaskDisk(image, workDir, Math.ceil(diskMb), identity);
        }
      : undefined;
  const tokenFile = await prepareTaskDir(workDir, s.token, s.identity, mount);
  const [agentCmd, ...agentArgs] = agent.command as [string, ...string[]];
  let pinned: Record<string, string> = {};
  let devices: GpuDevice[] = [];
  if (s.gpus && s.gpus.count > 0) {
    const g = s.gpus.allocate(s.token, { gpu: resources.gpu, gpu_memory_mb: resources.gpu_memory_mb });
    if (g.kind !== "ok") throw new StartError("resources_unavailable", `GPUs: ${g.reason}`);
    devices = g.devices;
    pinned = gpuEnv(g.devices);
  }
  if (s.cgroups) {
    const limits = { cpuMillis: resources.cpu, memoryMb: resources.memory_mb, pidsMax: s.pidsMax };
    took.cgroup = await TaskCgroup.create(s.cgroups, `${s.runnerName}-${taskId}-${lease.epoch}`, limits);
  }
  const runtimeUrl = agentRuntimeUrl(s.runtimeUrl, iso);
  // Under bwrap the network namespace has no route out: the task's own proxy is its only way.
  let egressSocket: string | null = null;
  if (s.sandbox && s.egress && iso.kind === "bwrap") {
    const proxy = new EgressProxy({ rules: parseRules(s.egress.patterns), record: s.egress.record });
    // A Unix socket path holds at most 107 bytes: a short name, unique per attempt.
    const tag = createHash("sha256").update(`${taskId}-${lease.epoch}`).digest("hex").slice(0, 12);
    egressSocket = join(dirname(s.sandbox.runtimeSocket), `e-${tag}.sock`);
    await proxy.listen(egressSocket, process.getuid?.() === 0 ? identity : null);
    took.egress = proxy;
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: workDir,
    TMPDIR: workDir,
    LANG: process.env.LANG ?? "C.UTF-8",
    ...agent.env,
    OFFICEOS_RUNTIME_API: runtimeUrl,
    OFFICEOS_TASK_TOKEN_FILE: tokenFile,
    ...(tokenInEnv(s.identity, iso) ? { OFFICEOS_TASK_TOKEN: s.token } : {}),
    OFFICEOS_TASK_ID: taskId,
    OFFICEOS_RUNNER_NAME: s.runnerName,
    OFFICEOS_WATCH_STDIN: "1",
    ...pinned,
    ...(egressSocket ? proxyEnv() : {}),
  };
  return AgentProcess.spawn({
    cmd: agentCmd,
    args: agentArgs,
    cwd: agent.cwd ?? workDir,
    env,
    id: s.identity,
    iso,
    taskRoot: s.workRoot,
    workDir,
    cgroup: took.cgroup ?? null,
    sandbox: s.sandbox && {
      policy: { ...s.sandbox.policy, roPaths: [...s.sandbox.policy.roPaths, ...agentPaths(agent, isFile)] },
      runtimeSocket: s.sandbox.runtimeSocket,
      runtimePort: Number(new URL(runtimeUrl).port),
      egressSocket,
      devices: gpuNodes(s.sandbox.gpuDevDir, devices),
    },
  });
}

export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
