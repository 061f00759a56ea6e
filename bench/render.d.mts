// Types for bench/render.mjs (plain JS, run by Node without a build step).
export const LEASE_BATCH: number;
export const README_BLOCK: RegExp;
/** The page text with the generated block replaced by `md`; null when the markers are missing. */
export function withResults(readme: string, md: string): string | null;
/** The Markdown of a bench run; `results` is bench/results.json as bench/run.mjs writes it. */
export function renderResults(results: unknown): string;
