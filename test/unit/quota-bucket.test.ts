// The token bucket against golang.org/x/time/rate's documented behaviour. The
// cases mirror rate_test.go: NewLimiter(10, burst) is 10 tokens a second, one
// token every 100 ms; t0..t6 are 100 ms apart. Arithmetic above each check.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  allow,
  cancel,
  charge,
  newBucket,
  refund,
  reserve,
  retryAfterMs,
  tokensAt,
  type BucketState,
  type Reservation,
} from "../../src/quota/bucket.js";

const PER_SECOND = (n: number) => n / 1000;
const t = (i: number) => 1_000_000 + i * 100;

/** Reserve with the Limiter's Reserve (unbounded wait) and check ok and timeToAct. */
function run(box: { b: BucketState }, at: number, n: number, act: number | null, maxWait = Infinity): Reservation {
  const r = reserve(box.b, at, n, maxWait);
  box.b = r.state;
  if (act === null) expect(r.reservation.ok).toBe(false);
  else {
    expect(r.reservation.ok).toBe(true);
    expect(r.reservation.timeToAct).toBeCloseTo(act, 6);
  }
  return r.reservation;
}

describe("token bucket (x/time/rate semantics)", () => {
  it("burst: a full bucket grants burst at once, then one per refill interval", () => {
    let b = newBucket(PER_SECOND(10), 3, t(0));
    const got: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const r = allow(b, t(0), 1);
      b = r.state;
      got.push(r.ok);
    }
    // 3 tokens in the bucket: three yes, the fourth no.
    expect(got).toEqual([true, true, true, false]);
    // 100 ms later, 1 token has come back: one yes, then no.
    expect(allow(b, t(1), 1).ok).toBe(true);
    b = allow(b, t(1), 1).state;
    expect(allow(b, t(1), 1).ok).toBe(false);
  });

  it("refill never exceeds burst, and a clock going back refills nothing", () => {
    const b = newBucket(PER_SECOND(10), 2, t(0));
    const empty = allow(b, t(0), 2).state;
    // An hour later: capped at burst 2.
    expect(tokensAt(empty, t(0) + 3_600_000)).toBe(2);
    // Before the last update: no refill.
    expect(tokensAt(empty, t(0) - 5000)).toBe(0);
  });

  it("n above burst is never granted, and a refused reservation changes nothing", () => {
    const b = newBucket(PER_SECOND(10), 2, t(0));
    const r = reserve(b, t(0), 3, Infinity);
    expect(r.reservation.ok).toBe(false);
    expect(r.state).toEqual(b);
    expect(retryAfterMs(b, t(0), 3)).toBe(Infinity);
  });

  it("reservation delay (TestSimpleReserve)", () => {
    const box = { b: newBucket(PER_SECOND(10), 2, t(0)) };
    run(box, t(0), 2, t(0));
    // level 0 - 2 = -2: acts after 2 tokens' refill, 200 ms.
    run(box, t(0), 2, t(2));
    // at t3 the level is -2 + 3 = 1; minus 2 = -1: acts 100 ms later.
    run(box, t(3), 2, t(4));
  });

  it("a reservation whose wait exceeds maxWait is refused (TestReserveMax)", () => {
    const box = { b: newBucket(PER_SECOND(10), 2, t(0)) };
    run(box, t(0), 2, t(0), 0);
    run(box, t(0), 1, t(1), 100);
    // level -1; 1 more needs 200 ms > 100 ms.
    run(box, t(0), 1, null, 100);
  });

  it("cancel restores the tokens of the last reservation (TestCancelLast)", () => {
    const box = { b: newBucket(PER_SECOND(10), 2, t(0)) };
    run(box, t(0), 2, t(0));
    const r = run(box, t(0), 2, t(2));
    box.b = cancel(box.b, r, t(1));
    // At t1: level -2 + 1 + 2 restored = 1; 2 more leaves -1: acts at t2.
    run(box, t(1), 2, t(2));
  });

  it("cancel after the reservation acted has no effect (TestCancelTooLate)", () => {
    const box = { b: newBucket(PER_SECOND(10), 2, t(0)) };
    run(box, t(0), 2, t(0));
    const r = run(box, t(0), 2, t(2));
    const before = box.b;
    box.b = cancel(box.b, r, t(3));
    expect(box.b).toEqual(before);
    // At t3: level -2 + 3 = 1; minus 2 = -1: acts at t4.
    run(box, t(3), 2, t(4));
  });

  it("cancel keeps the tokens reserved after it (TestCancel1Token)", () => {
    const box = { b: newBucket(PER_SECOND(10), 2, t(0)) };
    run(box, t(0), 2, t(0));
    const r = run(box, t(0), 2, t(2));
    run(box, t(0), 1, t(3));
    // r held 2, but 1 was reserved after it (lastEvent t3 - r's t2 = 100 ms = 1 token): 1 comes back.
    box.b = cancel(box.b, r, t(2));
    // At t2: level -3 + 2 refilled + 1 restored = 0; minus 2 = -2: acts at t4.
    run(box, t(2), 2, t(4));
  });

  it("cancels of several reservations (TestCancelMulti)", () => {
    const box = { b: newBucket(PER_SECOND(10), 4, t(0)) };
    run(box, t(0), 4, t(0));
    const rA = run(box, t(0), 3, t(3));
    run(box, t(0), 1, t(4));
    const rC = run(box, t(0), 1, t(5));
    // rC was last: all of its 1 token back, and lastEvent moves back to t4.
    box.b = cancel(box.b, rC, t(1));
    // rA: 3 minus the 1 token reserved after it = 2 back.
    box.b = cancel(box.b, rA, t(1));
    // At t1: level -5 + 1 refilled + 1 + 2 = -1; minus 3 = -4: acts 400 ms later, at t5.
    run(box, t(1), 3, t(5));
  });

  it("refund gives back unused tokens up to burst; charge takes more, below zero", () => {
    let b = allow(newBucket(PER_SECOND(10), 10, t(0)), t(0), 10).state;
    b = refund(b, t(0), 4);
    expect(tokensAt(b, t(0))).toBe(4);
    b = refund(b, t(0), 100);
    expect(tokensAt(b, t(0))).toBe(10);
    b = charge(b, t(0), 15);
    expect(tokensAt(b, t(0))).toBe(-5);
    // 6 tokens wanted, 11 missing: 1100 ms.
    expect(retryAfterMs(b, t(0), 6)).toBeCloseTo(1100, 6);
  });
});

