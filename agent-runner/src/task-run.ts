// One leased task on this runner: its agent process, its runtime-API token,
// and the report to the control plane when it ends. A task ends exactly one
// way: the agent reports a result or an error, it is cancelled (the control
// plane said so), released (drain), suspended at an approval gate, killed for
// stalling (no sign of life within its stall timeout), or its process exits
// without a word (reported as a retryable failure). Its lifetime is one state
// union with pure transitions (task-state.ts); once the outcome is accepted or
// the task is cancelled its token is refused at once and its whole process
// tree ends (SIGTERM, kill_grace_ms, SIGKILL); `done` — and so the runner's
// slot — settles only when the tree is gone and its uid cleaned (identity.ts).
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import type { Logger } from "pino";
import { encodeDelta, encodeState } from "../../src/checkpoint/codec.js";
import { diffState } from "../../src/checkpoint/delta.js";
import type { AgentStateJson, Lease } from "../../src/api/schemas.js";
import type { CallResult } from "./control.js";
import type { Outcomes } from "./report-batch.js";
import type { RuntimeReply, TaskHandle } from "./runtime-api.js";
import { forwardThreads } from "./threads-proxy.js";
import type { TaskCgroup, TaskUsage } from "./cgroup.js";
import type { Isolation } from "./sandbox.js";
import type { ToolCaller } from "./tools.js";
import { AgentProcess, removeWorkDir } from "./agent-process.js";
import { afterLlmRefusal, exitReport, sendWithRetries, taskInfo } from "./task-exit.js";
import type { LlmTask } from "./llm-proxy.js";
import type { EgressProxy } from "./egress-proxy.js";
import { diskFull, unmountTaskDisk, type TaskDisk } from "./task-disk.js";
import { spawnTaskAgent, type Took } from "./task-spawn.js";
export { StartError } from "./task-spawn.js";
import { next, tokenValid, type StopReason, type TaskEvent, type TaskState } from "./task-state.js";
import type { TaskRunDeps } from "./task-deps.js";
import { AttemptLog } from "./log-capture.js";
import { Scrubber, secretEnvValues } from "./log-scrub.js";

export type { StopReason, TaskRunDeps };

const DEFAULT_KILL_GRACE_MS = 5_000;
/** After an approval suspends the task, how long the agent has to exit by itself before SIGTERM. */
const SUSPEND_GRACE_MS = 2_000;
const REPORT_TRIES = 5;

