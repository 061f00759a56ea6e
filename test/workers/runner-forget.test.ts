// POST /v1/runners/{id}/forget: a runner that holds no lease is removed for good (row, scheduler, bound
// credentials), so a task of its agent no longer waits on it as "a runner that could run it"; 409 while
// it holds a lease; 404 after. `officeos dev` forgets the runner it stopped.
import { describe, expect, it } from "vitest";
import { call, expectError, fixture, getTask, lease, ok, putAgent, registerRunner, submit } from "./helpers.js";

const shape = { name: "dev-1", capacity: { cpu: 1000, memory_mb: 1024 }, agents: ["hello"] };

describe("POST /v1/runners/{id}/forget", () => {
  it("refuses while the runner holds a lease, then removes it once drained and idle", async () => {
    const f = await fixture();
    await putAgent(f, "hello", { resources: { cpu: 100, memory_mb: 64 } });
    const id = await registerRunner(f, shape);
    const t = await submit(f, { agent: "hello", input: {} });
    const [grant] = await lease(f, id, { max_tasks: 1, wait_ms: 0 });
    expect(grant.task.id).toBe(t.id);
    const busy = await call("POST", `/v1/runners/${id}/forget`, f.admin);
    expectError(busy, 409, "conflict");
    expect(busy.body.error.message).toBe(`runner "${id}" holds 1 lease: drain it and let them end first`);
    await ok(call("POST", `/v1/tasks/${t.id}/cancel`, f.submit));
    expect(await ok(call("POST", `/v1/runners/${id}/forget`, f.admin))).toEqual({ runner: id, forgotten: true });
    expectError(await call("GET", `/v1/runners/${id}`, f.read), 404, "not_found");
    expectError(await call("POST", `/v1/runners/${id}/forget`, f.admin), 404, "not_found");
    expect((await ok(call("GET", "/v1/runners", f.read))).runners).toEqual([]);
  });

  it("a forgotten runner no longer counts as one that could run a waiting task", async () => {
    const f = await fixture();
    await putAgent(f, "hello", { resources: { cpu: 100, memory_mb: 64 } });
    await putAgent(f, "echo", { resources: { cpu: 100, memory_mb: 64 } });
    const dev = await registerRunner(f, shape);
    await registerRunner(f, { ...shape, name: "local", agents: ["echo"] });
    await ok(call("DELETE", `/v1/runners/${dev}`, f.admin)); // drained: still registered
    const t = await submit(f, { agent: "hello", input: {} });
    expect((await getTask(f, t.id)).waiting.reason).toBe("runners_not_ready");
    await ok(call("POST", `/v1/runners/${dev}/forget`, f.admin));
    const w = (await getTask(f, t.id)).waiting;
    expect(w.reason).toBe("no_runner_offers_agent");
    expectError(await call("POST", `/v1/runners/${dev}/forget`, f.submit), 403, "forbidden");
  });
});
