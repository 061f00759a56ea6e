// The agent state's fields (a checkpoint's JSON form) in plain zod, without the OpenAPI
// extension: the runner validates what its agent checkpoints with this, and loads neither
// @hono/zod-openapi nor the rest of the API's schemas for it (idle RSS, issue #9).
// src/api/schemas.ts builds the documented AgentState and StateDelta from the same fields.
import { z } from "zod";
import { LIMITS } from "./limits.js";

export const Message = z.strictObject({
  role: z.string().max(64),
  content: z.string().optional(),
  name: z.string().max(LIMITS.name).optional(),
  tool_call_id: z.string().max(LIMITS.name).optional(),
});
export const ToolCall = z.strictObject({
  id: z.string().max(LIMITS.name).optional(),
  name: z.string().max(LIMITS.name),
  arguments: z.string().optional(),
  result: z.string().optional(),
  status: z.enum(["pending", "ok", "error"]).optional(),
  started_at_ms: z.number().int().nonnegative().optional(),
  ended_at_ms: z.number().int().nonnegative().optional(),
});
/** Fields of a state; a delta has the same, meaning "appended" or "replaced" (see StateDelta). */
export const stateFields = {
  messages: z.array(Message).optional(),
  tool_calls: z.array(ToolCall).optional(),
  reasoning: z.string().optional(),
  cursor: z
    .strictObject({
      step: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1),
      sub_step: z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1)
        .optional(),
    })
    .optional(),
  app_state: z.json().optional(),
  app_state_base64: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, "base64")
    .optional(),
  metadata: z.record(z.string().max(LIMITS.name), z.string()).optional(),
};
export const oneAppState = (s: { app_state?: unknown; app_state_base64?: string | undefined }) =>
  !(s.app_state !== undefined && s.app_state_base64 !== undefined);
export const ONE_APP_STATE = "give app_state or app_state_base64, not both";

/** A full state as an agent gives it to its runner; the Worker's AgentStateJson is the same, documented. */
export const AgentStateBody = z.strictObject(stateFields).refine(oneAppState, ONE_APP_STATE);
