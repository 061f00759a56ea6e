// The environment is validated at the edge (src/env.ts, src/worker.ts): a bad
// value gets a 503 naming the variable and what it should be (never its value,
// which may be a secret), not a silent default or a 500. Liveness still answers.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/env.js";
import worker from "../../src/worker.js";
import { BASE } from "./helpers.js";

async function get(path: string, over: Record<string, unknown>): Promise<{ status: number; body: any; text: string }> {
  const e = { ...(env as unknown as Env), ...over } as Env;
  const res = await worker.fetch(new Request(`${BASE}${path}`), e, createExecutionContext());
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) };
}

describe("Env validated at the edge", () => {
  it("a bad OFFICEOS_MAX_RUNNERS: 503 naming the variable and what it must be, not its value", async () => {
    const r = await get("/v1/tasks", { OFFICEOS_MAX_RUNNERS: "lots-of-them" });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("unavailable");
    expect(r.body.error.message).toBe("the Worker is misconfigured: OFFICEOS_MAX_RUNNERS: expected a whole number ≥ 1");
    expect(r.body.error.details.variables).toEqual([
      { variable: "OFFICEOS_MAX_RUNNERS", problem: "expected a whole number ≥ 1" },
    ]);
    expect(r.text).not.toContain("lots-of-them");
    for (const v of ["0", "1.5", "-3"])
      expect((await get("/readyz", { OFFICEOS_MAX_RUNNERS: v })).body.error.details.variables[0].variable).toBe(
        "OFFICEOS_MAX_RUNNERS",
      );
  });

  it("names every bad variable at once; Redis needs both its URL and token; values stay out", async () => {
    const r = await get("/v1/tasks", {
      OFFICEOS_RATE_RPS: "fast",
      UPSTASH_REDIS_REST_URL: "redis://secret-host:6379",
    });
    expect(r.status).toBe(503);
    expect(r.body.error.details.variables.map((v: any) => v.variable).sort()).toEqual([
      "OFFICEOS_RATE_RPS",
      "UPSTASH_REDIS_REST_TOKEN",
      "UPSTASH_REDIS_REST_URL",
    ]);
    expect(r.text).not.toContain("secret-host");
  });

  it("liveness answers whatever the configuration; a good one serves as before", async () => {
    expect((await get("/livez", { OFFICEOS_MAX_KEYS: "many" })).status).toBe(200);
    expect((await get("/healthz", { OFFICEOS_MAX_KEYS: "many" })).status).toBe(200);
    // Unset or empty means the default, as before.
    expect((await get("/readyz", { OFFICEOS_MAX_KEYS: "" })).status).toBe(200);
    expect((await get("/readyz", { OFFICEOS_MAX_KEYS: "25", OFFICEOS_RATE_RPS: "0" })).status).toBe(200);
  });
});
