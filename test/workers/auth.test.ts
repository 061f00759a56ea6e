// Authentication (401) and scopes (403): admin passes every check; read,
// submit and runner keys only reach their own routes.
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, expectError, fixture, lease, putAgent, registerRunner, submit } from "./helpers.js";

/** The same key with its last hex digit changed: still well-formed, wrong secret. */
function wrongSecret(key: string): string {
  return key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
}

describe("authentication", () => {
  it("answers 401 without a key, with a malformed key and with a wrong secret", async () => {
    const f = await fixture();
    expectError(await call("GET", "/v1/tasks", null), 401, "unauthorized");
    expectError(await call("GET", "/v1/tasks", "not-a-key"), 401, "unauthorized");
    expectError(await call("GET", "/v1/tasks", f.read.replace("oos.", "xyz.")), 401, "unauthorized");
    expectError(await call("GET", "/v1/tasks", `${f.read}0`), 401, "unauthorized");
    expectError(await call("GET", "/v1/tasks", f.read.toUpperCase()), 401, "unauthorized");
    expectError(await call("GET", "/v1/tasks", wrongSecret(f.read)), 401, "unauthorized");
    expectError(
      await call("GET", "/v1/tasks", null, undefined, { authorization: `Basic ${f.read}` }),
      401,
      "unauthorized",
    );
    // The right key still works after the wrong one was tried.
    expect((await call("GET", "/v1/tasks", f.read)).status).toBe(200);
  });

  it("answers 401 to a well-formed key of a tenant that does not exist", async () => {
    const f = await fixture();
    const [, , keyId, secret] = f.read.split(".");
    expectError(await call("GET", "/v1/tasks", `oos.${"0".repeat(16)}.${keyId}.${secret}`), 401, "unauthorized");
  });

  it("guards tenant creation with the operator token", async () => {
    expectError(await call("POST", "/v1/tenants", null, { name: "x" }), 401, "unauthorized");
    expectError(await call("POST", "/v1/tenants", `${ADMIN_TOKEN}x`, { name: "x" }), 401, "unauthorized");
    const f = await fixture();
    // A tenant admin key is not the operator token.
    expectError(await call("POST", "/v1/tenants", f.admin, { name: "x" }), 401, "unauthorized");
    const r = await call("POST", "/v1/tenants", ADMIN_TOKEN, { name: "globex" });
    expect(r.status).toBe(201);
    expect(r.body.tenant.name).toBe("globex");
    expect(r.body.api_key.split(".")[1]).toBe(r.body.tenant.id);
  });
});

describe("scopes", () => {
  it("a read key reads but cannot submit, cancel, lease or administer", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const task = await submit(f, { agent: "echo" });
    expect((await call("GET", `/v1/tasks/${task.id}`, f.read)).status).toBe(200);
    expectError(await call("POST", "/v1/tasks", f.read, { agent: "echo" }), 403, "forbidden");
    expectError(await call("POST", `/v1/tasks/${task.id}/cancel`, f.read), 403, "forbidden");
    expectError(await call("POST", "/v1/runners", f.read, { name: "r", capacity: {} }), 403, "forbidden");
    expectError(await call("PUT", "/v1/agents/echo", f.read, {}), 403, "forbidden");
    expect((await call("GET", "/v1/tasks", f.read)).body.tasks).toHaveLength(1);
  });

  it("a submit key cannot register runners, lease, complete or create keys", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const task = await submit(f, { agent: "echo" });
    expectError(await call("POST", "/v1/runners", f.submit, { name: "r2", capacity: {} }), 403, "forbidden");
    expectError(await call("POST", `/v1/runners/${runnerId}/lease`, f.submit, {}), 403, "forbidden");
    const [l] = await lease(f, runnerId);
    expectError(await call("POST", `/v1/tasks/${task.id}/complete`, f.submit, { epoch: l.epoch }), 403, "forbidden");
    expectError(
      await call("PUT", `/v1/tasks/${task.id}/checkpoint`, f.submit, { epoch: l.epoch, state: {} }),
      403,
      "forbidden",
    );
    const r = await call("POST", "/v1/keys", f.submit, { scopes: ["admin"] });
    expectError(r, 403, "forbidden");
    expect(r.body.error.details).toEqual({ required: ["admin"], granted: ["submit"] });
    expect((await call("GET", `/v1/tasks/${task.id}`, f.read)).body.task.state).toBe("leased");
  });

  it("a runner key cannot register agents, submit or create keys", async () => {
    const f = await fixture();
    expectError(await call("PUT", "/v1/agents/echo", f.runner, {}), 403, "forbidden");
    expectError(await call("POST", "/v1/keys", f.runner, { scopes: ["runner"] }), 403, "forbidden");
    expectError(await call("POST", "/v1/tasks", f.runner, { agent: "echo" }), 403, "forbidden");
    expectError(await call("GET", "/v1/agents/echo", f.runner), 404, "not_found");
  });

  it("an admin key does everything, and keys it creates carry their scopes", async () => {
    const f = await fixture();
    const a = f.admin;
    expect((await call("PUT", "/v1/agents/echo", a, {})).status).toBe(200);
    const { body: reg } = await call("POST", "/v1/runners", a, { name: "r1", capacity: {} });
    const { body: sub } = await call("POST", "/v1/tasks", a, { agent: "echo" });
    const { body: got } = await call("POST", `/v1/runners/${reg.runner.id}/lease`, a, {});
    expect(got.leases[0].task.id).toBe(sub.task.id);
    const done = await call("POST", `/v1/tasks/${sub.task.id}/complete`, a, { epoch: got.leases[0].epoch, result: 1 });
    expect(done.body.task.state).toBe("succeeded");
    const k = await call("POST", "/v1/keys", a, { scopes: ["submit", "read", "submit"] });
    expect(k.status).toBe(201);
    expect(k.body.scopes).toEqual(["read", "submit"]);
    expect((await call("GET", "/v1/tasks", k.body.key)).status).toBe(200);
    expectError(await call("POST", "/v1/runners", k.body.key, { name: "r2", capacity: {} }), 403, "forbidden");
  });
});
