// The nouns of `get` and `describe`, kubectl style: each answers to its plural, its singular and a
// short name, and a misspelt one gets a suggestion. Pure.
import { CliError, EXIT } from "./errors.js";
import { closest } from "./suggest.js";

export const NOUNS = {
  tasks: ["task", "t"],
  runners: ["runner", "r"],
  agents: ["agent", "a"],
  keys: ["key", "k"],
  approvals: ["approval"],
  escalations: ["escalation", "esc"],
} as const satisfies Record<string, readonly string[]>;
export type Noun = keyof typeof NOUNS;

/** Nouns `describe` knows (one object, in detail). */
export const DESCRIBABLE = ["tasks", "runners", "agents"] as const satisfies readonly Noun[];

const ALL: readonly string[] = Object.entries(NOUNS).flatMap(([n, a]) => [n, ...a]);

export function nounOf(word: string, allowed: readonly Noun[] = Object.keys(NOUNS) as Noun[]): Noun {
  const w = word.toLowerCase();
  const hit = (Object.keys(NOUNS) as Noun[]).find((n) => n === w || (NOUNS[n] as readonly string[]).includes(w));
  if (hit && allowed.includes(hit)) return hit;
  const names = allowed.flatMap((n) => [n, ...NOUNS[n]]);
  if (hit) throw new CliError(`"${word}" cannot be used here`, EXIT.usage, `one of: ${allowed.join(", ")}`);
  const guess = closest(w, names) ?? closest(w, ALL);
  throw new CliError(
    `unknown resource "${word}".${guess ? ` Did you mean "${guess}"?` : ""}`,
    EXIT.usage,
    `one of: ${allowed.join(", ")}`,
  );
}
