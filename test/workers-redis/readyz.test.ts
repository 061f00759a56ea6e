// /readyz with Redis configured: it asks Redis too (through the Upstash REST bridge).
import { describe, expect, it } from "vitest";
import { call } from "../workers/helpers.js";

describe("/readyz with Redis", () => {
  it("checks storage and Redis", async () => {
    const r = await call("GET", "/readyz", null);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ready", checks: { storage: "ok", redis: "ok" } });
  });
});
