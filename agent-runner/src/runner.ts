// The runner: registers with the control plane, long-polls for leases, runs
// each task's agent as a child process, heartbeats all its leases in one call
// on its own timer, and drains on request.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Lease } from "../../src/api/schemas.js";
import type { RunnerConfig } from "./config.js";
import { ControlPlane } from "./control.js";
import { checkHealth, resolveCommand, type CheckProvider, type RunnerHealth } from "./health.js";
import { OpsServer, RunnerMetrics } from "./ops.js";
import { RuntimeApi } from "./runtime-api.js";
import { RuntimeDenials } from "./runtime-denials.js";
import { StartError, TaskRun } from "./task-run.js";
import { resolveAgentUser } from "./agent-user.js";
import { AgentIdentities } from "./identity.js";
import type { Isolation } from "./sandbox.js";
import { ISOLATION_LABEL } from "../../src/scheduler/fit.js";
import { setUpSandbox, type RunnerSandbox } from "./sandbox-setup.js";
import {
  ensureDir,
  readPredecessor,
  removePidFile,
  removeTaskDir,
  runnerPaths,
  staleTaskDirs,
  writePidFile,
  type RunnerPaths,
} from "./runner-state.js";
import { emptyDirAs } from "./uid-claims.js";
import { ToolGateway } from "./tools.js";
import { EgressAudit, type EgressSend } from "./egress-audit.js";
import { detectCgroups, sweepOwned, sweepStale, type CgroupSetup } from "./cgroup.js";
import { discoverGpus, GpuAllocator } from "./gpu.js";
import { LlmGateway } from "./llm-gateway.js";
import { OutcomeBatcher } from "./report-batch.js";
import type { LogShipper } from "./log-ship.js";
import { logLimits, runnerLogShipper, runnerSecrets } from "./runner-logs.js";

export type RunnerPhase =
  | { kind: "starting" }
  | { kind: "ready"; runnerId: string }
  | { kind: "draining"; runnerId: string }
  | { kind: "stopped"; reason: string };

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });

export class AgentRunner {
  phase: RunnerPhase = { kind: "starting" };
  private readonly cp: ControlPlane;
  private readonly api = new RuntimeApi();
  private readonly runs = new Map<string, TaskRun>();
  private readonly stop = new AbortController();
  private runtimeUrl = "";
  private runnerId = "";
  private slotFreed: (() => void) | null = null;
  private loops: Promise<void>[] = [];
  readonly metrics = new RunnerMetrics();
  private ops: OpsServer | null = null;
  opsUrl: string | null = null;
  private health: RunnerHealth | null = null;
  private healthAt = 0;
  private lastContactAt: number | null = null;
  /** Checks other parts of the runner add to its self-check (cgroups, GPUs). */
  readonly healthChecks: CheckProvider[] = [];
  private cgroups: CgroupSetup | undefined;
  private gpus: GpuAllocator | null = null;
  /** Outcomes within a few ms of each other leave in one report call. */
  private readonly outcomes: OutcomeBatcher;
  private identities: AgentIdentities | null = null;
  private isolation: Isolation = { kind: "none", reason: "not detected yet" };
  private sandbox: RunnerSandbox | null = null;
  /** Egress decisions of every task, sent with the heartbeat's cadence (egress-audit.ts). */
  private readonly egressAudit: EgressAudit;
  /** Every attempt's captured stdout and stderr, shipped in logs-only heartbeats (log-ship.ts). */
  private readonly logShip: LogShipper;
  private readonly paths: RunnerPaths;
  /** Whether a dead predecessor with our name left state to sweep (runner-state.ts). */
  private predecessorDead = false;

  constructor(
    private readonly cfg: RunnerConfig,
    private readonly log: Logger,
  ) {
    this.cp = new ControlPlane(cfg.control_plane.url, cfg.control_plane.key);
    this.api.llm = new LlmGateway(cfg.llm, this.cp, log);
    this.api.denials = new RuntimeDenials((task, details) => this.cp.reportRuntimeDenied(task, details), { log });
    this.outcomes = new OutcomeBatcher(this.cp, () => this.runnerId);
    this.api.tools = new ToolGateway(cfg.tools, this.cp, log);
    const send: EgressSend = (type, task, details) => this.cp.reportEgress(type, task, details);
    this.egressAudit = new EgressAudit(send, cfg.heartbeatIntervalMs, log);
    this.logShip = runnerLogShipper(this.cp, () => this.runnerId, cfg, log);
    this.paths = runnerPaths(cfg.work_dir, cfg.name);
  }

