// `officeos apply`: agents files and the created / updated / unchanged decision,
// free of I/O. A file holds YAML documents (or JSON); each is one
// `{kind: Agent, name, spec}` or a list of them. Specs are checked with the
// API's own AgentSpec schema, and compared after the same normalisation the
// server applies when it stores an agent (defaults filled, capabilities sorted),
// so "unchanged" means a PUT would store exactly what is there.
import { parseAllDocuments } from "yaml";
import { z } from "zod";
import { AgentSpec } from "../../src/api/schemas.js";
import { normalizeAgentSpec } from "../../src/durable/tenant/rows.js";
import { CliError, EXIT } from "./errors.js";

const Name = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only, starting with a letter or digit");

export const AgentDoc = z.strictObject({
  apiVersion: z.literal("officeos/v1").optional(),
  kind: z.literal("Agent"),
  name: Name,
  spec: AgentSpec.default({}),
});
export type AgentDoc = z.infer<typeof AgentDoc>;

/** Parses one file's text (YAML is a superset of JSON) into agent documents. */
export function parseAgentsFile(text: string, source: string): AgentDoc[] {
  const docs = parseAllDocuments(text);
  const out: AgentDoc[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  for (const [i, doc] of list.entries()) {
    const where = list.length > 1 ? `${source} (document ${i + 1})` : source;
    const [error] = doc.errors;
    if (error) throw new CliError(`${where}: ${error.message}`, EXIT.usage);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const items = Array.isArray(value) ? value : isList(value) ? value.items : [value];
    for (const [j, item] of items.entries()) {
      const r = AgentDoc.safeParse(item);
      if (!r.success) {
        const at = Array.isArray(value) || isList(value) ? `${where} item ${j + 1}` : where;
        const name =
          typeof (item as { name?: unknown })?.name === "string" ? ` (agent "${(item as { name: string }).name}")` : "";
        throw new CliError(
          `${at}${name} is not a valid agent:\n${z.prettifyError(r.error)}`,
          EXIT.usage,
          "each item is {kind: Agent, name, spec: {resources, capabilities, ...}}; see docs/cli.md",
        );
      }
      out.push(r.data);
    }
  }
  return out;
}

function isList(v: unknown): v is { items: unknown[] } {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as { kind?: unknown }).kind === "List" &&
    Array.isArray((v as { items?: unknown }).items)
  );
}

/** The same agent twice across the files is a mistake, not "last one wins". */
export function checkUnique(docs: readonly AgentDoc[]): void {
  const seen = new Set<string>();
  for (const d of docs) {
    if (seen.has(d.name)) throw new CliError(`agent "${d.name}" appears more than once`, EXIT.usage);
    seen.add(d.name);
  }
}

export type Change =
  | { name: string; action: "created" }
  | { name: string; action: "unchanged" }
  | { name: string; action: "updated"; fields: string[] };

/**
 * Compares the wanted spec with the agent the server holds (undefined: none).
 * Fields the server shows but this CLI does not know (a newer server) are left out.
 */
export function diffAgent(name: string, wanted: AgentSpec, current: Record<string, unknown> | undefined): Change {
  if (!current) return { name, action: "created" };
  const want = normalizeAgentSpec(wanted) as unknown as Record<string, unknown>;
  const fields = Object.keys(want)
    .filter((k) => canonical(want[k]) !== canonical(current[k]))
    .sort();
  return fields.length ? { name, action: "updated", fields } : { name, action: "unchanged" };
}

/** JSON with object keys sorted at every depth: key order is not a change. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
}
