// The TenantDO's time, injected: every adapter asks this clock, never Date.now().
// Tests move an OffsetClock forward instead of sleeping (test/workers/helpers.ts advance()).

export interface Clock {
  now(): number;
}

/** Wall time plus an offset the tests move. */
export class OffsetClock implements Clock {
  offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }
}

/** The wall time at which `clock` will read `at` (a storage alarm is set on wall time). */
export function wallTime(clock: Clock, at: number): number {
  return at - (clock.now() - Date.now());
}
