// The runner's local runtime API: a task's token works only for that task;
// bodies are validated before they reach the task.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RuntimeApi, type RuntimeReply, type TaskHandle } from "../../agent-runner/src/runtime-api.js";

class FakeTask implements TaskHandle {
  checkpoints: unknown[] = [];
  results: unknown[] = [];
  errors: unknown[] = [];
  constructor(readonly id: string) {}
  info() {
    return { task_id: this.id };
  }
  async checkpoint(state: unknown): Promise<RuntimeReply> {
    this.checkpoints.push(state);
    return { status: 200, body: { seq: this.checkpoints.length } };
  }
  progress(): RuntimeReply {
    return { status: 200, body: { ok: true } };
  }
  async result(r: unknown): Promise<RuntimeReply> {
    this.results.push(r);
    return { status: 200, body: { ok: true } };
  }
  async error(e: unknown, retryable: boolean): Promise<RuntimeReply> {
    this.errors.push({ e, retryable });
    return { status: 200, body: { ok: true } };
  }
  gates: unknown[] = [];
  touches = 0;
  async approval(gate: string, message: string | undefined, details: unknown): Promise<RuntimeReply> {
    this.gates.push({ gate, message, details });
    return { status: 202, body: { gate, status: "suspended" } };
  }
  touch(): void {
    this.touches++;
  }
}

const api = new RuntimeApi();
const a = new FakeTask("task-a");
const b = new FakeTask("task-b");
let url = "";

beforeAll(async () => {
  url = await api.listen("127.0.0.1", 0);
  api.register("token-a", a);
  api.register("token-b", b);
});
afterAll(() => api.close());

const call = (method: string, path: string, token: string | null, body?: string) =>
  fetch(`${url}${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}`, "content-type": "application/json" } : {},
    body,
  });

describe("runtime API", () => {
  it("binds each token to its own task", async () => {
    expect(await (await call("GET", "/task", "token-a")).json()).toEqual({ task_id: "task-a" });
    expect(await (await call("GET", "/task", "token-b")).json()).toEqual({ task_id: "task-b" });
    await call("PUT", "/checkpoint", "token-b", JSON.stringify({ cursor: { step: 1 } }));
    expect(a.checkpoints).toEqual([]);
    expect(b.checkpoints).toEqual([{ cursor: { step: 1 } }]);
  });

  it("refuses a missing, unknown or revoked token with 401", async () => {
    expect((await call("GET", "/task", null)).status).toBe(401);
    expect((await call("GET", "/task", "token-zzz")).status).toBe(401);
    const c = new FakeTask("task-c");
    api.register("token-c", c);
    api.unregister("token-c");
    expect((await call("GET", "/task", "token-c")).status).toBe(401);
  });

  it("validates bodies: 400 for bad JSON or a bad shape, and the task sees nothing", async () => {
    const before = a.checkpoints.length;
    expect((await call("PUT", "/checkpoint", "token-a", "{not json")).status).toBe(400);
    const r = await call("PUT", "/checkpoint", "token-a", JSON.stringify({ cursor: { step: -1 } }));
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    expect((await call("POST", "/error", "token-a", JSON.stringify({ error: { message: "no code" } }))).status).toBe(
      400,
    );
    expect(a.checkpoints.length).toBe(before);
    expect(a.errors).toEqual([]);
  });

  it("passes results and errors through, retryable by default", async () => {
    expect((await call("POST", "/result", "token-a", JSON.stringify({ result: { ok: 1 } }))).status).toBe(200);
    expect(a.results).toEqual([{ ok: 1 }]);
    await call("POST", "/error", "token-b", JSON.stringify({ error: { code: "x", message: "y" } }));
    expect(b.errors).toEqual([{ e: { code: "x", message: "y" }, retryable: true }]);
  });

  it("answers 404 for an unknown route", async () => {
    expect((await call("POST", "/nope", "token-a", "{}")).status).toBe(404);
  });
});

describe("approval gates and liveness", () => {
  it("passes a valid gate request to its own task only, and refuses a malformed one", async () => {
    const r = await call(
      "POST",
      "/approval",
      "token-a",
      JSON.stringify({ gate: "send-email", message: "ok?", details: { n: 3 } }),
    );
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ gate: "send-email", status: "suspended" });
    expect(a.gates).toEqual([{ gate: "send-email", message: "ok?", details: { n: 3 } }]);
    expect(b.gates).toEqual([]);
    expect((await call("POST", "/approval", "token-a", JSON.stringify({ gate: "" }))).status).toBe(400);
    expect((await call("POST", "/approval", "token-a", JSON.stringify({ gate: "x", extra: 1 }))).status).toBe(400);
    expect(a.gates).toHaveLength(1);
  });

  it("every authenticated call counts as a sign of life; an unauthenticated one does not", async () => {
    const before = b.touches;
    await call("GET", "/task", "token-b");
    await call("POST", "/progress", "token-b", "{}");
    expect(b.touches).toBe(before + 2);
    await call("GET", "/task", null);
    expect(b.touches).toBe(before + 2);
  });
});
