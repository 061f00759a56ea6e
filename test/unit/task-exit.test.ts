// What the runner reports when an agent exits (agent-runner/src/task-exit.ts, pure).
import { describe, expect, it } from "vitest";
import { exitReport, type ExitFacts } from "../../agent-runner/src/task-exit.js";

const base: ExitFacts = {
  reason: null,
  code: 1,
  signal: null,
  oom: false,
  memoryMb: 64,
  stallMs: 1000,
  diskFull: false,
  diskMb: 8,
};

describe("exit report (pure)", () => {
  it("a full work dir is resource_exhausted, not retried; an exit without it is agent_exited, retried", () => {
    expect(exitReport({ ...base, diskFull: true })).toEqual({
      kind: "fail",
      error: { code: "resource_exhausted", message: "agent filled its work dir (disk_mb 8)" },
      retryable: false,
    });
    expect(exitReport(base)).toMatchObject({ kind: "fail", error: { code: "agent_exited" }, retryable: true });
  });
  it("the OOM killer wins over a full disk; a stop the runner made decides alone", () => {
    expect(exitReport({ ...base, oom: true, diskFull: true })).toMatchObject({
      error: { message: expect.stringContaining("64 MB") },
    });
    expect(exitReport({ ...base, reason: "drain", diskFull: true })).toEqual({ kind: "release" });
    expect(exitReport({ ...base, reason: "reported", diskFull: true })).toEqual({ kind: "none" });
    expect(exitReport({ ...base, reason: "stalled" })).toMatchObject({ error: { code: "stalled" }, retryable: true });
  });
});
