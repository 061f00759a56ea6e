// Tenant isolation: another tenant's task ids lead nowhere (404), and its
// lists never show them.
import { describe, expect, it } from "vitest";
import { call, expectError, fixture, getTask, lease, putAgent, registerRunner, submit } from "./helpers.js";

describe("tenant isolation", () => {
  it("tenant B cannot read, cancel, complete or checkpoint tenant A's task", async () => {
    const a = await fixture();
    const b = await fixture();
    await putAgent(a, "echo");
    await putAgent(b, "echo");
    const ra = await registerRunner(a, { name: "r", capacity: {} });
    const rb = await registerRunner(b, { name: "r", capacity: {} });
    const task = await submit(a, { agent: "echo", input: { secret: 1 } });
    const [l] = await lease(a, ra);
    const id = task.id as string;

    expectError(await call("GET", `/v1/tasks/${id}`, b.read), 404, "not_found");
    expectError(await call("GET", `/v1/tasks/${id}`, b.admin), 404, "not_found");
    expectError(await call("POST", `/v1/tasks/${id}/cancel`, b.submit), 404, "not_found");
    // A's lease token does not verify under B's secret: refused before B's storage is asked.
    expectError(await call("POST", `/v1/tasks/${id}/complete`, b.runner, { epoch: l.epoch }), 401, "unauthorized");
    expectError(
      await call("POST", `/v1/tasks/${id}/fail`, b.runner, { epoch: l.epoch, error: { code: "x", message: "y" } }),
      401,
      "unauthorized",
    );
    expectError(
      await call("PUT", `/v1/tasks/${id}/checkpoint`, b.runner, { epoch: l.epoch, state: { reasoning: "x" } }),
      401,
      "unauthorized",
    );
    expectError(await call("GET", `/v1/tasks/${id}/checkpoint`, b.read), 404, "not_found");
    expectError(await call("POST", `/v1/runners/${ra}/lease`, b.runner, {}), 404, "not_found");
    expectError(
      await call("POST", `/v1/runners/${ra}/heartbeat`, b.runner, { leases: [{ task_id: id, epoch: l.epoch }] }),
      404,
      "not_found",
    );

    expect((await call("GET", "/v1/tasks", b.read)).body.tasks).toEqual([]);
    expect((await call("GET", "/v1/runners", b.read)).body.runners.map((r: { id: string }) => r.id)).toEqual([rb]);
    // B's runner is not handed A's task either.
    expect(await lease(b, rb)).toEqual([]);

    // A's task is untouched by all of the above.
    const after = await getTask(a, id);
    expect(after.state).toBe("leased");
    expect(after.checkpoint_seq).toBeUndefined();
    expect((await call("GET", "/v1/tasks", a.read)).body.tasks.map((t: { id: string }) => t.id)).toEqual([id]);
  });

  it("the same idempotency key in two tenants makes two tasks", async () => {
    const a = await fixture();
    const b = await fixture();
    await putAgent(a, "echo");
    await putAgent(b, "echo");
    const ta = await submit(a, { agent: "echo", idempotency_key: "k1" });
    const tb = await submit(b, { agent: "echo", idempotency_key: "k1", input: "different" });
    expect(tb.id).not.toBe(ta.id);
  });
});
