// Runner configuration: a JSON or YAML file, then environment overrides, then
// flags; validated once at start with strict zod so a typo fails loudly.
import { readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { isIntegerResource, RESOURCE_MAX } from "../../src/api/limits.js";

const ResourceName = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/);
const Name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/);

const AgentCommand = z.strictObject({
  /** argv of the agent process; the first element is looked up on PATH. */
  command: z.array(z.string().min(1)).min(1),
  /** Extra environment for the agent; the runner's own environment is not passed on. */
  env: z.record(z.string(), z.string()).default({}),
  /** Names in `env` whose values are secret: scrubbed from the agent's captured output (docs/logs.md). */
  secret_env: z.array(z.string().min(1)).optional(),
  /** Working directory; default: a fresh directory per task, removed afterwards. */
  cwd: z.string().optional(),
});

/** Compute limits per agent process (see cgroup.ts). */
const LimitsConfig = z.strictObject({
  /** auto: cgroup v2 if usable, else v1, else rlimits with a warning. */
  cgroups: z.enum(["auto", "v2", "v1", "off"]).default("auto"),
  cgroup_root: z.string().default("/sys/fs/cgroup"),
  /** Parent cgroup of this runner's task cgroups. */
  cgroup_parent: Name.default("officeos"),
  /** Process (and thread) limit per agent, so a fork bomb stops there. */
  pids_max: z.number().int().min(16).max(4_194_304).default(512),
});

const LogsConfig = z.strictObject({
  max_lines_per_attempt: z.number().int().min(1).max(100_000).default(10_000),
  max_bytes_per_attempt: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  max_line_bytes: z
    .number()
    .int()
    .min(256)
    .max(16_000)
    .default(8 * 1024),
  flush_ms: z.number().int().min(50).max(10_000).default(500),
});

/** The upstream model API behind the runtime API's /llm/v1/chat/completions. Its key never reaches agents. */
const LlmConfig = z.strictObject({
  /** OpenAI-compatible base URL, e.g. https://api.openai.com/v1 (…/chat/completions is appended). */
  base_url: z.url(),
  api_key: z.string().min(1).optional(),
  default_model: z.string().min(1).optional(),
  /** Reserved (and sent upstream) when a request names no max_tokens. */
  default_max_tokens: z.number().int().min(1).max(1_000_000).default(1024),
  timeout_ms: z.number().int().min(1000).max(600_000).default(120_000),
  /** Accept a reservation that may act this far ahead and wait for it, instead of answering 429 at once. */
  max_wait_ms: z.number().int().min(0).max(60_000).default(0),
  headers: z.record(z.string(), z.string()).default({}),
});

/** A tool endpoint the gateway forwards to; its headers (credentials) are added by the runner and never reach the agent. */
const ToolEndpoint = z.strictObject({
  url: z.url(),
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]).default("POST"),
  headers: z.record(z.string().min(1), z.string()).default({}),
  timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
  max_response_bytes: z
    .number()
    .int()
    .min(1)
    .max(64 * 1024 * 1024)
    .default(8 * 1024 * 1024),
});

const Uid = z.number().int().min(1).max(4_294_967_294);
/**
 * Who agents run as (runner as root): a range to give each running task a uid of its own
 * (gid = uid), or one fixed user for all (a user name from /etc/passwd, or numbers) — then
 * sibling tasks share a uid and can reach each other.
 */
const AgentUser = z.union([
  z.string().min(1).max(64),
  z.strictObject({ uid: Uid, gid: Uid }),
  z.strictObject({
    uid_range: z.tuple([Uid, Uid]).refine(([a, b]) => a <= b, "uid_range is [first, last] with first <= last"),
    /** Host-wide claims, one file per uid in use (shared by every runner on the host). */
    claims_dir: z.string().min(1).optional(),
  }),
]);

export const DEFAULT_UID_RANGE: [number, number] = [61000, 61999];

