// Health, readiness and the generated OpenAPI document: no key needed.
import { describe, expect, it } from "vitest";
import { call } from "./helpers.js";

describe("meta routes", () => {
  it("/healthz and /readyz answer 200", async () => {
    const h = await call("GET", "/healthz", null);
    expect(h.status).toBe(200);
    expect(h.body).toEqual({ status: "ok" });
    const r = await call("GET", "/readyz", null);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ready", checks: { storage: "ok" } });
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
