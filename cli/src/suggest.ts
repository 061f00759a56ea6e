// "Did you mean …?" for misspelt commands, nouns and agent names. Pure.

/** Edit distance (insert, delete, substitute, and swap of two neighbours), as git and kubectl suggest by. */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/**
 * The closest of `candidates` to `word`, when close enough to be a typo: at most a third of the
 * longer word's letters wrong (and at least one allowed), or `word` a prefix of exactly one candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const prefixed = candidates.filter((c) => c.toLowerCase().startsWith(w));
  if (w.length >= 2 && prefixed.length === 1) return prefixed[0];
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const dist = distance(w, c.toLowerCase());
    if (!best || dist < best.d) best = { c, d: dist };
  }
  if (!best) return undefined;
  return best.d <= Math.max(1, Math.floor(Math.max(w.length, best.c.length) / 3)) ? best.c : undefined;
}

/** ` Did you mean "x"?`, or "" when nothing is close. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? "" : ` Did you mean "${c}"?`;
}