  get id(): string {
    return this.runnerId;
  }

  async start(): Promise<void> {
    const root = process.getuid?.() === 0;
    const who = resolveAgentUser(this.cfg.agent_user, process.getuid?.() ?? -1);
    if (who.kind === "error") return this.refuseStart(who.message);
    // Every agent starts through setpriv (no_new_privs; as root, the drop to its uid).
    if ((await resolveCommand("setpriv")) === null)
      return this.refuseStart(
        "setpriv (util-linux) is not on PATH: it is needed to start agents with no_new_privs and their own uid",
      );
    for (const w of who.warnings) this.log.warn(w);
    try {
      await this.claimPlaces();
      this.identities = new AgentIdentities(who.plan, this.log);
      await this.identities.init();
    } catch (e) {
      return this.refuseStart((e as Error).message);
    }
    const ids = this.identities;
    const sb = await setUpSandbox(
      this.cfg,
      root,
      { describe: ids.describe(), ownUids: ids.plan.kind === "pool" },
      this.log,
    );
    this.sandbox = sb;
    this.isolation = sb.iso;
    this.healthChecks.push(sb.check);
    await this.setUpLimits();
    await this.sweepTaskDirs();
    this.runtimeUrl = await this.api.listen(this.cfg.runtime_api.host, this.cfg.runtime_api.port);
    if (this.isolation.kind === "bwrap") await this.api.listenUnix(join(this.paths.stateDir, "runtime.sock"));
    if (this.cfg.ops) {
      this.metrics.collectProcessMetrics();
      this.ops = new OpsServer(this.metrics, () => ({
        phase: this.phase.kind,
        runnerId: this.runnerId,
        sinceContactMs: this.lastContactAt === null ? null : Date.now() - this.lastContactAt,
        contactLimitMs: this.cfg.lease_ttl_ms,
        health: this.health,
      }));
      this.opsUrl = await this.ops.listen(this.cfg.ops.host, this.cfg.ops.port);
      this.log.info(
        { ops: this.opsUrl, probes: ["/livez", "/healthz", "/readyz"] },
        "ops endpoint up (/healthz /readyz /metrics)",
      );
    }
    await this.refreshHealth(true);
    await this.register();
    if (this.stop.signal.aborted) return;
    this.loops = [this.leaseLoop(), this.heartbeatLoop()];
  }

  /** cgroups (or rlimits, loudly) for agent processes; GPUs discovered and added to the capacity. */
  private async setUpLimits(): Promise<void> {
    const l = this.cfg.limits;
    this.cgroups = await detectCgroups({ mode: l.cgroups, root: l.cgroup_root, name: l.cgroup_parent });
    if (this.cgroups.mode === "rlimit")
      this.log.warn(
        { reason: this.cgroups.reason },
        "NO CGROUPS: agent CPU and memory are NOT limited on this runner; only rlimits (process count, data size) apply. Run as root on a host with cgroup v2 or v1 to enforce limits.",
      );
    else {
      // A dead predecessor's task cgroups (checked by its pid file) are killed and removed; otherwise only empty ones go.
      const prefix = `${this.cfg.name}-task_`;
      const swept = this.predecessorDead
        ? await sweepOwned(this.cgroups, prefix)
        : await sweepStale(this.cgroups, prefix);
      this.log.info(
        { mode: this.cgroups.mode, pids_max: l.pids_max, stale_cgroups_removed: swept },
        "compute limits through cgroups",
      );
    }
    const found = await discoverGpus(this.cfg.gpus);
    if (found.kind === "ok" && found.devices.length > 0) {
      this.gpus = new GpuAllocator(found.devices);
      this.log.info({ source: found.source, devices: found.devices }, "GPUs found");
    } else if (found.kind === "none") this.log.debug({ reason: found.reason }, "no GPUs");
    // Readiness: limits asked for must be enforceable, and GPUs promised in the config must be there.
    const setup = this.cgroups;
    this.healthChecks.push(async () => {
      if (setup.mode === "rlimit")
        return l.cgroups === "auto" || l.cgroups === "off"
          ? { name: "cgroups", ok: true, message: `rlimits only: ${setup.reason}` }
          : { name: "cgroups", ok: false, message: `cgroup ${l.cgroups} required but unusable: ${setup.reason}` };
      const dirs = setup.mode === "cgroup-v2" ? [setup.parent] : Object.values(setup.parents);
      for (const d of dirs) {
        try {
          await access(d, constants.W_OK);
        } catch (e) {
          return { name: "cgroups", ok: false, message: `${d} not writable: ${(e as Error).message}` };
        }
      }
      return { name: "cgroups", ok: true, message: setup.mode };
    });
    const promised = this.cfg.capacity.gpu ?? 0;
    this.healthChecks.push(async () => {
      const seen = this.gpus?.capacity().gpu ?? 0;
      return seen >= promised
        ? { name: "gpus", ok: true, message: `${seen} seen` }
        : { name: "gpus", ok: false, message: `capacity promises ${promised} GPUs, ${seen} seen` };
    });
  }

