// One task's lifetime on this runner as a single state union, and its
// transitions as a pure function (tested alone in test/unit/task-state.test.ts).
// TaskRun holds the state and carries out the effects each transition asks
// for; nothing else decides when a token is refused or a process is signalled.
//
//   starting ──started──▶ running ──report_begin──▶ reporting ──report_ok──▶ stopping{reported}
//       │                   │  ▲                        │
//       │                   │  └──report_refused────────┤ (lease gone: stopping{lost})
//       │                   └──stop(reason)──▶ stopping{reason}
//       └──────────────────────── exited (from any state) ──────────────▶ done
//
// Once the outcome is accepted, or the control plane says cancel (or the lease
// is lost), the token is refused at once and the whole process tree ends:
// SIGTERM, the grace period, SIGKILL. A drain only asks (SIGTERM): the agent
// may still checkpoint with its token until it exits or the drain times out.

export type StopReason = "reported" | "cancel" | "drain" | "lost" | "suspended" | "stalled" | "start_failed";

export type TaskState =
  | { kind: "starting" }
  | { kind: "running" }
  /** An outcome on its way to the control plane; `draining`: a drain began before or during it. */
  | { kind: "reporting"; what: "completed" | "failed"; draining: boolean }
  | { kind: "stopping"; reason: StopReason }
  | { kind: "done"; reason: StopReason | "exited" };

export type TaskEvent =
  | { kind: "started" }
  | { kind: "report_begin"; what: "completed" | "failed" }
  | { kind: "report_ok" }
  /** The control plane refused the outcome; `lost`: the lease is no longer ours. */
  | { kind: "report_refused"; lost: boolean }
  | { kind: "stop"; reason: Exclude<StopReason, "reported"> }
  /** The drain grace ran out (or the runner is going down): kill whatever is left now. */
  | { kind: "force_kill" }
  | { kind: "exited" };

/** What the caller must do: refuse the token, and how to end the processes. */
export interface Effects {
  revoke: boolean;
  /** none; term: SIGTERM only (drain); term_then_kill: SIGTERM, grace, SIGKILL; kill: SIGKILL now; term_later: as term_then_kill after a short delay. */
  signal: "none" | "term" | "term_then_kill" | "term_later" | "kill";
}

export interface Transition {
  state: TaskState;
  effects: Effects;
  /** The event does not apply in this state (the caller answers 409 or ignores it). */
  ignored: boolean;
}

const NOTHING: Effects = { revoke: false, signal: "none" };

function to(state: TaskState, effects: Effects = NOTHING): Transition {
  return { state, effects, ignored: false };
}

function stay(state: TaskState, effects: Effects = NOTHING): Transition {
  return { state, effects, ignored: true };
}

/** How a stop for `reason` ends the processes. */
export function stopEffects(reason: StopReason): Effects {
  switch (reason) {
    case "drain":
      return { revoke: false, signal: "term" };
    case "stalled":
      return { revoke: true, signal: "kill" };
    case "suspended":
      return { revoke: true, signal: "term_later" };
    case "start_failed":
      return { revoke: true, signal: "kill" };
    default:
      return { revoke: true, signal: "term_then_kill" };
  }
}

export function next(s: TaskState, e: TaskEvent): Transition {
  if (e.kind === "exited")
    return s.kind === "done"
      ? stay(s)
      : to({ kind: "done", reason: s.kind === "stopping" ? s.reason : "exited" }, { revoke: true, signal: "none" });
  switch (s.kind) {
    case "starting":
      if (e.kind === "started") return to({ kind: "running" });
      if (e.kind === "stop") return to({ kind: "stopping", reason: e.reason }, stopEffects(e.reason));
      if (e.kind === "force_kill") return to({ kind: "stopping", reason: "start_failed" }, stopEffects("start_failed"));
      return stay(s);
    case "running":
      if (e.kind === "report_begin") return to({ kind: "reporting", what: e.what, draining: false });
      if (e.kind === "stop") return to({ kind: "stopping", reason: e.reason }, stopEffects(e.reason));
      if (e.kind === "force_kill") return to({ kind: "stopping", reason: "drain" }, { revoke: true, signal: "kill" });
      return stay(s);
    case "reporting":
      if (e.kind === "report_ok") return to({ kind: "stopping", reason: "reported" }, stopEffects("reported"));
      if (e.kind === "report_refused") {
        if (e.lost) return to({ kind: "stopping", reason: "lost" }, stopEffects("lost"));
        return to(s.draining ? { kind: "stopping", reason: "drain" } : { kind: "running" });
      }
      if (e.kind === "stop" && e.reason === "drain")
        return s.draining ? stay(s) : to({ ...s, draining: true }, stopEffects("drain"));
      // Cancelled while its outcome is in flight: the token goes now; the report settles on its own.
      if (e.kind === "stop") return to({ kind: "stopping", reason: e.reason }, stopEffects(e.reason));
      if (e.kind === "force_kill") return to({ kind: "stopping", reason: "drain" }, { revoke: true, signal: "kill" });
      return stay(s);
    case "stopping":
      // An agent that finishes while draining still reports its outcome.
      if (e.kind === "report_begin" && s.reason === "drain")
        return to({ kind: "reporting", what: e.what, draining: true });
      // A drain that turns into a cancel or a lost lease: the token goes and the grace starts.
      if (e.kind === "stop" && s.reason === "drain" && e.reason !== "drain")
        return to({ kind: "stopping", reason: e.reason }, stopEffects(e.reason));
      if (e.kind === "force_kill") return stay(s, { revoke: true, signal: "kill" });
      return stay(s);
    case "done":
      return stay(s);
  }
}

/** Whether the agent's token still opens the runtime API in this state (starting: registered, the process on its way). */
export function tokenValid(s: TaskState): boolean {
  return (
    s.kind === "starting" ||
    s.kind === "running" ||
    s.kind === "reporting" ||
    (s.kind === "stopping" && s.reason === "drain")
  );
}
