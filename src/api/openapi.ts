// Small helpers that keep route definitions short.
import { z } from "@hono/zod-openapi";
import { ErrorSchema } from "./schemas.js";

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

export const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

const err = (description: string) => ({ content: { "application/json": { schema: ErrorSchema } }, description });

export const errors = {
  400: err("Bad input; zod issues in details"),
  401: err("Missing or invalid key"),
  403: err("The key lacks the scope"),
  404: err("Not found in this tenant"),
  409: err("Conflict or stale lease epoch"),
  413: err("Body too large"),
} as const;

export const security = [{ bearer: [] }];

/** A path segment naming a task, runner or agent. */
export const PathId = z.string().min(1).max(128);
