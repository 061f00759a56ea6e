import { describe, expect, it } from "vitest";
import { nextState, type AttemptState } from "../../src/scheduler/outcome.js";

const s = (over: Partial<AttemptState> = {}): AttemptState => ({ attempts: 1, maxAttempts: 3, runnerId: "r1", avoidRunners: [], ...over });

describe("nextState", () => {
  it("succeeded and cancelled keep attempts and end the task", () => {
    expect(nextState(s(), { kind: "succeeded" })).toEqual({ state: "succeeded", attempts: 1, avoidRunners: [] });
    expect(nextState(s(), { kind: "cancelled" })).toEqual({ state: "cancelled", attempts: 1, avoidRunners: [] });
  });

  it("a release requeues and gives the attempt back", () => {
    // attempts were counted when the lease was granted: 2 - 1 = 1
    expect(nextState(s({ attempts: 2 }), { kind: "released" })).toEqual({ state: "queued", attempts: 1, avoidRunners: [] });
    expect(nextState(s({ attempts: 0 }), { kind: "released" }).attempts).toBe(0);
  });

  it("a retryable failure requeues while attempts remain, avoiding the runner once", () => {
    // 1 < 3 attempts
    expect(nextState(s(), { kind: "failed", retryable: true })).toEqual({ state: "queued", attempts: 1, avoidRunners: ["r1"] });
    expect(nextState(s({ avoidRunners: ["r1"] }), { kind: "failed", retryable: true }).avoidRunners).toEqual(["r1"]);
    expect(nextState(s({ runnerId: null }), { kind: "failed", retryable: true }).avoidRunners).toEqual([]);
  });

  it("the last attempt escalates; a non-retryable failure fails at once", () => {
    // 3 >= 3 attempts
    expect(nextState(s({ attempts: 3 }), { kind: "failed", retryable: true }).state).toBe("escalated");
    expect(nextState(s({ attempts: 1 }), { kind: "failed", retryable: false }).state).toBe("failed");
  });

  it("never mutates its input", () => {
    const input = s({ avoidRunners: ["r0"] });
    nextState(input, { kind: "failed", retryable: true });
    expect(input.avoidRunners).toEqual(["r0"]);
  });
});
