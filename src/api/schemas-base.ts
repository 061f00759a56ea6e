// The shared pieces of the API schemas: JSON values, names, scopes, resources, labels. (re-exported by schemas.ts)
import { z } from "@hono/zod-openapi";
import { isIntegerResource, LIMITS, RESOURCE_MAX } from "./limits.js";
import { Message, ToolCall } from "./state-schema.js";

// zod schemas for every body the API takes or gives. Types come from z.infer;
// the OpenAPI document is generated from these same schemas.

export { Message, ToolCall };

export { LIMITS };

/**
 * Any JSON value. zod-to-openapi recurses without end on z.json()'s lazy
 * union (GET /openapi.json answered 500), so its OpenAPI type is spelled out.
 */
export const Json = z.json().openapi({ type: ["object", "array", "string", "number", "boolean", "null"] });

export const Name = z
  .string()
  .min(1)
  .max(LIMITS.name)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "letters, digits and . _ : - only, starting with a letter or digit");

export const Scope = z.enum(["admin", "submit", "runner", "read"]).openapi("Scope");
export type Scope = z.infer<typeof Scope>;

export { isIntegerResource, RESOURCE_MAX };

/** Resource vector: cpu (millicores), memory_mb, gpu_memory_mb, or any custom kind. */
export const Resources = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "resource names are lower_snake_case"),
    z.number().finite().nonnegative().max(RESOURCE_MAX, `a resource value is at most 2^53 (${RESOURCE_MAX})`),
  )
  .refine((r) => Object.keys(r).length <= LIMITS.listSize, "too many resource kinds")
  .superRefine((r, ctx) => {
    for (const [k, v] of Object.entries(r))
      if (isIntegerResource(k) && !Number.isInteger(v))
        ctx.addIssue({ code: "custom", path: [k], message: `${k} is counted in whole units: an integer` });
  })
  .openapi("Resources", { example: { cpu: 500, memory_mb: 256 } });
/** Sums of resource vectors (the cluster's capacity, an agent's allocation): finite, but past RESOURCE_MAX. */
export const ResourceTotals = z
  .record(z.string(), z.number())
  .openapi("ResourceTotals", { example: { cpu: 16000, memory_mb: 65536 } });
export type Resources = z.infer<typeof Resources>;

export const Labels = z
  .record(z.string().min(1).max(LIMITS.name), z.string().max(LIMITS.labelValue))
  .refine((r) => Object.keys(r).length <= LIMITS.listSize, "too many labels")
  .openapi("Labels", { example: { pci: "true", region: "eu" } });
export type Labels = z.infer<typeof Labels>;

export const Capabilities = z.array(z.string().min(1).max(LIMITS.name)).max(LIMITS.listSize);

export const ErrorCode = z.string().min(1).max(LIMITS.name);
export const Millis = (max: number) => z.number().int().min(0).max(max);
export const DAY_MS = 24 * 3600_000;
/** The longest deadline a park may have (approval and escalation timeouts): spilled checkpoints outlive it (agent-do.ts). */
export const PARK_MAX_MS = 30 * DAY_MS;
