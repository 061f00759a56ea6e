// A task's attempts, rebuilt from its event log: which runner, when it was leased, started and
// ended, and how. Pure; `officeos describe task` prints it.
import type { TaskEvent } from "../../client/src/index.js";

export interface Attempt {
  attempt: number;
  /** `runner:<id>` of the lease, without the prefix. */
  runner?: string;
  leased_at: string;
  running_at?: string;
  ended_at?: string;
  /** The event that ended it: succeeded, attempt_failed, released, lease_expired, approval_requested, … */
  outcome?: string;
  /** Error code of a failed attempt, when the event names one. */
  code?: string;
}

/** Events that end an attempt (the task may go on: retry, park, requeue). */
const ENDS = new Set([
  "succeeded",
  "failed",
  "attempt_failed",
  "attempt_timeout",
  "invalid_output",
  "released",
  "lease_expired",
  "cancelled",
  "approval_requested",
  "escalated",
  "task_timeout",
  "resolved",
]);

const asIso = (at: string | number): string => (typeof at === "number" ? new Date(at).toISOString() : at);

function details(e: TaskEvent): Record<string, unknown> {
  return e.details && typeof e.details === "object" && !Array.isArray(e.details)
    ? (e.details as Record<string, unknown>)
    : {};
}

export function attemptsOf(events: readonly TaskEvent[]): Attempt[] {
  const out: Attempt[] = [];
  let open: Attempt | undefined;
  for (const e of events) {
    if (e.type === "leased") {
      const d = details(e);
      open = {
        attempt: typeof d.attempt === "number" ? d.attempt : out.length + 1,
        leased_at: asIso(e.at),
        ...(e.actor.startsWith("runner:") ? { runner: e.actor.slice("runner:".length) } : {}),
      };
      out.push(open);
    } else if (open && e.type === "running") {
      open.running_at ??= asIso(e.at);
    } else if (open && ENDS.has(e.type)) {
      open.ended_at = asIso(e.at);
      open.outcome = e.type;
      const code = details(e).code;
      if (typeof code === "string") open.code = code;
      open = undefined;
    }
  }
  return out;
}

/** `1.2s`, `3m04s`, `2h05m`: a duration between two ISO times, or "-" when one is missing. */
export function span(from: string | undefined, to: string | undefined): string {
  if (!from || !to) return "-";
  const ms = Date.parse(to) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
