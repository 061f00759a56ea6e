// Issue #18's rough edges at the Worker: the bare host leads to the dashboard,
// and a 415 says which Content-Type the route takes.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, expectError, fixture, putAgent } from "./helpers.js";

describe("GET /", () => {
  it("redirects to /dashboard", async () => {
    for (const method of ["GET", "HEAD"]) {
      const res = await SELF.fetch(`${BASE}/`, { method, redirect: "manual" });
      expect(res.status, method).toBe(302);
      expect(new URL(res.headers.get("location") ?? "", BASE).pathname, method).toBe("/dashboard");
      await res.arrayBuffer();
    }
  });

  it("is not a catch-all: other unknown paths stay 404", async () => {
    expectError(await call("GET", "/index.html", null), 404, "not_found");
    expectError(await call("POST", "/", null, {}), 404, "not_found");
  });
});

describe("415 names the expected Content-Type", () => {
  it("a JSON route names application/json and what was sent", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const r = await call("POST", "/v1/tasks", f.submit, '{"agent":"echo"}', { "content-type": "text/plain" });
    expectError(r, 415, "unsupported_media_type");
    expect(r.body.error.message).toBe("this route takes Content-Type: application/json; it was text/plain");
    expect(r.body.error.details).toEqual({ expected: ["application/json"], received: "text/plain" });
  });

  it("says when none was sent", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    // A string body would get text/plain from fetch; bytes go without a type.
    const r = await call("PUT", "/v1/agents/echo", f.admin, new TextEncoder().encode('{"weight":2}'), {});
    expectError(r, 415, "unsupported_media_type");
    expect(r.body.error.message).toBe("this route takes Content-Type: application/json; none was sent");
    expect(r.body.error.details).toEqual({ expected: ["application/json"], received: null });
  });

  it("a route with a path parameter and two types names both", async () => {
    const f = await fixture();
    const r = await call("PUT", "/v1/tasks/task_x/checkpoint", f.runner, "{}", { "content-type": "text/plain" });
    expectError(r, 415, "unsupported_media_type");
    expect(r.body.error.message).toContain("application/json");
    expect(r.body.error.message).toContain("application/x-protobuf");
    expect(r.body.error.details.expected).toEqual(["application/json", "application/x-protobuf"]);
  });

  it("bounds the echoed header", async () => {
    const f = await fixture();
    const long = `text/plain; x=${"y".repeat(5000)}`;
    const r = await call("POST", "/v1/tasks", f.submit, "{}", { "content-type": long });
    expectError(r, 415, "unsupported_media_type");
    expect(r.body.error.details.received.length).toBeLessThanOrEqual(201);
  });
});
