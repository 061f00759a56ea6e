// zod schemas for every body the API takes or gives. Types come from z.infer;
// the OpenAPI document is generated from these same schemas. One file per group, all exported here.
export * from "./schemas-agents.js";
export * from "./schemas-base.js";
export * from "./schemas-calls.js";
export * from "./schemas-tasks.js";
export * from "./log-schemas.js";
