// Idempotent submit: the same key and body give back the first task (200);
// the same key with another body is a conflict (409).
import { describe, expect, it } from "vitest";
import { call, expectError, fixture, putAgent } from "./helpers.js";

describe("idempotent submit", () => {
  it("returns the first task for a repeated request, whatever its key order", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const body = { agent: "echo", input: { a: 1, b: [1, { c: 2, d: 3 }] }, priority: 3, idempotency_key: "order-42" };
    const first = await call("POST", "/v1/tasks", f.submit, body);
    expect(first.status).toBe(201);
    const again = await call("POST", "/v1/tasks", f.submit, body);
    expect(again.status).toBe(200);
    expect(again.body.task.id).toBe(first.body.task.id);
    const reordered = {
      idempotency_key: "order-42",
      priority: 3,
      input: { b: [1, { d: 3, c: 2 }], a: 1 },
      agent: "echo",
    };
    const third = await call("POST", "/v1/tasks", f.submit, reordered);
    expect(third.status).toBe(200);
    expect(third.body.task.id).toBe(first.body.task.id);
    expect((await call("GET", "/v1/tasks", f.read)).body.tasks).toHaveLength(1);
  });

  it("refuses the same key with a different body", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const first = await call("POST", "/v1/tasks", f.submit, { agent: "echo", input: 1, idempotency_key: "k" });
    expect(first.status).toBe(201);
    for (const other of [
      { agent: "echo", input: 2, idempotency_key: "k" },
      { agent: "echo", input: 1, priority: 1, idempotency_key: "k" },
      { agent: "echo", input: 1, instance: "i1", idempotency_key: "k" },
      { agent: "echo", input: 1, node_selector: { region: "eu" }, idempotency_key: "k" },
    ]) {
      const r = await call("POST", "/v1/tasks", f.submit, other);
      expectError(r, 409, "conflict");
      expect(r.body.error.details).toEqual({ task_id: first.body.task.id });
    }
    expect((await call("GET", "/v1/tasks", f.read)).body.tasks).toHaveLength(1);
  });

  it("answers a repeat with the task as it is now, even after it finished", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const body = { agent: "echo", idempotency_key: "k2" };
    const first = await call("POST", "/v1/tasks", f.submit, body);
    await call("POST", `/v1/tasks/${first.body.task.id}/cancel`, f.submit);
    const again = await call("POST", "/v1/tasks", f.submit, body);
    expect(again.status).toBe(200);
    expect(again.body.task.state).toBe("cancelled");
  });

  it("without a key, two equal bodies make two tasks", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const a = await call("POST", "/v1/tasks", f.submit, { agent: "echo" });
    const b = await call("POST", "/v1/tasks", f.submit, { agent: "echo" });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.task.id).not.toBe(b.body.task.id);
  });
});
