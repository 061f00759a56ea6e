// The runner's per-task state union and its transitions (agent-runner/src/task-state.ts), alone.
import { describe, expect, it } from "vitest";
import { next, tokenValid, type TaskEvent, type TaskState } from "../../agent-runner/src/task-state.js";

const run = (s: TaskState, ...events: TaskEvent[]) => events.reduce((st, e) => next(st, e).state, s);
const running: TaskState = { kind: "running" };

describe("task state transitions", () => {
  it("an accepted outcome refuses the token at once and ends the tree with SIGTERM, grace, SIGKILL", () => {
    const reporting = next(running, { kind: "report_begin", what: "completed" });
    expect(reporting.state).toEqual({ kind: "reporting", what: "completed", draining: false });
    expect(tokenValid(reporting.state)).toBe(true);
    const ok = next(reporting.state, { kind: "report_ok" });
    expect(ok.state).toEqual({ kind: "stopping", reason: "reported" });
    expect(ok.effects).toEqual({ revoke: true, signal: "term_then_kill" });
    expect(tokenValid(ok.state)).toBe(false);
    // A second outcome is not a transition.
    expect(next(ok.state, { kind: "report_begin", what: "failed" }).ignored).toBe(true);
  });

  it("cancel and a lost lease revoke and kill after the grace; a drain only asks", () => {
    expect(next(running, { kind: "stop", reason: "cancel" }).effects).toEqual({
      revoke: true,
      signal: "term_then_kill",
    });
    expect(next(running, { kind: "stop", reason: "lost" }).effects).toEqual({ revoke: true, signal: "term_then_kill" });
    const drain = next(running, { kind: "stop", reason: "drain" });
    expect(drain.effects).toEqual({ revoke: false, signal: "term" });
    expect(tokenValid(drain.state)).toBe(true);
    // The drain times out: kill now, token gone.
    expect(next(drain.state, { kind: "force_kill" }).effects).toEqual({ revoke: true, signal: "kill" });
    // Cancelled while draining: the token goes and the grace starts.
    const c = next(drain.state, { kind: "stop", reason: "cancel" });
    expect(c.state).toEqual({ kind: "stopping", reason: "cancel" });
    expect(c.effects.revoke).toBe(true);
  });

  it("a stalled agent is killed at once; a suspended one gets a moment to leave", () => {
    expect(next(running, { kind: "stop", reason: "stalled" }).effects).toEqual({ revoke: true, signal: "kill" });
    expect(next(running, { kind: "stop", reason: "suspended" }).effects).toEqual({
      revoke: true,
      signal: "term_later",
    });
  });

  it("an outcome posted while draining still counts; a refused one returns to the drain", () => {
    const drained = run(running, { kind: "stop", reason: "drain" });
    const rep = next(drained, { kind: "report_begin", what: "completed" });
    expect(rep.state).toEqual({ kind: "reporting", what: "completed", draining: true });
    expect(next(rep.state, { kind: "report_refused", lost: false }).state).toEqual({
      kind: "stopping",
      reason: "drain",
    });
    expect(next(rep.state, { kind: "report_ok" }).state).toEqual({ kind: "stopping", reason: "reported" });
  });

  it("a refused outcome goes back to running, or stops when the lease is gone", () => {
    const rep = run(running, { kind: "report_begin", what: "failed" });
    expect(next(rep, { kind: "report_refused", lost: false }).state).toEqual(running);
    expect(next(rep, { kind: "report_refused", lost: true })).toMatchObject({
      state: { kind: "stopping", reason: "lost" },
      effects: { revoke: true },
    });
    // A drain during the report sends SIGTERM once and remembers it.
    const d = next(rep, { kind: "stop", reason: "drain" });
    expect(d).toMatchObject({ state: { draining: true }, effects: { signal: "term" } });
    expect(next(d.state, { kind: "stop", reason: "drain" }).ignored).toBe(true);
  });

  it("the exit ends every state in done, keeping why it stopped", () => {
    expect(next(running, { kind: "exited" }).state).toEqual({ kind: "done", reason: "exited" });
    expect(next({ kind: "stopping", reason: "reported" }, { kind: "exited" }).state).toEqual({
      kind: "done",
      reason: "reported",
    });
    expect(next({ kind: "stopping", reason: "drain" }, { kind: "exited" }).effects.revoke).toBe(true);
    const done: TaskState = { kind: "done", reason: "cancel" };
    for (const e of [
      { kind: "started" },
      { kind: "report_begin", what: "completed" },
      { kind: "stop", reason: "cancel" },
      { kind: "exited" },
      { kind: "force_kill" },
    ] as TaskEvent[]) {
      expect(next(done, e)).toEqual({ state: done, effects: { revoke: false, signal: "none" }, ignored: true });
    }
  });

  it("no state but starting, running, reporting and a drain lets the token in", () => {
    expect(tokenValid({ kind: "starting" })).toBe(true);
    const states: TaskState[] = [
      { kind: "stopping", reason: "reported" },
      { kind: "stopping", reason: "cancel" },
      { kind: "stopping", reason: "lost" },
      { kind: "stopping", reason: "stalled" },
      { kind: "stopping", reason: "suspended" },
      { kind: "done", reason: "exited" },
    ];
    for (const s of states) expect(tokenValid(s)).toBe(false);
  });
});