  private refuseStart(message: string): void {
    this.log.error({ err: message }, "cannot start agents safely");
    this.phase = { kind: "stopped", reason: message };
    this.stop.abort();
  }

  /**
   * The work root (0711: agents may enter their own dir, not list others), this
   * runner's task root, its private state dir (0700) and pid file (0600). A live
   * runner with our name and work_dir already holds them: refuse.
   */
  private async claimPlaces(): Promise<void> {
    const p = this.paths;
    await ensureDir(this.cfg.work_dir, 0o711, true);
    await ensureDir(join(this.cfg.work_dir, ".state"), 0o700);
    await ensureDir(p.stateDir, 0o700);
    const before = await readPredecessor(p.pidFile);
    if (before.kind === "alive")
      throw new Error(
        `another runner named ${this.cfg.name} is running with work_dir ${this.cfg.work_dir} (pid ${before.pid})`,
      );
    this.predecessorDead = before.kind === "dead";
    if (this.predecessorDead)
      this.log.warn(
        { pid: before.kind === "dead" ? before.pid : null },
        "a previous runner with this name died without cleaning up; sweeping what it left",
      );
    await writePidFile(p.pidFile);
  }

  /** Task dirs under our own task root are all stale at start (no task of ours runs yet). */
  private async sweepTaskDirs(): Promise<void> {
    let n = 0;
    for (const d of await staleTaskDirs(this.paths)) if (await removeTaskDir(d, emptyDirAs)) n++;
    if (n > 0) this.log.info({ removed: n }, "stale task dirs removed");
  }

  private async register(): Promise<void> {
    for (let i = 0; !this.stop.signal.aborted; i++) {
      const r = await this.cp.register({
        name: this.cfg.name,
        // Discovered GPUs are advertised unless the config states them itself.
        capacity: { ...(this.gpus?.capacity() ?? {}), ...this.cfg.capacity },
        // The level it achieves, not one it is configured to claim: placement honours an agent's minimum.
        labels: { ...this.cfg.labels, [ISOLATION_LABEL]: this.sandbox?.level ?? "none" },
        capabilities: this.cfg.capabilities,
        taints: this.cfg.taints,
        agents: Object.keys(this.cfg.agents).sort(),
        lease_ttl_ms: this.cfg.lease_ttl_ms,
        host: hostname().slice(0, 128) || "localhost",
        ...(this.health ? { health: this.health } : {}),
      });
      if (r.kind === "ok") {
        this.runnerId = r.value.runner.id;
        this.lastContactAt = Date.now();
        this.phase = { kind: "ready", runnerId: this.runnerId };
        this.log.info(
          { runner_id: this.runnerId, runtime_api: this.runtimeUrl, agents: Object.keys(this.cfg.agents) },
          "runner ready",
        );
        return;
      }
      if (r.kind === "http" && (r.status === 401 || r.status === 403 || r.status === 400)) {
        this.log.error({ status: r.status, code: r.code, message: r.message }, "registration refused");
        this.phase = { kind: "stopped", reason: `registration refused: ${r.message}` };
        this.stop.abort();
        return;
      }
      const wait = Math.min(10_000, 250 * 2 ** i);
      this.log.warn({ err: r.kind === "network" ? r.message : r.message, retry_in_ms: wait }, "registration failed");
      await sleep(wait, this.stop.signal);
    }
  }

