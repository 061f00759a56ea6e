// What the runner reports when an agent's process exits, decided from how it ended (pure):
// the stop reason the runner had, whether the kernel's OOM killer acted in its cgroup, whether
// its work dir is full (disk_mb), and its exit. An outcome the agent reported itself was sent
// already; nothing more goes then.
import type { Logger } from "pino";
import type { Lease } from "../../src/api/schemas.js";
import type { CallResult } from "./control.js";

export type ExitReport =
  | { kind: "none" }
  | { kind: "release" }
  | { kind: "fail"; error: { code: string; message: string; details?: { stderr_tail: string } }; retryable: boolean };

export interface ExitFacts {
  /** Why the runner was stopping the task, null when it was not (the agent exited by itself). */
  reason: string | null;
  code: number | null;
  signal: NodeJS.Signals | null;
  oom: boolean;
  memoryMb: number | undefined;
  stallMs: number | null;
  /** The work dir has no space left (statfs at exit); diskMb is its bound. */
  diskFull: boolean;
  diskMb: number | undefined;
  /** The agent's last stderr lines, scrubbed (log-capture.ts); "" when it wrote none. */
  stderrTail?: string | undefined;
}

/** The exit's report, with the agent's last stderr lines in `error.details.stderr_tail` when it failed and wrote any. */
export function exitReport(f: ExitFacts): ExitReport {
  const r = exitReportOf(f);
  if (r.kind !== "fail" || !f.stderrTail) return r;
  return { ...r, error: { ...r.error, details: { stderr_tail: f.stderrTail } } };
}

function exitReportOf(f: ExitFacts): ExitReport {
  if (f.reason === "drain") return { kind: "release" };
  if (f.reason === "stalled")
    return {
      kind: "fail",
      error: { code: "stalled", message: `no progress from the agent for ${f.stallMs} ms` },
      retryable: true,
    };
  if (f.reason !== null) return { kind: "none" };
  // Not retryable: the same work under the same limit would hit it again.
  if (f.oom)
    return {
      kind: "fail",
      error: {
        code: "resource_exhausted",
        message: `agent exceeded its memory limit${f.memoryMb ? ` of ${f.memoryMb} MB` : ""} and was killed by the OOM killer`,
      },
      retryable: false,
    };
  if (f.diskFull)
    return {
      kind: "fail",
      error: {
        code: "resource_exhausted",
        message: `agent filled its work dir${f.diskMb ? ` (disk_mb ${f.diskMb})` : ""}`,
      },
      retryable: false,
    };
  return {
    kind: "fail",
    error: {
      code: "agent_exited",
      message: `agent exited with ${f.signal ? `signal ${f.signal}` : `code ${f.code}`} before reporting`,
    },
    retryable: true,
  };
}

/**
 * A failure after the runner's LLM gateway answered llm_not_configured to this attempt: reported under that
 * code, not retryable (another attempt on this runner gets the same answer), whatever the agent made of it.
 */
export function afterLlmRefusal<E extends { code: string; message: string }>(
  error: E,
  retryable: boolean,
  llmNotConfigured: boolean,
): { error: E; retryable: boolean } {
  if (!llmNotConfigured || error.code === "llm_not_configured")
    return { error, retryable: retryable && !llmNotConfigured };
  const message = `this runner has no LLM upstream configured (llm.base_url); the agent then failed: ${error.code}: ${error.message}`;
  // What else the error carries (the stderr tail) stays.
  return { error: { ...error, code: "llm_not_configured", message: message.slice(0, 16_384) }, retryable: false };
}

/** An end-of-attempt report, retried on network errors with backoff; a refusal is final (logged). */
export async function sendWithRetries(
  send: () => Promise<CallResult<unknown>>,
  what: string,
  log: Logger,
  tries: number,
): Promise<void> {
  for (let i = 0; i <= tries; i++) {
    const r = await send();
    if (r.kind === "ok") return void log.info({ outcome: what }, "task reported");
    if (r.kind === "http") return void log.warn({ outcome: what, status: r.status, code: r.code }, "report refused");
    await new Promise((res) => setTimeout(res, 200 * 2 ** i));
  }
  log.error({ outcome: what }, "report failed; the lease will expire and the task requeue");
}

/** GET /task: what the agent learns of its task and attempt. */
export function taskInfo(lease: Lease): unknown {
  const t = lease.task;
  return {
    task_id: t.id,
    agent: t.agent,
    input: t.input,
    instance: t.instance,
    attempt: t.attempts,
    epoch: lease.epoch,
    checkpoint: lease.checkpoint ? { seq: lease.checkpoint.seq, state: lease.checkpoint.state } : null,
  };
}
