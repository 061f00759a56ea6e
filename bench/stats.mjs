// Percentiles of a bench's samples, one definition for every bench (plain JS: run.mjs and bullmq.mjs run
// under Node without a build step; the .ts benches import it through esbuild).

/** n, p50, p90, p99, mean and max of `samples` (nearest-rank percentiles on the sorted samples). */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN;
  return {
    n: s.length,
    p50: q(50),
    p90: q(90),
    p99: q(99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    max: s[s.length - 1] ?? Number.NaN,
  };
}
