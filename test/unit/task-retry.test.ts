// src/task/retry.ts is the retry decision; src/scheduler/outcome.ts re-exports it. The
// stored-policy conversion (rows.ts toPolicy) and the machine's agree over random inputs.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextState as oldNext, type AttemptEnd, type Policy } from "../../src/scheduler/outcome.js";
import { toPolicy as oldToPolicy } from "../../src/durable/tenant/rows.js";
import { nextState, toPolicy } from "../../src/task/retry.js";

const codes = ["boom", "lease_expired", "attempt_timeout", "task_timeout", "fatal"];
const arbEnd: fc.Arbitrary<AttemptEnd> = fc.oneof(
  fc.constant({ kind: "succeeded" as const }),
  fc.constant({ kind: "cancelled" as const }),
  fc.constant({ kind: "released" as const }),
  fc.record({ kind: fc.constant("failed" as const), retryable: fc.boolean(), code: fc.constantFrom(...codes) }),
);
const arbPolicy: fc.Arbitrary<Policy> = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 5 }),
  backoff: fc.record({
    initialMs: fc.integer({ min: 0, max: 5000 }),
    maxMs: fc.integer({ min: 0, max: 60_000 }),
    multiplier: fc.constantFrom(1, 1.5, 2),
    jitter: fc.constantFrom(0, 0.2, 1),
  }),
  retryOn: fc.option(fc.subarray(codes), { nil: null }),
  escalateOn: fc.subarray(codes),
  onExhausted: fc.constantFrom("escalate" as const, "fail" as const),
  differentRunner: fc.boolean(),
});

describe("the retry decision beside the machine", () => {
  it("decides as src/scheduler/outcome.ts does", () => {
    fc.assert(
      fc.property(
        fc.record({
          attempts: fc.nat(6),
          maxAttempts: fc.integer({ min: 1, max: 6 }),
          runnerId: fc.option(fc.constantFrom("r1", "r2"), { nil: null }),
          avoidRunners: fc.subarray(["r1", "r2", "r3"]),
        }),
        arbEnd,
        arbPolicy,
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (s, end, p, rand) => {
          expect(nextState(s, end, p, rand)).toEqual(oldNext(s, end, p, rand));
        },
      ),
      { numRuns: 500 },
    );
  });
  it("reads a stored policy as rows.ts's toPolicy does", () => {
    const stored = {
      max_attempts: 4,
      backoff: { initial_ms: 10, max_ms: -1, multiplier: 3, jitter: 0.1 },
      retry_on: ["x"],
      escalate_on: [],
      on_exhausted: "fail" as const,
      different_runner: false,
    };
    expect(toPolicy(stored)).toEqual(oldToPolicy(stored));
  });
});
