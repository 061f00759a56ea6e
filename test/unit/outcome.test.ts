import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { backoffMs, DEFAULT_POLICY, nextState, type AttemptState, type Policy } from "../../src/scheduler/outcome.js";

const s = (over: Partial<AttemptState> = {}): AttemptState => ({
  attempts: 1,
  maxAttempts: 3,
  runnerId: "r1",
  avoidRunners: [],
  ...over,
});

describe("nextState", () => {
  it("succeeded and cancelled keep attempts and end the task", () => {
    expect(nextState(s(), { kind: "succeeded" })).toEqual({ state: "succeeded", attempts: 1, avoidRunners: [] });
    expect(nextState(s(), { kind: "cancelled" })).toEqual({ state: "cancelled", attempts: 1, avoidRunners: [] });
  });

  it("a release requeues and gives the attempt back", () => {
    // attempts were counted when the lease was granted: 2 - 1 = 1
    expect(nextState(s({ attempts: 2 }), { kind: "released" })).toEqual({
      state: "queued",
      attempts: 1,
      avoidRunners: [],
    });
    expect(nextState(s({ attempts: 0 }), { kind: "released" }).attempts).toBe(0);
  });

  it("a retryable failure requeues while attempts remain, avoiding the runner once", () => {
    // 1 < 3 attempts
    expect(nextState(s(), { kind: "failed", retryable: true, code: "lease_expired" })).toEqual({
      state: "queued",
      attempts: 1,
      avoidRunners: ["r1"],
    });
    expect(
      nextState(s({ avoidRunners: ["r1"] }), { kind: "failed", retryable: true, code: "lease_expired" }).avoidRunners,
    ).toEqual(["r1"]);
    expect(
      nextState(s({ runnerId: null }), { kind: "failed", retryable: true, code: "lease_expired" }).avoidRunners,
    ).toEqual([]);
  });

  it("the last attempt escalates; a non-retryable failure fails at once", () => {
    // 3 >= 3 attempts
    expect(nextState(s({ attempts: 3 }), { kind: "failed", retryable: true, code: "lease_expired" }).state).toBe(
      "escalated",
    );
    expect(nextState(s({ attempts: 1 }), { kind: "failed", retryable: false, code: "boom" }).state).toBe("failed");
  });

  it("never mutates its input", () => {
    const input = s({ avoidRunners: ["r0"] });
    nextState(input, { kind: "failed", retryable: true, code: "lease_expired" });
    expect(input.avoidRunners).toEqual(["r0"]);
  });

  const boom = { kind: "failed", retryable: true, code: "boom" } as const;
  const policy = (over: Partial<Policy> = {}): Policy => ({ ...DEFAULT_POLICY, ...over });

  it("a reported failure waits out the backoff; a lost lease requeues at once", () => {
    expect(
      nextState(s(), boom, policy({ backoff: { initialMs: 1000, maxMs: 60_000, multiplier: 2, jitter: 0 } })),
    ).toEqual({ state: "retry_wait", attempts: 1, avoidRunners: ["r1"], delayMs: 1000 });
    expect(
      nextState(
        s({ attempts: 2 }),
        boom,
        policy({ backoff: { initialMs: 1000, maxMs: 60_000, multiplier: 2, jitter: 0 } }),
      ).delayMs,
    ).toBe(2000);
    expect(nextState(s(), { kind: "failed", retryable: true, code: "lease_expired" }, policy()).state).toBe("queued");
    expect(nextState(s(), boom, policy({ backoff: { initialMs: 0, maxMs: 0, multiplier: 2, jitter: 0 } })).state).toBe(
      "queued",
    );
  });

  it("retry_on limits which codes retry; escalate_on goes to a person at once", () => {
    const p = policy({ retryOn: ["rate_limited"], escalateOn: ["needs_human"] });
    expect(nextState(s(), boom, p).state).toBe("failed");
    expect(nextState(s(), { kind: "failed", retryable: true, code: "rate_limited" }, p).state).toBe("retry_wait");
    expect(nextState(s({ attempts: 1 }), { kind: "failed", retryable: false, code: "needs_human" }, p).state).toBe(
      "escalated",
    );
    // A lost runner always retries: the work was not at fault.
    expect(nextState(s(), { kind: "failed", retryable: true, code: "lease_expired" }, p).state).toBe("queued");
  });

  it("on_exhausted fail ends the task instead of escalating; different_runner false avoids nobody", () => {
    expect(nextState(s({ attempts: 3 }), boom, policy({ onExhausted: "fail" })).state).toBe("failed");
    expect(nextState(s(), boom, policy({ differentRunner: false })).avoidRunners).toEqual([]);
  });

  it("backoff grows by the multiplier, never passes the cap, and jitter only shortens it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (initialMs, extra, multiplier, jitter, n, rand) => {
          const b = { initialMs, maxMs: initialMs + extra, multiplier, jitter };
          const d = backoffMs(b, n, rand);
          const nominal = Math.min(b.maxMs, initialMs * multiplier ** (n - 1));
          expect(d).toBeLessThanOrEqual(Math.round(nominal));
          expect(d).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - jitter)));
          expect(backoffMs(b, n + 1, 0)).toBeGreaterThanOrEqual(backoffMs(b, n, 0));
        },
      ),
    );
  });
});
