// HTTP client for the control plane API, as the runner uses it. Every call
// returns a typed result; only programming errors throw.
import { type HttpAnswer, request } from "./http-client.js";
import type { DenialDetails } from "./runtime-denials.js";
import type { LogBatch } from "./log-ship.js";
import type {
  AgentStateJson,
  ApprovalAnswer,
  HeartbeatAnswer,
  Lease,
  LlmReservation,
  LlmSettled,
  ReportAnswer,
  ReportItem,
  Runner,
  Task,
  TaskUsage,
} from "../../src/api/schemas.js";

export type RunnerHealth = NonNullable<Runner["health"]>;
export type RateLimited = { kind: "rate_limited"; retryAfterMs: number; message: string };

export type CallResult<T> =
  | { kind: "ok"; value: T }
  | { kind: "http"; status: number; code: string; message: string; retryAfterMs?: number }
  | { kind: "network"; message: string };

export interface RegisterBody {
  name: string;
  capacity: Record<string, number>;
  labels: Record<string, string>;
  capabilities: string[];
  taints: { key: string; value?: string | undefined; effect: "NoSchedule" }[];
  agents: string[];
  lease_ttl_ms: number;
  /** This host's name: a restart with the same runner name on it takes the old row over. */
  host?: string | undefined;
  health?: RunnerHealth | undefined;
}

const LEASE_TOKEN = "officeos-lease-token";

