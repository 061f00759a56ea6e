// The task page's per-attempt timeline (src/dashboard/views/timeline.ts, pure), from an event log.
import { describe, expect, it } from "vitest";
import type { TaskEvent } from "../../src/api/schemas.js";
import { attemptSpans, span } from "../../src/dashboard/views/timeline.js";

let seq = 0;
const ev = (at: number, type: string, state?: string, details?: Record<string, string | number>): TaskEvent => ({
  seq: ++seq,
  at,
  type,
  actor: type === "leased" || type === "running" ? "runner:run_a" : "system",
  ...(state !== undefined ? { state } : {}),
  ...(details !== undefined ? { details } : {}),
});

describe("attemptSpans", () => {
  it("each attempt: queued, leased, running, outcome, runner; a retry queues the next", () => {
    const log = [
      ev(1000, "submitted", "queued"),
      ev(1500, "leased", "leased", { runner: "run_a", attempt: 1, epoch: 1 }),
      ev(1600, "running", "running"),
      ev(4000, "attempt_failed", undefined, { code: "agent_exited", deterministic: "same_error_twice" }),
      ev(4000, "requeued", "queued"),
      ev(4200, "leased", "leased", { runner: "run_b", attempt: 2, epoch: 2 }),
    ];
    expect(attemptSpans(log)).toEqual([
      {
        attempt: 1,
        runner: "run_a",
        queuedAt: 1000,
        leasedAt: 1500,
        runningAt: 1600,
        endedAt: 4000,
        outcome: "attempt_failed",
        code: "agent_exited",
        deterministic: "same_error_twice",
      },
      {
        attempt: 2,
        runner: "run_b",
        queuedAt: 4000,
        leasedAt: 4200,
        runningAt: null,
        endedAt: null,
        outcome: null,
        code: null,
        deterministic: null,
      },
    ]);
  });

  it("a queued task has no attempt; events out of order are read by seq", () => {
    expect(attemptSpans([ev(1, "submitted", "queued")])).toEqual([]);
    const a = ev(10, "leased", "leased", { runner: "r", attempt: 1 });
    const b = ev(20, "succeeded", "succeeded");
    expect(attemptSpans([b, a])[0]).toMatchObject({ outcome: "succeeded", endedAt: 20 });
  });

  it("span: ms, seconds, minutes", () => {
    expect(span(0, 250)).toBe("250 ms");
    expect(span(0, 2500)).toBe("2.5 s");
    expect(span(0, 125_000)).toBe("2 min 5 s");
    expect(span(null, 5)).toBe("");
  });
});
