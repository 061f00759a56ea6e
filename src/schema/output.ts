// Output schemas: an agent's optional JSON Schema for its task results, checked
// on complete with @cfworker/json-schema (no code generation, so it runs in
// workerd). That library does not check a schema itself, so a compact
// meta-schema of the common keywords catches a broken one at PUT time.
import { Validator, type Schema } from "@cfworker/json-schema";

const TYPES = ["null", "boolean", "object", "array", "number", "string", "integer"];
const schemaList = { type: "array", minItems: 1, items: { $ref: "#" } };
const count = { type: "integer", minimum: 0 };

const META = {
  $id: "https://officeos.dev/meta/output-schema",
  type: ["object", "boolean"],
  properties: {
    $schema: { type: "string" },
    $id: { type: "string" },
    $ref: { type: "string" },
    $defs: { type: "object", additionalProperties: { $ref: "#" } },
    definitions: { type: "object", additionalProperties: { $ref: "#" } },
    type: { anyOf: [{ enum: TYPES }, { type: "array", minItems: 1, uniqueItems: true, items: { enum: TYPES } }] },
    properties: { type: "object", additionalProperties: { $ref: "#" } },
    patternProperties: { type: "object", additionalProperties: { $ref: "#" } },
    additionalProperties: { $ref: "#" },
    propertyNames: { $ref: "#" },
    items: { anyOf: [{ $ref: "#" }, { type: "array", items: { $ref: "#" } }] },
    prefixItems: schemaList,
    contains: { $ref: "#" },
    required: { type: "array", uniqueItems: true, items: { type: "string" } },
    enum: { type: "array" },
    allOf: schemaList,
    anyOf: schemaList,
    oneOf: schemaList,
    not: { $ref: "#" },
    if: { $ref: "#" },
    // biome-ignore lint/suspicious/noThenProperty: a JSON Schema keyword, not a thenable.
    then: { $ref: "#" },
    else: { $ref: "#" },
    minimum: { type: "number" },
    maximum: { type: "number" },
    exclusiveMinimum: { type: ["number", "boolean"] },
    exclusiveMaximum: { type: ["number", "boolean"] },
    multipleOf: { type: "number", exclusiveMinimum: 0 },
    minLength: count,
    maxLength: count,
    minItems: count,
    maxItems: count,
    minProperties: count,
    maxProperties: count,
    uniqueItems: { type: "boolean" },
    pattern: { type: "string", format: "regex" },
    format: { type: "string" },
  },
};

const meta = new Validator(META as unknown as Schema, "2020-12", false);

/** Why `schema` cannot serve as an output schema, or null when it can. */
export function outputSchemaProblem(schema: unknown): string | null {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return "it must be an object";
  const r = meta.validate(schema);
  if (!r.valid) {
    const e =
      r.errors.filter((x) => x.keyword !== "$ref" && x.keyword !== "properties" && x.keyword !== "anyOf").at(-1) ??
      r.errors[0];
    return e ? `${e.instanceLocation} ${e.error}` : "invalid";
  }
  try {
    new Validator(schema as object, "2020-12", false).validate(null);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Checks results against one schema; compiled once. */
export class OutputCheck {
  private readonly v: Validator;
  constructor(schema: object) {
    this.v = new Validator(schema, "2020-12", false);
  }
  /** Null when `value` conforms, else the first few problems. */
  problem(value: unknown): string | null {
    const r = this.v.validate(value);
    if (r.valid) return null;
    return r.errors
      .filter((e) => e.keyword !== "properties" && e.keyword !== "items")
      .slice(0, 3)
      .map((e) => `${e.instanceLocation || "#"} ${e.error}`)
      .join("; ");
  }
}
