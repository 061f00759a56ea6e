// src/task/deterministic.ts: failures another attempt would only repeat end the retries at
// once, and the stored error and the event log name the rule (issue #18, acceptance 4).
import { describe, expect, it } from "vitest";
import { classifyFailure } from "../../src/task/deterministic.js";
import { apply, transition } from "../../src/task/machine.js";
import type { LifeError, TaskLife } from "../../src/task/row.js";
import { leaseOf, policy, step, submitted, T0 } from "./task-helpers.js";

const crash = (stderr?: string): LifeError => ({
  code: "agent_exited",
  message: "agent exited with code 1 before reporting",
  ...(stderr !== undefined ? { details: { stderr_tail: stderr } } : {}),
});

describe("classifyFailure", () => {
  it.each([
    ["module_not_found", "Error: Cannot find module '/work/agent/missing.js'\n    at Module._resolveFilename"],
    ["module_not_found", "code: 'ERR_MODULE_NOT_FOUND'"],
    ["module_not_found", "ModuleNotFoundError: No module named 'requests'"],
    ["permission_denied", "Error: EACCES: permission denied, open '/etc/passwd'"],
    ["permission_denied", "PermissionError: [Errno 13] Permission denied: '/root/x'"],
    ["syntax_error", "/work/agent/main.js:3\n  foo(\n  ^\nSyntaxError: Unexpected end of input"],
    ["llm_not_configured", "openai.InternalServerError: Error code: 503 - {'code': 'llm_not_configured'}"],
  ])("reads %s from the stderr tail", (rule, stderr) => {
    expect(classifyFailure(null, crash(stderr))?.rule).toBe(rule);
  });

  it("reads the message and the code too, and a tail sent as a list of lines", () => {
    expect(classifyFailure(null, { code: "agent_error", message: "EPERM: operation not permitted" })?.rule).toBe(
      "permission_denied",
    );
    expect(classifyFailure(null, { code: "llm_not_configured", message: "no upstream" })?.rule).toBe(
      "llm_not_configured",
    );
    const listed = { ...crash(), details: { stderr_tail: ["x", "Error: Cannot find module 'y'"] } };
    expect(classifyFailure(null, listed)?.rule).toBe("module_not_found");
  });

  it("leaves an ordinary first failure alone", () => {
    expect(classifyFailure(null, crash("TypeError: x is undefined"))).toBeNull();
    expect(classifyFailure(null, { code: "agent_error", message: "upstream said 500" })).toBeNull();
    // "SyntaxError" inside a sentence is not the interpreter refusing the file.
    expect(classifyFailure(null, { code: "agent_error", message: "JSON.parse threw a SyntaxError" })).toBeNull();
    // Nor JSON.parse's, uncaught: bad data may be fine the next time.
    expect(classifyFailure(null, crash("SyntaxError: Unexpected token < in JSON at position 0"))).toBeNull();
    expect(classifyFailure(null, crash('SyntaxError: "<html>" is not valid JSON'))).toBeNull();
  });

  it("the same error twice in a row: same code, message and last stderr line", () => {
    const a = crash("TypeError: x is undefined");
    expect(classifyFailure(a, crash("TypeError: x is undefined"))?.rule).toBe("same_error_twice");
    expect(classifyFailure(a, crash("TypeError: y is undefined"))).toBeNull();
    expect(classifyFailure(a, { ...a, message: "agent exited with code 2 before reporting" })).toBeNull();
    expect(classifyFailure(crash(), crash())?.rule).toBe("same_error_twice");
  });

  it("not for what the runner or the clock ended, nor for output that varies", () => {
    for (const code of ["lease_expired", "attempt_timeout", "stalled", "invalid_output"]) {
      const e = { code, message: "same" };
      expect(classifyFailure(e, e), code).toBeNull();
    }
  });
});

function fail(row: TaskLife, error: LifeError, retryable = true): TaskLife {
  const leased = step(row, leaseOf(row));
  return step(leased, { kind: "fail", epoch: leased.epoch ?? -1, error, retryable, rand: 0 }, T0);
}

function wake(row: TaskLife): TaskLife {
  return row.state === "retry_wait" ? step(row, { kind: "retry_wake" }, row.wake_at ?? T0) : row;
}

describe("the machine stops retrying a deterministic failure", () => {
  it("a module that is not there: one attempt, then escalated, the error naming the rule", () => {
    const r = fail(submitted(policy({ max_attempts: 3 })), crash("Error: Cannot find module 'left-pad'"));
    expect(r.state).toBe("escalated");
    expect(r.attempts).toBe(1);
    const error = JSON.parse(r.error ?? "null") as LifeError;
    expect(error.details).toMatchObject({ deterministic: "module_not_found", stderr_tail: expect.any(String) });
    const escalation = JSON.parse(r.escalation ?? "null") as { reason: LifeError };
    expect(escalation.reason.details?.deterministic).toBe("module_not_found");
  });

  it("the same crash twice: two attempts, not three", () => {
    let r = wake(fail(submitted(policy({ max_attempts: 3 })), crash("Error: boom")));
    expect(r.state).toBe("queued");
    r = fail(r, crash("Error: boom"));
    expect(r.state).toBe("escalated");
    expect(r.attempts).toBe(2);
    expect((JSON.parse(r.error ?? "null") as LifeError).details?.deterministic).toBe("same_error_twice");
  });

  it("different crashes keep retrying up to max_attempts", () => {
    let r = wake(fail(submitted(policy({ max_attempts: 3 })), crash("Error: one")));
    r = wake(fail(r, crash("Error: two")));
    expect(r.state).toBe("queued");
    r = fail(r, crash("Error: three"));
    expect(r.state).toBe("escalated");
    expect(r.attempts).toBe(3);
    expect((JSON.parse(r.error ?? "null") as LifeError).details?.deterministic).toBeUndefined();
  });

  it("on_exhausted: fail fails it; the event log says which rule", () => {
    const row = submitted(policy({ max_attempts: 3, on_exhausted: "fail" }));
    const leased = step(row, leaseOf(row));
    const t = transition(
      leased,
      { kind: "fail", epoch: leased.epoch ?? -1, error: crash("EACCES: permission denied"), retryable: true, rand: 0 },
      T0,
    );
    if (t.kind !== "ok") throw new Error(t.reason);
    expect(apply(leased, t).state).toBe("failed");
    expect(t.events.find((e) => e.type === "attempt_failed")?.details).toMatchObject({
      deterministic: "permission_denied",
    });
    expect(t.events.find((e) => e.type === "failed")?.details).toMatchObject({ deterministic: "permission_denied" });
  });

  it("llm_not_configured reported non-retryable fails at once", () => {
    const r = fail(submitted(), { code: "llm_not_configured", message: "no LLM upstream configured" }, false);
    expect(r.state).toBe("failed");
    expect(r.attempts).toBe(1);
  });
});
