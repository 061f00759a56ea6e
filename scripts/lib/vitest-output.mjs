// Reading vitest's console output (the default and verbose reporters), for scripts/stress.mjs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI colour escapes is the point.
const ANSI = /\u001b\[[0-9;]*m/g;

/** The failed tests a vitest run printed: " FAIL  file > suite > test" lines, and "×" lines of the verbose reporter. */
export function failedTests(output) {
  const out = new Set();
  for (const raw of output.split("\n")) {
    const line = raw.replace(ANSI, "");
    const m = /^\s*(?:FAIL|×)\s+(\S.*?)(?:\s+\d+ms)?\s*$/.exec(line);
    if (m?.[1]?.includes(".test.ts")) out.add(m[1].replace(/\s+\[[^\]]*\]$/, ""));
  }
  return [...out].sort();
}