  private async leaseLoop(): Promise<void> {
    let failures = 0;
    let reenrolled = false;
    while (!this.stop.signal.aborted) {
      const free = this.cfg.max_concurrent - this.runs.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
          this.stop.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        continue;
      }
      const r = await this.cp.lease(this.runnerId, free, this.cfg.lease_wait_ms, this.stop.signal);
      if (this.stop.signal.aborted) {
        // A lease granted as we stopped is not run; it expires and requeues.
        if (r.kind === "ok") for (const l of r.value.leases) void this.cp.release(l.task.id, l.epoch);
        break;
      }
      if (r.kind === "ok") {
        failures = 0;
        reenrolled = false;
        this.lastContactAt = Date.now();
        this.metrics.polls.inc({ result: r.value.leases.length > 0 ? "leased" : "empty" });
        for (const lease of r.value.leases) await this.startTask(lease);
        continue;
      }
      this.metrics.polls.inc({ result: "error" });
      failures++;
      // The credential registration issued was revoked (by an admin, or because the control plane
      // pruned this runner after a long silence): enrol again with the configured key, once.
      if (r.kind === "http" && r.status === 401 && this.cp.hasIssuedCredential() && !reenrolled) {
        this.log.warn(
          { runner_id: this.runnerId, message: r.message },
          "runner credential refused; registering again with the configured key",
        );
        reenrolled = true;
        await this.register();
        continue;
      }
      if (r.kind === "http" && (r.status === 401 || r.status === 403)) {
        this.log.error({ status: r.status, message: r.message }, "lease refused; stopping");
        void this.drain("credentials refused");
        return;
      }
      if (r.kind === "http" && r.status === 404) {
        this.log.warn("control plane does not know this runner; registering again");
        await this.register();
        continue;
      }
      if (r.kind === "http" && r.status === 409) break; // draining
      const wait = Math.min(10_000, 250 * 2 ** Math.min(failures, 6));
      this.log.warn({ err: r.message, retry_in_ms: wait }, "lease failed");
      await sleep(wait, this.stop.signal);
    }
  }

  private async startTask(lease: Lease): Promise<void> {
    const log = this.log.child({ task_id: lease.task.id, epoch: lease.epoch, agent: lease.task.agent });
    const agent = this.cfg.agents[lease.task.agent];
    if (!agent) {
      log.error("no command configured for this agent");
      await this.outcomes.fail(
        lease.task.id,
        lease.epoch,
        {
          code: "agent_not_configured",
          message: `runner ${this.cfg.name} has no command for agent ${lease.task.agent}`,
        },
        true,
      );
      return;
    }
    // The agent's allowed tools, read fresh for each task (a policy change applies to the next task).
    const spec = await this.cp.agent(lease.task.agent);
    const tools = spec.kind === "ok" ? (spec.value.tools ?? []) : [];
    const egress = { patterns: spec.kind === "ok" ? (spec.value.egress ?? []) : [], record: this.egressAudit.record };
    if (spec.kind !== "ok") log.warn({ err: spec.message }, "could not read the agent's spec: no tools for this task");
    const identities = this.identities as AgentIdentities;
    const identity = process.getuid?.() === 0 ? await identities.acquire(`${lease.task.id}-${lease.epoch}`) : null;
    if (process.getuid?.() === 0 && !identity) {
      log.error("no free uid in agent_user.uid_range");
      await this.outcomes.fail(
        lease.task.id,
        lease.epoch,
        { code: "resources_unavailable", message: `runner ${this.cfg.name} has no free agent uid` },
        true,
      );
      return;
    }
    let run: TaskRun | null = null;
    run = new TaskRun(lease, {
      identity,
      releaseIdentity: (id) => identities.release(id),
      isolation: this.isolation,
      egress,
      diskDir: process.getuid?.() === 0 ? this.paths.stateDir : null,
      sandbox: this.sandbox && {
        policy: this.sandbox.policy,
        runtimeSocket: join(this.paths.stateDir, "runtime.sock"),
        gpuDevDir: this.cfg.gpus.dev_dir,
      },
      killGraceMs: this.cfg.kill_grace_ms,
      revoke: () => run && this.api.unregister(run.token),
      tools,
      cp: this.cp,
      log,
      agent,
      runtimeUrl: this.runtimeUrl,
      workRoot: this.paths.taskRoot,
      runnerName: this.cfg.name,
      defaultStallMs: this.cfg.stall_timeout_ms ?? null,
      cgroups: this.cgroups,
      pidsMax: this.cfg.limits.pids_max,
      gpus: this.gpus,
      outcomes: this.outcomes,
      logs: { shipper: this.logShip, secrets: runnerSecrets(this.cfg, this.cp), limits: logLimits(this.cfg) },
    });
    this.runs.set(run.taskId, run);
    this.api.register(run.token, run);
    this.metrics.started.inc({ agent: lease.task.agent });
    this.metrics.running.inc();
    void run.done.then(() => {
      this.metrics.running.dec();
      this.metrics.ended.inc({ agent: lease.task.agent, outcome: run.outcome });
      this.api.unregister(run.token);
      this.cp.forgetLease(run.taskId, run.epoch);
      if (this.runs.get(run.taskId) === run) this.runs.delete(run.taskId);
      // Only now: the process tree is gone, the cgroup removed and the uid cleaned (task-run.ts cleanUp).
      log.info({ outcome: run.outcome, running: this.runs.size }, "slot freed");
      this.slotFreed?.();
      this.slotFreed = null;
    });
    try {
      await run.start();
    } catch (e) {
      log.error({ err: (e as Error).message }, "agent failed to start");
      await this.outcomes.fail(
        run.taskId,
        run.epoch,
        { code: e instanceof StartError ? e.code : "agent_start_failed", message: (e as Error).message },
        true,
      );
    }
  }

  private async heartbeatLoop(): Promise<void> {
    // Runs until the runner stops, drain included: leases must stay alive while agents wind down.
    while (this.phase.kind !== "stopped") {
      const leases = [...this.runs.values()].map((r) => ({ task_id: r.taskId, epoch: r.epoch }));
      await this.refreshHealth();
      const r = await this.cp.heartbeat(this.runnerId, leases, this.health ?? undefined);
      this.metrics.heartbeats.inc({ result: r.kind === "ok" ? "ok" : "error" });
      if (r.kind === "ok") {
        this.lastContactAt = Date.now();
        for (const id of r.value.cancel) this.runs.get(id)?.stop("cancel");
        // Preempted: the agent gets SIGTERM, lets an in-flight checkpoint land, and the lease is released uncharged.
        for (const id of r.value.preempt) {
          this.log.info({ task_id: id }, "preempt requested");
          this.runs.get(id)?.drain();
        }
      } else this.log.warn({ err: r.message }, "heartbeat failed");
      await sleep(this.cfg.heartbeatIntervalMs, this.heartbeatStop.signal);
    }
  }

  private readonly heartbeatStop = new AbortController();

  /** Re-runs the self-check at most every 15 s (each heartbeat carries the latest). */
  private async refreshHealth(force = false): Promise<void> {
    if (!force && Date.now() - this.healthAt < 15_000) return;
    this.healthAt = Date.now();
    const h = await checkHealth(this.cfg, this.healthChecks);
    if (this.health?.ready !== h.ready)
      (h.ready ? this.log.info : this.log.warn).call(
        this.log,
        { checks: h.checks },
        h.ready ? "self-check passes" : "self-check fails: not ready for work",
      );
    this.health = h;
    this.metrics.ready.set(h.ready ? 1 : 0);
  }

  /** Stop leasing, let agents checkpoint and exit, release what did not finish. */
  async drain(reason = "drain requested"): Promise<void> {
    if (this.phase.kind === "draining" || this.phase.kind === "stopped") return;
    this.phase = { kind: "draining", runnerId: this.runnerId };
    this.log.info({ reason, running: this.runs.size }, "draining");
    this.stop.abort();
    if (this.runnerId) await this.cp.drain(this.runnerId);
    const runs = [...this.runs.values()];
    for (const run of runs) run.drain();
    const all = Promise.all(runs.map((r) => r.done));
    const timedOut = await Promise.race([all.then(() => false), sleep(this.cfg.drain_timeout_ms).then(() => true)]);
    if (timedOut) {
      this.log.warn({ still_running: this.runs.size }, "drain timeout; killing agents");
      for (const run of runs) run.kill();
      await all;
    }
    this.phase = { kind: "stopped", reason };
    this.heartbeatStop.abort();
    await Promise.all(this.loops);
    // After the last heartbeat: the row shows `stopped`, not `draining` until it is pruned.
    if (this.runnerId) {
      const s = await this.cp.stopped(this.runnerId);
      if (s.kind !== "ok") this.log.warn({ err: s.message }, "could not mark the runner stopped");
    }
    await this.api.close();
    await this.egressAudit.close();
    await this.logShip.close();
    await this.ops?.close();
    await this.identities?.releaseAll().catch(() => undefined);
    await removePidFile(this.paths);
    this.log.info({ reason }, "runner stopped");
  }
}
