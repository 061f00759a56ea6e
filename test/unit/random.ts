// A small seeded generator for randomised cases (no property-test library is
// installed). The seed is printed by the tests that use it when they fail.

/** mulberry32: a tiny deterministic PRNG; returns floats in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

export function shuffle<T>(r: () => number, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const ALPHABET = ["a", "b", "z", "0", " ", "é", "✓", "\u{1F600}", '"', "\\", "\n"];
export const text = (r: () => number, max: number): string =>
  Array.from({ length: int(r, 0, max) }, () => pick(r, ALPHABET)).join("");