export class TaskRun implements TaskHandle {
  readonly token = randomBytes(32).toString("hex");
  readonly taskId: string;
  readonly epoch: number;
  private proc: AgentProcess | null = null;
  private state: TaskState = { kind: "starting" };
  private workDir: string | null = null;
  private lastProgressAt = Date.now();
  /** The last state the control plane holds for this instance, for deltas. */
  private last: { seq: number; state: AgentStateJson } | null;
  private cgroup: TaskCgroup | null = null;
  private egress: EgressProxy | null = null;
  private disk: TaskDisk | null = null;
  private resolveDone!: () => void;
  private stallTimer: ReturnType<typeof setInterval> | null = null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  /** An outcome report in flight: the exit waits for it before deciding what to report. */
  private reporting: Promise<void> | null = null;
  /** The agent's own output, scrubbed and capped (log-capture.ts); shipped by the runner's LogShipper. */
  private readonly scrubber: Scrubber;
  readonly output: AttemptLog;
  /** Settles when the whole process tree is gone, the outcome reported and the identity given back. */
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    private readonly lease: Lease,
    private readonly deps: TaskRunDeps,
  ) {
    this.taskId = lease.task.id;
    this.epoch = lease.epoch;
    this.last = lease.checkpoint ? { seq: lease.checkpoint.seq, state: lease.checkpoint.state } : null;
    const agent = deps.agent;
    this.scrubber = new Scrubber([
      this.token,
      ...(deps.logs?.secrets ?? []),
      ...secretEnvValues(agent.env ?? {}, agent.secret_env ?? []),
    ]);
    this.output = new AttemptLog(this.scrubber, deps.logs?.limits);
    deps.logs?.shipper.add(this.taskId, this.epoch, lease.task.instance, lease.task.attempts, this.output);
  }

  /** Sends the captured lines now: before an outcome, so a reader that sees the task end has its last lines. */
  private async flushLogs(): Promise<void> {
    await this.deps.logs?.shipper.flush().catch(() => undefined);
  }

  get log(): Logger {
    return this.deps.log;
  }

  /** The state union (task-state.ts), for tests and metrics. */
  get current(): TaskState {
    return this.state;
  }

  /** Host pid of the process the runner spawned (the isolation wrapper). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<void> {
    try {
      await this.spawnAgent();
      this.apply({ kind: "started" });
    } catch (e) {
      // Nothing runs: give back what was taken, and let the runner free the slot.
      if (!this.proc) {
        this.apply({ kind: "stop", reason: "start_failed" });
        this.apply({ kind: "exited" });
        await this.cleanUp();
      }
      throw e;
    }
  }

  private get iso(): Isolation {
    return this.deps.isolation ?? { kind: "none", reason: "not configured" };
  }

  private async spawnAgent(): Promise<void> {
    const d = this.deps;
    const took: Took = {};
    try {
      this.proc = await spawnTaskAgent(
        {
          lease: this.lease,
          token: this.token,
          agent: d.agent,
          runtimeUrl: d.runtimeUrl,
          workRoot: d.workRoot,
          runnerName: d.runnerName,
          identity: d.identity ?? null,
          iso: this.iso,
          sandbox: d.sandbox ?? null,
          cgroups: d.cgroups,
          pidsMax: d.pidsMax ?? 512,
          gpus: d.gpus ?? null,
          diskDir: d.diskDir ?? null,
          egress: d.egress ? { patterns: d.egress.patterns, record: (e) => d.egress?.record(this.taskId, e) } : null,
        },
        took,
      );
    } finally {
      this.workDir = took.workDir ?? null;
      this.cgroup = took.cgroup ?? null;
      this.egress = took.egress ?? null;
      this.disk = took.disk ?? null;
    }
    const proc = this.proc;
    const id = d.identity ?? null;
    const child = proc.child;
    const captured = this.output;
    for (const [stream, name] of [
      [child.stdout, "stdout"],
      [child.stderr, "stderr"],
    ] as const) {
      if (stream)
        createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
          captured.push(name, line, Date.now());
          d.logs?.shipper.poke();
          this.log.info({ stream: name, line: this.scrubber.scrub(line.slice(0, 4096)) }, "agent output");
        });
    }
    child.once("error", (e) => this.log.error({ err: e.message }, "agent process error"));
    child.once("close", (code, signal) => void this.onExit(code, signal));
    const stallMs = this.lease.task.timeouts?.stall_ms ?? this.deps.defaultStallMs;
    if (stallMs !== null) {
      this.stallTimer = setInterval(
        () => this.checkStall(stallMs),
        Math.min(1000, Math.max(100, Math.floor(stallMs / 4))),
      );
      this.stallTimer.unref();
    }
    if (this.lease.checkpoint?.broken)
      this.log.warn(
        { broken: this.lease.checkpoint.broken, resume_seq: this.lease.checkpoint.seq },
        "checkpoint record lost; resuming from the newest intact one",
      );
    this.log.info(
      {
        pid: child.pid,
        uid: id?.uid ?? null,
        own_uid: id?.own ?? false,
        isolation: this.iso.kind,
        attempt: this.lease.task.attempts,
        resume_seq: this.lease.checkpoint?.seq ?? null,
      },
      "task started",
    );
  }

  // ---- state ---------------------------------------------------------------------

  /** Applies a transition (task-state.ts) and carries out its effects: refuse the token, signal the tree. */
  private apply(e: TaskEvent): boolean {
    const t = next(this.state, e);
    this.state = t.state;
    if (t.effects.revoke) this.deps.revoke?.();
    const grace = this.deps.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
    switch (t.effects.signal) {
      case "term":
        void this.signal("SIGTERM");
        break;
      case "term_then_kill":
        void this.signal("SIGTERM");
        this.later(grace, () => void this.signal("SIGKILL"));
        break;
      case "term_later":
        this.later(SUSPEND_GRACE_MS, () => {
          void this.signal("SIGTERM");
          this.later(grace, () => void this.signal("SIGKILL"));
        });
        break;
      case "kill":
        void this.signal("SIGKILL");
        break;
      case "none":
        break;
    }
    return !t.ignored;
  }

  private later(ms: number, f: () => void): void {
    const t = setTimeout(() => (this.timers.delete(t), f()), ms);
    t.unref();
    this.timers.add(t);
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.proc || this.state.kind === "done") return;
    if (sig === "SIGKILL") this.log.warn({ state: this.state.kind }, "killing the agent's process tree");
    await this.proc.signal(sig).catch((e: Error) => this.log.warn({ err: e.message }, "signalling the agent failed"));
  }

  // ---- runtime API -----------------------------------------------------------

  info(): unknown {
    return taskInfo(this.lease);
  }

  /**
   * The agent hands over its whole state; what goes to the control plane is a
   * delta on the last checkpoint when the new state extends it, else the whole.
   */
  async checkpoint(state: AgentStateJson): Promise<RuntimeReply> {
    if (!tokenValid(this.state)) return gone();
    const cp = this.deps.cp;
    const delta = this.last ? diffState(this.last.state, state, this.last.seq) : null;
    let r = delta ? await cp.checkpoint(this.taskId, this.epoch, "delta", encodeDelta(delta)) : null;
    // No base, not an extension, or the base moved on (409 conflict): send it whole.
    if (!r || (r.kind === "http" && r.status === 409 && r.code === "conflict"))
      r = await cp.checkpoint(this.taskId, this.epoch, "full", encodeState(state));
    if (r.kind === "ok") {
      this.lastProgressAt = Date.now();
      this.last = { seq: r.value.seq, state };
      return { status: 200, body: { seq: r.value.seq } };
    }
    return this.refused(r);
  }

  progress(): RuntimeReply {
    this.lastProgressAt = Date.now();
    return { status: 200, body: { ok: true } };
  }

  touch(): void {
    this.lastProgressAt = Date.now();
  }

  /**
   * The agent stops at a gate. A decision the lease already carries, or one the
   * control plane has, comes back at once (200). Otherwise the task now waits
   * for a person: the lease is over, the agent is told it is suspended (202)
   * and must exit; it resumes at this gate, from its last checkpoint, when
   * someone answers.
   */
  async approval(gate: string, message: string | undefined, details: unknown): Promise<RuntimeReply> {
    if (this.state.kind !== "running") return gone();
    const known = this.lease.task.approvals?.[gate];
    if (known) return { status: 200, body: { gate, ...known } };
    const r = await this.deps.cp.requestApproval(this.taskId, this.epoch, gate, message, details);
    if (r.kind !== "ok") return this.refused(r);
    if (r.value.state === "decided" && r.value.decision) return { status: 200, body: { gate, ...r.value.decision } };
    this.log.info({ gate }, "task suspended at an approval gate");
    this.apply({ kind: "stop", reason: "suspended" });
    return { status: 202, body: { gate, status: "suspended" } };
  }

  private checkStall(stallMs: number): void {
    if (this.state.kind !== "running" || this.millisSinceProgress < stallMs) return;
    this.log.warn({ stall_ms: stallMs, silent_ms: this.millisSinceProgress }, "agent stalled; killing it");
    this.apply({ kind: "stop", reason: "stalled" });
  }

  async result(result: unknown): Promise<RuntimeReply> {
    const usage = await this.usage();
    await this.flushLogs();
    return this.report(() => this.outcomes.complete(this.taskId, this.epoch, result, usage), "completed");
  }

  async error(given: { code: string; message: string }, retryable: boolean): Promise<RuntimeReply> {
    const usage = await this.usage();
    await this.flushLogs();
    const f = afterLlmRefusal(given, retryable, this.llmNotConfigured);
    return this.report(() => this.outcomes.fail(this.taskId, this.epoch, f.error, f.retryable, usage), "failed");
  }

  /** The LLM gateway answered llm_not_configured to this attempt: its failure is reported so (task-exit.ts). */
  private llmNotConfigured = false;

  /** CPU time and peak memory so far, by the cgroup's own accounting. */
  private async usage(): Promise<TaskUsage | undefined> {
    return this.cgroup ? await this.cgroup.usage().catch(() => undefined) : undefined;
  }

  private get outcomes(): Outcomes {
    return this.deps.outcomes ?? this.deps.cp;
  }

  toolCaller(): ToolCaller {
    return { taskId: this.taskId, agent: this.lease.task.agent, allowed: this.deps.tools ?? [] };
  }

  /** The task and attempt this process runs for (the LLM gateway reserves quota with it). */
  identity(): LlmTask {
    const noteRefusal = (): void => void (this.llmNotConfigured = true);
    return { taskId: this.taskId, epoch: this.epoch, agent: this.lease.task.agent, noteRefusal };
  }

  async threads(method: string, pathAndQuery: string, body: Uint8Array | undefined): Promise<RuntimeReply> {
    if (!tokenValid(this.state)) return gone();
    const r = await forwardThreads(this.deps.cp, this.taskId, this.epoch, method, pathAndQuery, body);
    if (r.kind === "ok") return ((this.lastProgressAt = Date.now()), { status: 200, body: r.value });
    // 409: a newer lease holds the task (or wrote the thread); 404 here is only a missing checkpoint.
    if (r.kind === "network" || r.status === 409) return this.refused(r);
    return { status: r.status, body: { error: { code: r.code, message: r.message } } };
  }

  // ---- control -----------------------------------------------------------------

  /** The control plane no longer wants this attempt: cancelled, or the lease was lost. Token refused now, tree ended. */
  stop(reason: "cancel" | "lost"): void {
    if (this.apply({ kind: "stop", reason })) this.log.warn({ reason }, "stopping agent");
  }

  /** A drain asks the agent to stop; it may checkpoint first (the SDK waits for an in-flight checkpoint). */
  drain(): void {
    this.apply({ kind: "stop", reason: "drain" });
  }

  /** Force the process tree down now (end of the drain grace period). */
  kill(): void {
    this.apply({ kind: "force_kill" });
  }

  private async report(send: () => Promise<CallResult<unknown>>, what: "completed" | "failed"): Promise<RuntimeReply> {
    const s = this.state;
    if (s.kind === "reporting" || (s.kind === "stopping" && s.reason === "reported"))
      return { status: 409, body: { error: { code: "conflict", message: "this task already reported its outcome" } } };
    if (s.kind !== "running" && !(s.kind === "stopping" && s.reason === "drain")) return gone();
    this.apply({ kind: "report_begin", what });
    let settle!: () => void;
    this.reporting = new Promise<void>((r) => (settle = r));
    try {
      for (let i = 0; ; i++) {
        const r = await send();
        if (r.kind === "ok") {
          // The token is refused from here on (before the agent has its 200), and the tree ends: SIGTERM, grace, SIGKILL.
          this.apply({ kind: "report_ok" });
          this.log.info({ outcome: what }, "task reported");
          return { status: 200, body: { ok: true } };
        }
        if (r.kind === "network" && i < REPORT_TRIES) {
          await new Promise((res) => setTimeout(res, 200 * 2 ** i));
          continue;
        }
        const lost = r.kind === "http" && (r.status === 409 || r.status === 404);
        this.apply({ kind: "report_refused", lost });
        return lost ? gone(r.message) : this.refused(r);
      }
    } finally {
      settle();
      this.reporting = null;
    }
  }

  private refused(r: Exclude<CallResult<unknown>, { kind: "ok" }>): RuntimeReply {
    if (r.kind === "network")
      return {
        status: 503,
        body: { error: { code: "unavailable", message: `control plane unreachable: ${r.message}` } },
      };
    if (r.status === 409 || r.status === 404) {
      // The lease is gone (expired and re-leased, or cancelled): this attempt must stop.
      this.apply({ kind: "stop", reason: "lost" });
      return gone(r.message);
    }
    return { status: r.status, body: { error: { code: r.code, message: r.message } } };
  }

  private async onExit(rawCode: number | null, rawSignal: NodeJS.Signals | null): Promise<void> {
    const { code, signal } = AgentProcess.exitOf(rawCode, rawSignal, this.iso);
    if (this.stallTimer) clearInterval(this.stallTimer);
    // An outcome the agent posted just before it died is settled first: it decides what is reported.
    if (this.reporting) await this.reporting;
    const at = this.state;
    const reason = at.kind === "stopping" ? at.reason : null;
    this.log.info({ code, signal, state: at.kind, reason }, "agent exited");
    this.apply({ kind: "exited" });
    const usage = await this.usage();
    // Killed for memory: the kernel's OOM killer acted inside this task's cgroup.
    const oom =
      signal === "SIGKILL" &&
      reason !== "stalled" &&
      this.cgroup !== null &&
      ((await this.cgroup.oomKilled()) || (await this.cgroup.memoryLimitHit()));
    // The tree is gone before the control plane hears the attempt is over (a retry never overlaps its leftovers).
    await this.endTree();
    const mb = this.lease.resources?.memory_mb;
    if (reason === null && oom) this.log.warn({ usage, memory_mb: mb }, "agent killed by the OOM killer");
    const r = exitReport({
      reason,
      code,
      signal,
      oom,
      memoryMb: mb,
      stallMs: this.lease.task.timeouts?.stall_ms ?? this.deps.defaultStallMs,
      diskFull: await diskFull(this.disk),
      diskMb: this.disk?.mb,
      stderrTail: this.output.stderrTail(),
    });
    // Every line the agent wrote is stored before the control plane hears the attempt is over.
    await this.deps.logs?.shipper.flushAttempt(this.taskId, this.epoch);
    if (r.kind === "release") await this.retry(() => this.outcomes.release(this.taskId, this.epoch), "released");
    else if (r.kind === "fail") {
      const f = afterLlmRefusal(r.error, r.retryable, this.llmNotConfigured);
      await this.retry(() => this.outcomes.fail(this.taskId, this.epoch, f.error, f.retryable, usage), "failed");
    }
    if (usage) this.log.info({ usage }, "task usage");
    await this.cleanUp();
  }

  private treeEnded = false;

  /** What outlived the agent (a daemonised child): its process group, cgroup and own uid go now; the cgroup is removed. */
  private async endTree(): Promise<void> {
    if (this.treeEnded) return;
    this.treeEnded = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.proc) await this.proc.signal("SIGKILL").catch(() => undefined);
    await this.cgroup?.destroy().catch((e: Error) => this.log.warn({ err: e.message }, "cgroup cleanup failed"));
  }

  /**
   * Ends whatever of the tree is left and gives everything back; only then does the slot free (done): the
   * cgroup killed and removed, the uid's processes and stray files gone (identity.ts), the proxy closed, the
   * disk unmounted, the task dir removed with the agent's own rights.
   */
  private async cleanUp(): Promise<void> {
    await this.endTree();
    // Flushed before the outcome already; an attempt that never started is forgotten here.
    await this.deps.logs?.shipper.flushAttempt(this.taskId, this.epoch);
    const id = this.deps.identity ?? null;
    await this.egress?.close().catch(() => undefined);
    if (this.disk)
      await unmountTaskDisk(this.disk).catch((e: Error) => this.log.warn({ err: e.message }, "disk cleanup"));
    if (this.workDir)
      await removeWorkDir(this.workDir, id).catch((e: Error) =>
        this.log.warn({ err: e.message }, "task dir cleanup failed"),
      );
    if (id)
      await this.deps
        .releaseIdentity?.(id)
        .catch((e: Error) => this.log.warn({ err: e.message }, "identity cleanup failed"));
    this.deps.gpus?.release(this.token);
    this.resolveDone();
  }

  private retry(send: () => Promise<CallResult<unknown>>, what: string): Promise<void> {
    return sendWithRetries(send, what, this.log, REPORT_TRIES);
  }

  /** How the task ended on this runner, for the runner's metrics. */
  get outcome(): string {
    const s = this.state;
    const r = s.kind === "done" || s.kind === "stopping" ? s.reason : "exited";
    return r === "reported" ? "reported" : r === "start_failed" ? "lost" : r;
  }

  get millisSinceProgress(): number {
    return Date.now() - this.lastProgressAt;
  }
}

function gone(message = "the lease on this task is no longer held by this runner"): RuntimeReply {
  return { status: 409, body: { error: { code: "lease_lost", message } } };
}
