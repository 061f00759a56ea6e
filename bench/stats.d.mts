// Types for bench/stats.mjs.
export interface Stats {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}
export function stats(samples: readonly number[]): Stats;