/** GPUs: discovered with nvidia-smi, or listed here (then nvidia-smi is not run). */
const GpuConfig = z.strictObject({
  discover: z.boolean().default(true),
  nvidia_smi: z.string().min(1).default("nvidia-smi"),
  /** Where the host's NVIDIA device nodes are (nvidiaN, nvidiactl, nvidia-uvm): a sandboxed task sees only its own. */
  dev_dir: z.string().startsWith("/").default("/dev"),
  devices: z
    .array(
      z.strictObject({ index: z.number().int().min(0), uuid: z.string().min(1), memory_mb: z.number().positive() }),
    )
    .optional(),
});

const AbsPath = z
  .string()
  .refine((p) => p.startsWith("/") && p !== "/" && !p.split("/").some((s) => s === "." || s === ".."), {
    message: "an absolute path (not /) without . or .. parts",
  })
  .transform((p) => p.replace(/\/+$/, "").replace(/\/{2,}/g, "/"));
const SandboxConfig = z.strictObject({
  mode: z.enum(["auto", "unshare", "bwrap", "off"]).default("auto"),
  ro_paths: z.array(AbsPath).max(64).default([]),
  rw_paths: z.array(AbsPath).max(64).default([]),
  tmp_mb: z.number().int().min(1).max(65_536).default(64),
});

export const RunnerConfigSchema = z
  .strictObject({
    control_plane: z.strictObject({ url: z.url(), key: z.string().min(1) }),
    name: Name.default(() => hostname().replace(/[^A-Za-z0-9._:-]/g, "-") || "runner"),
    // As the control plane takes them (src/api/schemas.ts Resources): at most 2^53, whole units for cpu, gpu and *_mb.
    capacity: z
      .record(ResourceName, z.number().nonnegative().max(RESOURCE_MAX))
      .superRefine((r, ctx) => {
        for (const [k, v] of Object.entries(r))
          if (isIntegerResource(k) && !Number.isInteger(v))
            ctx.addIssue({ code: "custom", path: [k], message: `${k} is counted in whole units: an integer` });
      })
      .default({ cpu: 1000, memory_mb: 1024 }),
    labels: z.record(z.string().min(1), z.string()).default({}),
    capabilities: z.array(z.string().min(1)).default([]),
    /** Only agents that tolerate every taint may run here (a `pci` runner that runs payment agents and nothing else). */
    taints: z
      .array(z.strictObject({ key: z.string().min(1), value: z.string().optional(), effect: z.literal("NoSchedule") }))
      .default([]),
    agents: z.record(Name, AgentCommand).refine((a) => Object.keys(a).length > 0, "configure at least one agent"),
    max_concurrent: z.number().int().min(1).max(256).default(8),
    lease_ttl_ms: z.number().int().min(1000).max(600_000).default(30_000),
    heartbeat_interval_ms: z.number().int().min(100).optional(),
    lease_wait_ms: z.number().int().min(0).max(25_000).default(20_000),
    drain_timeout_ms: z.number().int().min(0).max(600_000).default(15_000),
    /** Kill an agent silent this long (no runtime API call) unless its task sets timeouts.stall_ms; absent: only tasks that set it. */
    stall_timeout_ms: z.number().int().min(1000).optional(),
    /** The runner's own /healthz and /metrics (Prometheus); off unless a port is given (0 picks one). */
    ops: z.strictObject({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535) }).optional(),
    runtime_api: z
      .strictObject({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535).default(0) })
      .default({ host: "127.0.0.1", port: 0 }),
    work_dir: z.string().default(join(tmpdir(), "officeos-runner")),
    log_level: z.enum(["debug", "info", "warn", "error"]).default("info"),
    limits: LimitsConfig.prefault({}),
    llm: LlmConfig.optional(),
    gpus: GpuConfig.prefault({}),
    /** Tools agents may call through POST /tools/{name}, when their spec allows it. */
    tools: z.record(Name, ToolEndpoint).default({}),
    /**
     * Who agent processes run as when the runner runs as root (default: a uid of its own per task
     * from 61000-61999). Never root: an agent must not read the runner's config, its
     * /proc/<pid>/environ, or another task's token, files or processes.
     */
    agent_user: AgentUser.optional(),
    /** After an outcome is accepted or the task is cancelled: SIGTERM, this long, then SIGKILL of the whole tree. */
    kill_grace_ms: z.number().int().min(0).max(600_000).default(5_000),
    /** The agent's captured stdout and stderr (docs/logs.md): caps per attempt and how often lines are shipped. */
    logs: LogsConfig.prefault({}),
    /**
     * How agent processes are isolated (sandbox.ts, sandbox-bwrap.ts): `mode` auto picks the strongest that
     * works here, unshare/bwrap require it; a bare string is the mode. ro_paths: extra read-only binds
     * (interpreters, virtualenvs, model caches under /opt); rw_paths: writable binds (none by default: the
     * task's dir is the only writable place); tmp_mb: size of each private /tmp, /var/tmp, /dev/shm, whose
     * pages count toward the task's memory_mb.
     */
    sandbox: z.preprocess((v) => (typeof v === "string" ? { mode: v } : v), SandboxConfig).prefault({}),
  })
  .refine((c) => (c.heartbeat_interval_ms ?? 0) < c.lease_ttl_ms, {
    message: "heartbeat_interval_ms must be below lease_ttl_ms",
    path: ["heartbeat_interval_ms"],
  });

