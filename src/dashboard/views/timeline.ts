// The task page's per-attempt timeline (pure): from the task's event log, each attempt's
// queued → leased → running → outcome, the runner, and how long each step took.
import type { TaskEvent } from "../../api/schemas.js";

export interface AttemptSpan {
  attempt: number;
  runner: string | null;
  /** When the task last entered the queue before this lease (ms). */
  queuedAt: number | null;
  leasedAt: number;
  runningAt: number | null;
  endedAt: number | null;
  /** The event that ended the attempt (succeeded, attempt_failed, released, lease_expired, …), null while it runs. */
  outcome: string | null;
  /** The failure code, when the outcome carries one. */
  code: string | null;
  /** The rule of src/task/deterministic.ts that ended the retries, if one did. */
  deterministic: string | null;
}

/** Events that end an attempt (the lease is over). */
const ENDS: ReadonlySet<string> = new Set([
  "succeeded",
  "attempt_failed",
  "invalid_output",
  "lease_expired",
  "attempt_timeout",
  "released",
  "cancelled",
  "failed",
  "task_timeout",
  "approval_requested",
  "resolved",
]);

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" ? v : null);
const detail = (e: TaskEvent, k: string): unknown =>
  e.details !== null && typeof e.details === "object" && !Array.isArray(e.details)
    ? (e.details as Record<string, unknown>)[k]
    : undefined;

export function attemptSpans(events: readonly TaskEvent[]): AttemptSpan[] {
  const spans: AttemptSpan[] = [];
  let queuedAt: number | null = null;
  let open: AttemptSpan | null = null;
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    if (e.type === "leased") {
      open = {
        attempt: num(detail(e, "attempt")) ?? spans.length + 1,
        runner: str(detail(e, "runner")) ?? (e.actor.startsWith("runner:") ? e.actor.slice(7) : null),
        queuedAt,
        leasedAt: e.at,
        runningAt: null,
        endedAt: null,
        outcome: null,
        code: null,
        deterministic: null,
      };
      spans.push(open);
    } else if (open !== null && e.type === "running" && open.runningAt === null) open.runningAt = e.at;
    else if (open !== null && ENDS.has(e.type) && open.outcome === null) {
      open.endedAt = e.at;
      open.outcome = e.type;
      open.code = str(detail(e, "code"));
      open.deterministic = str(detail(e, "deterministic"));
      open = null;
    }
    if (e.state === "queued") queuedAt = e.at;
  }
  return spans;
}

/** "1.2 s", "3 min 4 s": a step's length for the timeline. */
export function span(fromMs: number | null, toMs: number | null): string {
  if (fromMs === null || toMs === null) return "";
  const ms = Math.max(0, toMs - fromMs);
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
