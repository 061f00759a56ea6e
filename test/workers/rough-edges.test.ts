// Issue #18's rough edges at the Worker: the bare host leads to the dashboard, a 415 says which
// Content-Type the route takes, a runner that stopped shows `stopped` and one restarted takes its row
// over, and a removed quota leaves no bucket behind.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  BASE,
  call,
  expectError,
  fixture,
  lease,
  ok,
  putAgent,
  registerRunner,
  submit,
} from "./helpers.js";

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

describe("a runner that stops cleanly, and one restarted", () => {
  it("shows stopped (not draining) once it says so", async () => {
    const f = await fixture();
    const id = await registerRunner(f, { name: "box", capacity: {} });
    await ok(call("DELETE", `/v1/runners/${id}`, f.runner));
    expect((await ok(call("GET", `/v1/runners/${id}`, f.read))).runner.state).toBe("draining");
    const { runner } = await ok(call("POST", `/v1/runners/${id}/stopped`, f.runner));
    expect(runner).toMatchObject({ id, state: "stopped", stopped_at: expect.any(String) });
    const list = (await ok(call("GET", "/v1/runners", f.read))).runners;
    expect(list.find((r: { id: string }) => r.id === id).state).toBe("stopped");
    expectError(await call("POST", "/v1/runners/run_nope/stopped", f.runner), 404, "not_found");
  });

  it("the same name on the same host takes its row over: same id, ready, no second row", async () => {
    const f = await fixture();
    const first = await ok(
      call("POST", "/v1/runners", f.runner, { name: "box", host: "h1", capacity: { cpu: 1000 } }),
      201,
    );
    const id = first.runner.id as string;
    await ok(call("DELETE", `/v1/runners/${id}`, f.runner));
    await ok(call("POST", `/v1/runners/${id}/stopped`, f.runner));
    const again = await ok(
      call("POST", "/v1/runners", f.runner, { name: "box", host: "h1", capacity: { cpu: 2000 } }),
      201,
    );
    expect(again.runner).toMatchObject({ id, state: "ready", host: "h1", capacity: { cpu: 2000 } });
    expect(again.runner.stopped_at).toBeUndefined();
    const rows = (await ok(call("GET", "/v1/runners", f.read))).runners.filter(
      (r: { name: string }) => r.name === "box",
    );
    expect(rows.map((r: { id: string }) => r.id)).toEqual([id]);
    // The old process's credential is revoked; the new one leases as the row.
    expect((await call("POST", `/v1/runners/${id}/lease`, first.credential.key, { wait_ms: 0 })).status).toBe(401);
    await ok(call("POST", `/v1/runners/${id}/lease`, again.credential.key, { wait_ms: 0 }));
    // Another host, or no host, is another runner.
    const other = await ok(call("POST", "/v1/runners", f.runner, { name: "box", host: "h2", capacity: {} }), 201);
    expect(other.runner.id).not.toBe(id);
    expect((await ok(call("POST", "/v1/runners", f.runner, { name: "box", capacity: {} }), 201)).runner.id).not.toBe(
      id,
    );
  });
});

describe("removing a quota removes its bucket", () => {
  const bucketIds = async (f: Awaited<ReturnType<typeof fixture>>): Promise<string[]> =>
    (await ok(call("GET", "/v1/quotas", f.read))).buckets.map(
      (b: { scope: string; key: string; kind: string }) => `${b.scope}:${b.key}:${b.kind}`,
    );

  it("the tenant's and an agent's", async () => {
    const f = await fixture();
    await ok(call("PUT", "/v1/quotas", f.admin, { llm_tpm: 6000, llm_rpm: 60 }));
    await putAgent(f, "chat", { quota: { llm_tpm: 600, per_instance: { llm_tpm: 60 } } });
    const runnerId = await registerRunner(f, { name: "r", capacity: {}, agents: ["chat"] });
    const task = await submit(f, { agent: "chat" });
    const [l] = await lease(f, runnerId, { max_tasks: 1 });
    await ok(call("POST", "/v1/quotas/reservations", f.runner, { task_id: task.id, epoch: l.epoch, tokens: 10 }), 201);
    const instance = `instance:${l.task.instance}:llm_tokens`;
    expect(await bucketIds(f)).toEqual(
      expect.arrayContaining(["agent:chat:llm_tokens", instance, "tenant::llm_requests", "tenant::llm_tokens"]),
    );
    // The tenant keeps its token rate, drops its request rate.
    await ok(call("PUT", "/v1/quotas", f.admin, { llm_tpm: 6000 }));
    expect(await bucketIds(f)).not.toContain("tenant::llm_requests");
    expect(await bucketIds(f)).toContain("tenant::llm_tokens");
    // The agent's quota goes: its bucket and its instances' go too.
    await putAgent(f, "chat", {});
    expect(await bucketIds(f)).toEqual(["tenant::llm_tokens"]);
    await ok(call("PUT", "/v1/quotas", f.admin, {}));
    expect(await bucketIds(f)).toEqual([]);
  });
});

describe("duplicate tenant names are shown, not refused", () => {
  it("two tenants may share a name; each answer and the dashboard header name the id beside it", async () => {
    const one = await call("POST", "/v1/tenants", ADMIN_TOKEN, { name: "twin" });
    const two = await call("POST", "/v1/tenants", ADMIN_TOKEN, { name: "twin" });
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(one.body.tenant.name).toBe("twin");
    expect(one.body.tenant.id).not.toBe(two.body.tenant.id);
    const login = await SELF.fetch(`${BASE}/dashboard/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ key: two.body.api_key }).toString(),
      redirect: "manual",
    });
    await login.arrayBuffer();
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const page = await (await SELF.fetch(`${BASE}/dashboard`, { headers: { cookie } })).text();
    expect(page).toContain('<b id="tenant-name">twin</b>');
    expect(page).toContain(`<b class="mono">${two.body.tenant.id}</b>`);
  });
});
