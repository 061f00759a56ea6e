// Health, readiness and the generated OpenAPI document: no key needed.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/api/app.js";
import type { Env } from "../../src/env.js";
import { BASE, call } from "./helpers.js";

/** /readyz served by the Worker's app with a changed environment (a broken binding, a Redis that is not there). */
async function readyzWith(over: Partial<Record<keyof Env, unknown>>): Promise<{ status: number; text: string }> {
  const res = await createApp().fetch(
    new Request(`${BASE}/readyz`),
    { ...(env as unknown as Env), ...over } as Env,
    createExecutionContext(),
  );
  return { status: res.status, text: await res.text() };
}

describe("meta routes", () => {
  it("/healthz and /readyz answer 200", async () => {
    const h = await call("GET", "/healthz", null);
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: "ok" });
    const r = await call("GET", "/readyz", null);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ready", checks: { storage: "ok" } });
  });

  it("/livez answers 200 (liveness; /healthz is its alias)", async () => {
    const l = await call("GET", "/livez", null);
    expect(l.status).toBe(200);
    expect(l.body).toEqual({ status: "ok" });
  });

  it("/readyz: a failing check answers 503 naming it as [-]<check> failed, the reason withheld", async () => {
    const broken = {
      idFromName: () => {
        throw new Error("secret-storage-reason at /var/lib/do");
      },
    };
    const s = await readyzWith({ TENANT: broken });
    expect(s.status).toBe(503);
    expect(JSON.parse(s.text)).toEqual({
      status: "not_ready",
      checks: { storage: "failed" },
      message: "[-]storage failed",
    });
    expect(s.text).not.toContain("secret-storage-reason");
    // Redis configured but not answering (nothing listens on port 9): storage ok, redis failed.
    const r = await readyzWith({
      UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
      UPSTASH_REDIS_REST_TOKEN: "t0ken-secret",
    });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text)).toEqual({
      status: "not_ready",
      checks: { storage: "ok", redis: "failed" },
      message: "[-]redis failed",
    });
    expect(r.text).not.toMatch(/127\.0\.0\.1|t0ken|refused/i);
    // Liveness does not follow either.
    const l = await createApp().fetch(
      new Request(`${BASE}/livez`),
      { ...(env as unknown as Env), TENANT: broken } as unknown as Env,
      createExecutionContext(),
    );
    expect(l.status).toBe(200);
  });

  it("/openapi.json documents /readyz's 503 as a 503, and /livez", async () => {
    const r = await call("GET", "/openapi.json", null);
    const ready = r.body.paths["/readyz"].get.responses;
    expect(ready["503"].description).toMatch(/\[-\]<check> failed/);
    expect(ready["503"].description).not.toBe("Missing or invalid key");
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(["/livez", "/healthz", "/readyz"]));
  });

  it("/openapi.json describes the v1 API", async () => {
    const r = await call("GET", "/openapi.json", null);
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe("3.1.0");
    const paths = Object.keys(r.body.paths);
    for (const p of [
      "/v1/tasks",
      "/v1/tasks/{id}",
      "/v1/tasks/{id}/checkpoint",
      "/v1/runners/{id}/lease",
      "/v1/runners/{id}/heartbeat",
      "/v1/agents/{name}",
    ]) {
      expect(paths).toContain(p);
    }
    expect(r.body.paths["/v1/tasks"].post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/SubmitTask",
    });
    expect(Object.keys(r.body.paths["/v1/tasks/{id}/checkpoint"].put.requestBody.content)).toEqual([
      "application/json",
      "application/x-protobuf",
    ]);
    expect(r.body.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
  });
});