export class ControlPlane {
  /** The runner's own credential, issued at registration (bound to its runner id); until then the configured key. */
  private key: string;
  /** Lease tokens by `task:epoch`, from lease and heartbeat answers; sent on every call made under that lease. */
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    /** The configured key: registers the runner (again, after the control plane forgot it). */
    private readonly enrolKey: string,
  ) {
    this.key = enrolKey;
  }

  private token(taskId: string, epoch: number): Record<string, string> {
    const t = this.tokens.get(`${taskId}:${epoch}`);
    return t ? { [LEASE_TOKEN]: t } : {};
  }

  /** The key the runner acts with now (scrubbed from agents' output). */
  get credential(): string {
    return this.key;
  }

  /** True once registration has issued this runner a credential of its own (see register()). */
  hasIssuedCredential(): boolean {
    return this.key !== this.enrolKey;
  }

  /** The lease ended on this runner: its token is of no more use. */
  forgetLease(taskId: string, epoch: number): void {
    this.tokens.delete(`${taskId}:${epoch}`);
  }

  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    opts: {
      timeoutMs?: number;
      signal?: AbortSignal;
      headers?: Record<string, string>;
      keepDetails?: boolean;
      key?: string;
    } = {},
  ): Promise<CallResult<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.key ?? this.key}`, ...opts.headers };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 15_000)];
    if (opts.signal) signals.push(opts.signal);
    let res: HttpAnswer;
    try {
      res = await request(new URL(path, this.baseUrl), {
        method,
        headers,
        body: payload,
        signal: AbortSignal.any(signals),
      });
    } catch (e) {
      return { kind: "network", message: (e as Error).message };
    }
    const text = res.body;
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.status < 200 || res.status > 299) {
      const err = (
        parsed as { error?: { code?: string; message?: string; details?: { retry_after_ms?: number } } } | null
      )?.error;
      const out: CallResult<T> = {
        kind: "http",
        status: res.status,
        code: err?.code ?? "unknown",
        message: err?.message ?? text.slice(0, 200),
      };
      if (opts.keepDetails && res.status === 429)
        out.retryAfterMs = err?.details?.retry_after_ms ?? Number(res.headers["retry-after"] ?? "1") * 1000;
      return out;
    }
    return { kind: "ok", value: parsed as T };
  }

  /** Registers with the configured key; from then on the runner acts with the credential the answer carries. */
  async register(body: RegisterBody): Promise<CallResult<{ runner: Runner }>> {
    const r = await this.call<{ runner: Runner; credential?: { id: string; key: string } }>(
      "POST",
      "/v1/runners",
      body,
      { key: this.enrolKey },
    );
    if (r.kind === "ok") this.key = r.value.credential?.key ?? this.enrolKey;
    return r;
  }

  async lease(
    runnerId: string,
    maxTasks: number,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<CallResult<{ leases: Lease[] }>> {
    const r = await this.call<{ leases: Lease[] }>(
      "POST",
      `/v1/runners/${runnerId}/lease`,
      { max_tasks: maxTasks, wait_ms: waitMs },
      { timeoutMs: waitMs + 15_000, signal },
    );
    if (r.kind === "ok")
      for (const l of r.value.leases) if (l.lease_token) this.tokens.set(`${l.task.id}:${l.epoch}`, l.lease_token);
    return r;
  }

  async heartbeat(
    runnerId: string,
    leases: { task_id: string; epoch: number }[],
    health?: RunnerHealth,
    logs?: LogBatch[],
  ): Promise<CallResult<HeartbeatAnswer>> {
    const withToken = <T extends { task_id: string; epoch: number }>(l: T) => ({
      ...l,
      ...(this.tokens.has(`${l.task_id}:${l.epoch}`)
        ? { lease_token: this.tokens.get(`${l.task_id}:${l.epoch}`) }
        : {}),
    });
    const proven = leases.map(withToken);
    const r = await this.call<HeartbeatAnswer>("POST", `/v1/runners/${runnerId}/heartbeat`, {
      leases: proven,
      ...(health ? { health } : {}),
      ...(logs?.length ? { logs: logs.map(withToken) } : {}),
    });
    if (r.kind === "ok") {
      const epochs = new Map(leases.map((l) => [l.task_id, l.epoch]));
      for (const [task, token] of Object.entries(r.value.lease_tokens ?? {})) {
        const epoch = epochs.get(task);
        if (epoch !== undefined) this.tokens.set(`${task}:${epoch}`, token);
      }
    }
    return r;
  }

  /** A tool call the gateway refused (or made), for the tenant's audit log. */
  reportTool(
    type: "tool.denied" | "tool.called",
    taskId: string,
    details: Record<string, string | number | boolean>,
  ): Promise<CallResult<unknown>> {
    return this.call("POST", "/v1/audit/events", { type, task_id: taskId, details });
  }

  /** Refused runtime-API requests of one task (or of no task), counted and sampled (see runtime-denials.ts). */
  reportRuntimeDenied(taskId: string | undefined, details: DenialDetails): Promise<CallResult<unknown>> {
    return this.call("POST", "/v1/audit/events", {
      type: "runtime.denied",
      ...(taskId !== undefined ? { task_id: taskId } : {}),
      details,
    });
  }

  /** A task's egress decisions, counted per host:port since the last flush (egress-audit.ts). */
  reportEgress(
    type: "egress.allowed" | "egress.denied",
    taskId: string,
    details: object,
  ): Promise<CallResult<unknown>> {
    return this.call("POST", "/v1/audit/events", { type, task_id: taskId, details });
  }

  /** An agent's spec (its allowed tools and egress). */
  agent(name: string): Promise<CallResult<{ name: string; tools?: string[]; egress?: string[] }>> {
    return this.call("GET", `/v1/agents/${encodeURIComponent(name)}`, undefined);
  }

  /** The agent stops at a gate: decided already, or the task now waits for a person (the lease has ended). */
  requestApproval(
    taskId: string,
    epoch: number,
    gate: string,
    message?: string,
    details?: unknown,
  ): Promise<CallResult<ApprovalAnswer>> {
    return this.call(
      "POST",
      `/v1/tasks/${taskId}/approval`,
      { epoch, gate, ...(message !== undefined ? { message } : {}), ...(details !== undefined ? { details } : {}) },
      { headers: this.token(taskId, epoch) },
    );
  }

  drain(runnerId: string): Promise<CallResult<{ runner: Runner }>> {
    return this.call("DELETE", `/v1/runners/${runnerId}`, undefined);
  }

  /** The drain is over and the agents are gone: the runner shows `stopped`. */
  stopped(runnerId: string): Promise<CallResult<{ runner: Runner }>> {
    return this.call("POST", `/v1/runners/${runnerId}/stopped`, undefined, { timeoutMs: 5000 });
  }

  /** Protobuf AgentState (full) or StateDelta (delta on the latest seq). */
  checkpoint(
    taskId: string,
    epoch: number,
    kind: "full" | "delta",
    protobuf: Uint8Array,
  ): Promise<CallResult<{ seq: number; kind: "full" | "delta" }>> {
    return this.call("PUT", `/v1/tasks/${taskId}/checkpoint`, protobuf, {
      headers: {
        "content-type": "application/x-protobuf",
        "officeos-epoch": String(epoch),
        "officeos-checkpoint-kind": kind,
        ...this.token(taskId, epoch),
      },
    });
  }

  complete(taskId: string, epoch: number, result: unknown, usage?: TaskUsage): Promise<CallResult<{ task: Task }>> {
    return this.call(
      "POST",
      `/v1/tasks/${taskId}/complete`,
      { epoch, result: result ?? null, ...(usage ? { usage } : {}) },
      { headers: this.token(taskId, epoch) },
    );
  }

  fail(
    taskId: string,
    epoch: number,
    error: { code: string; message: string },
    retryable: boolean,
    usage?: TaskUsage,
  ): Promise<CallResult<{ task: Task }>> {
    return this.call(
      "POST",
      `/v1/tasks/${taskId}/fail`,
      { epoch, error, retryable, ...(usage ? { usage } : {}) },
      { headers: this.token(taskId, epoch) },
    );
  }

  reserveLlm(body: {
    task_id: string;
    epoch: number;
    tokens: number;
    requests?: number;
    max_wait_ms?: number;
  }): Promise<CallResult<LlmReservation> | RateLimited> {
    return this.callReserve(body, this.token(body.task_id, body.epoch));
  }

  settleLlm(
    id: string,
    usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens: number },
    model?: string,
  ): Promise<CallResult<LlmSettled>> {
    return this.call("POST", `/v1/quotas/reservations/${id}/settle`, { usage, ...(model ? { model } : {}) });
  }

  cancelLlm(id: string): Promise<CallResult<LlmSettled>> {
    return this.call("POST", `/v1/quotas/reservations/${id}/cancel`, undefined);
  }

  /** A reservation; a 429 comes back with its Retry-After in milliseconds. */
  private async callReserve(
    body: unknown,
    headers: Record<string, string>,
  ): Promise<CallResult<LlmReservation> | RateLimited> {
    const r = await this.call<LlmReservation>("POST", "/v1/quotas/reservations", body, { keepDetails: true, headers });
    if (r.kind === "http" && r.status === 429)
      return { kind: "rate_limited", retryAfterMs: r.retryAfterMs ?? 1000, message: r.message };
    return r;
  }

  /**
   * A thread request for an agent (the runtime API's thread routes). The path is built by
   * threads-proxy.ts from validated, re-encoded parts; anything else is refused here too.
   */
  forward(
    method: string,
    path: string,
    body: Uint8Array | undefined,
    headers: Record<string, string>,
  ): Promise<CallResult<unknown>> {
    if (
      !/^\/v1\/threads\/[A-Za-z0-9_%][A-Za-z0-9._~%-]*(\/checkpoints(\/[A-Za-z0-9_%][A-Za-z0-9._~%-]*(\/writes)?)?)?(\?[A-Za-z0-9._~*%&=+-]*)?$/.test(
        path,
      )
    ) {
      return Promise.resolve({ kind: "http", status: 400, code: "bad_request", message: "not a thread route" });
    }
    const task = headers["officeos-task-id"];
    const lease = task !== undefined ? this.token(task, Number(headers["officeos-epoch"])) : {};
    return this.call(method, path, body, { headers: { ...headers, ...lease }, timeoutMs: 60_000 });
  }

  release(taskId: string, epoch: number): Promise<CallResult<{ task: Task }>> {
    return this.call("POST", `/v1/tasks/${taskId}/release`, { epoch }, { headers: this.token(taskId, epoch) });
  }

  /** Many outcomes in one call, each answered on its own (see report-batch.ts). */
  report(runnerId: string, reports: ReportItem[]): Promise<CallResult<ReportAnswer>> {
    const withTokens = reports.map((r) => ({
      ...r,
      ...(this.tokens.has(`${r.task_id}:${r.epoch}`)
        ? { lease_token: this.tokens.get(`${r.task_id}:${r.epoch}`) }
        : {}),
    }));
    return this.call("POST", `/v1/runners/${runnerId}/report`, { reports: withTokens });
  }
}

export type { AgentStateJson, Lease };
