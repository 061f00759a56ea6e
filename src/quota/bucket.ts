// A token bucket with the semantics of Go's golang.org/x/time/rate Limiter,
// as plain data and pure functions: time (milliseconds) is passed in, the
// state is a value the caller stores. The Limiter's rules kept here:
//   - tokens refill at `rate` per millisecond up to `burst`; a clock that goes
//     backwards refills nothing (advance clamps `last`);
//   - reserve(n) takes n tokens now, possibly driving the level negative; the
//     reservation may act when the level is back to zero (`timeToAct`). It is
//     refused when n > burst or the wait would exceed `maxWaitMs`, and a
//     refused reservation changes nothing;
//   - allow(n) is reserve(n) with no wait allowed;
//   - cancel(r) before r acts gives back r's tokens minus those reserved after
//     r (they were promised from the same future refill), and moves
//     `lastEvent` back when r was the last reservation.
// Additions over the Limiter: `refund` and `charge` (settling a reservation
// against real use once the call is over) and `retryAfterMs` for a 429.
// Nothing here reads a clock or does I/O.

export interface BucketState {
  /** Tokens per millisecond; Infinity for "no limit". */
  rate: number;
  burst: number;
  tokens: number;
  /** When `tokens` was last brought up to date. */
  last: number;
  /** The latest timeToAct handed out (past or future). */
  lastEvent: number;
}

export interface Reservation {
  ok: boolean;
  tokens: number;
  /** When the reserved tokens may be used (ms); equals the request time when no wait is needed. */
  timeToAct: number;
  /** The rate the reservation was made under (a later rate change does not alter its arithmetic). */
  rate: number;
}

export function newBucket(rate: number, burst: number, nowMs: number): BucketState {
  return { rate, burst, tokens: burst, last: nowMs, lastEvent: nowMs };
}

// As in Go, both may be negative for a negative argument; rate 0 means no refill.
const tokensFromDuration = (rate: number, ms: number): number => (rate <= 0 ? 0 : rate * ms);
const durationFromTokens = (rate: number, tokens: number): number => (rate <= 0 ? Infinity : tokens / rate);

/** The level at `now`, refilled (not stored). Like Limiter.TokensAt. */
export function tokensAt(b: BucketState, now: number): number {
  return advance(b, now).tokens;
}

function advance(b: BucketState, now: number): { now: number; tokens: number } {
  const last = Math.min(now, b.last);
  const tokens = Math.min(b.burst, b.tokens + tokensFromDuration(b.rate, now - last));
  return { now, tokens };
}

/** Like Limiter.reserveN(t, n, maxFutureReserve). */
export function reserve(
  b: BucketState,
  now: number,
  n: number,
  maxWaitMs: number,
): { state: BucketState; reservation: Reservation } {
  if (b.rate === Infinity) return { state: b, reservation: { ok: true, tokens: n, timeToAct: now, rate: b.rate } };
  const a = advance(b, now);
  const tokens = a.tokens - n;
  const wait = tokens < 0 ? durationFromTokens(b.rate, -tokens) : 0;
  const ok = n <= b.burst && wait <= maxWaitMs;
  if (!ok) return { state: b, reservation: { ok: false, tokens: 0, timeToAct: now, rate: b.rate } };
  const timeToAct = a.now + wait;
  return {
    state: { ...b, last: a.now, tokens, lastEvent: timeToAct },
    reservation: { ok: true, tokens: n, timeToAct, rate: b.rate },
  };
}

/** Like Limiter.AllowN(t, n). */
export function allow(b: BucketState, now: number, n: number): { state: BucketState; ok: boolean } {
  const r = reserve(b, now, n, 0);
  return { state: r.state, ok: r.reservation.ok };
}

/** Like Reservation.CancelAt(t). */
export function cancel(b: BucketState, r: Reservation, now: number): BucketState {
  if (!r.ok || b.rate === Infinity || r.tokens === 0 || r.timeToAct < now) return b;
  // Tokens reserved after r were promised out of the refill r was waiting for; those are not restored.
  const restore = r.tokens - tokensFromDuration(r.rate, b.lastEvent - r.timeToAct);
  if (restore <= 0) return b;
  const a = advance(b, now);
  const tokens = Math.min(b.burst, a.tokens + restore);
  let lastEvent = b.lastEvent;
  if (r.timeToAct === b.lastEvent) {
    const prevEvent = r.timeToAct + durationFromTokens(r.rate, -r.tokens);
    if (prevEvent >= a.now) lastEvent = prevEvent;
  }
  return { ...b, last: a.now, tokens, lastEvent };
}

/** Gives back tokens reserved but not used (a call that used fewer than it reserved). */
export function refund(b: BucketState, now: number, n: number): BucketState {
  if (n <= 0 || b.rate === Infinity) return b;
  const a = advance(b, now);
  return { ...b, last: a.now, tokens: Math.min(b.burst, a.tokens + n) };
}

/** Takes tokens used beyond a reservation; the level may go below zero, delaying later reservations. */
export function charge(b: BucketState, now: number, n: number): BucketState {
  if (n <= 0 || b.rate === Infinity) return b;
  const a = advance(b, now);
  return { ...b, last: a.now, tokens: a.tokens - n };
}

/**
 * How long until `n` tokens could be taken at once; Infinity when never
 * (n above burst, or no refill).
 */
export function retryAfterMs(b: BucketState, now: number, n: number): number {
  if (b.rate === Infinity) return 0;
  if (n > b.burst) return Infinity;
  const missing = n - tokensAt(b, now);
  return missing <= 0 ? 0 : durationFromTokens(b.rate, missing);
}

/** Changes rate and burst, keeping the level earned so far (like SetLimitAt then SetBurstAt). */
export function reconfigure(b: BucketState, now: number, rate: number, burst: number): BucketState {
  const a = advance(b, now);
  return { rate, burst, tokens: Math.min(burst, a.tokens), last: a.now, lastEvent: b.lastEvent };
}