// ---- property: granted over any window ≤ rate × window + burst ---------------

const arbOp = fc.oneof(
  fc.record({
    kind: fc.constant("allow" as const),
    dt: fc.integer({ min: 0, max: 400 }),
    n: fc.integer({ min: 1, max: 6 }),
  }),
  fc.record({
    kind: fc.constant("reserve" as const),
    dt: fc.integer({ min: 0, max: 400 }),
    n: fc.integer({ min: 1, max: 6 }),
    maxWait: fc.integer({ min: 0, max: 2000 }),
  }),
  fc.record({ kind: fc.constant("cancel" as const), dt: fc.integer({ min: 0, max: 400 }), which: fc.nat() }),
);

describe("token bucket property", () => {
  it("what is granted in any window [a, b] is at most rate × (b − a) + burst", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(arbOp, { minLength: 1, maxLength: 80 }),
        (perSecond, burst, ops) => {
          const rate = PER_SECOND(perSecond);
          let now = 0;
          let b = newBucket(rate, burst, now);
          const granted: { at: number; n: number; cancelled: boolean; r: Reservation }[] = [];
          for (const op of ops) {
            now += op.dt;
            if (op.kind === "cancel") {
              const g = granted[op.which % Math.max(1, granted.length)];
              // Only a reservation not yet acted can be cancelled; its tokens are then never used.
              if (g && !g.cancelled && g.r.timeToAct >= now) {
                b = cancel(b, g.r, now);
                g.cancelled = true;
              }
              continue;
            }
            const r = reserve(b, now, op.n, op.kind === "allow" ? 0 : op.maxWait);
            b = r.state;
            if (r.reservation.ok)
              granted.push({ at: r.reservation.timeToAct, n: op.n, cancelled: false, r: r.reservation });
          }
          const used = granted.filter((g) => !g.cancelled).sort((x, y) => x.at - y.at);
          for (let i = 0; i < used.length; i++) {
            let sum = 0;
            for (let j = i; j < used.length; j++) {
              sum += (used[j] as (typeof used)[number]).n;
              const window = (used[j] as (typeof used)[number]).at - (used[i] as (typeof used)[number]).at;
              expect(sum).toBeLessThanOrEqual(rate * window + burst + 1e-9);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
