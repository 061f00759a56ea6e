// task.waiting: why a task is not running now (src/scheduler/waiting.ts computes it).
import { z } from "@hono/zod-openapi";
import { WAITING_REASONS } from "../scheduler/waiting.js";

const Json = z.json().openapi({ type: ["object", "array", "string", "number", "boolean", "null"] });

export const TaskWaiting = z
  .object({
    reason: z.enum(WAITING_REASONS),
    /** Names the missing thing: "no ready runner offers capability crm-api". */
    message: z.string(),
    /** When the task entered the state it waits in. */
    since: z.string().optional(),
    /** The missing thing as data: runner, capability, resource, requested, largest, … (docs/waiting.md). */
    details: z.record(z.string(), Json).optional(),
  })
  .openapi("TaskWaiting");
export type TaskWaiting = z.infer<typeof TaskWaiting>;