export type RunnerConfigInput = z.input<typeof RunnerConfigSchema>;

/** The validated config with every default filled in and durations compiled. */
export interface RunnerConfig extends z.output<typeof RunnerConfigSchema> {
  heartbeatIntervalMs: number;
  /** The file this config came from, hidden from agents by the sandbox. */
  configPath?: string | undefined;
}

/** Environment variables that override the file, and where they go. */
const ENV_OVERRIDES: Record<string, (c: Record<string, unknown>, v: string) => void> = {
  OFFICEOS_URL: (c, v) => (c.control_plane = { ...(c.control_plane as object), url: v }),
  OFFICEOS_RUNNER_KEY: (c, v) => (c.control_plane = { ...(c.control_plane as object), key: v }),
  OFFICEOS_RUNNER_NAME: (c, v) => (c.name = v),
  OFFICEOS_MAX_CONCURRENT: (c, v) => (c.max_concurrent = Number(v)),
  OFFICEOS_LEASE_TTL_MS: (c, v) => (c.lease_ttl_ms = Number(v)),
  OFFICEOS_LOG_LEVEL: (c, v) => (c.log_level = v),
  OFFICEOS_OPS_PORT: (c, v) => (c.ops = { ...(c.ops as object), port: Number(v) }),
  // The upstream key is best kept out of the file; the agent's environment never sees it either way.
  OFFICEOS_LLM_API_KEY: (c, v) => (c.llm = { ...(c.llm as object), api_key: v }),
  OFFICEOS_LLM_BASE_URL: (c, v) => (c.llm = { ...(c.llm as object), base_url: v }),
};

export type ConfigResult = { kind: "ok"; config: RunnerConfig } | { kind: "error"; message: string };

export function parseConfig(raw: unknown, env: Record<string, string | undefined> = {}): ConfigResult {
  const merged: Record<string, unknown> =
    raw && typeof raw === "object" && !Array.isArray(raw) ? { ...(raw as object) } : {};
  for (const [name, apply] of Object.entries(ENV_OVERRIDES)) {
    const v = env[name];
    if (v !== undefined && v !== "") apply(merged, v);
  }
  const r = RunnerConfigSchema.safeParse(merged);
  if (!r.success) return { kind: "error", message: z.prettifyError(r.error) };
  const c = r.data;
  return {
    kind: "ok",
    config: { ...c, heartbeatIntervalMs: c.heartbeat_interval_ms ?? Math.max(100, Math.floor(c.lease_ttl_ms / 3)) },
  };
}

export function loadConfig(path: string | undefined, env: Record<string, string | undefined>): ConfigResult {
  let raw: unknown = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      return { kind: "error", message: `cannot read config ${path}: ${(e as Error).message}` };
    }
    try {
      raw = path.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
    } catch (e) {
      return { kind: "error", message: `cannot parse config ${path}: ${(e as Error).message}` };
    }
  }
  const r = parseConfig(raw, env);
  if (r.kind === "ok" && path) {
    // Relative agent working directories are relative to the config file.
    const base = dirname(resolve(path));
    for (const a of Object.values(r.config.agents)) if (a.cwd) a.cwd = resolve(base, a.cwd);
    r.config.configPath = resolve(path);
  }
  return r;
}
