// Malformed JSON bodies: every one is a 400 whose details are zod issues
// pointing at the offending field; none is a 500.
import { describe, expect, it } from "vitest";
import {
  call,
  expectError,
  expectIssues,
  fixture,
  lease,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
} from "./helpers.js";

/** A fixture with an agent, a runner and one leased task to aim bad bodies at. */
async function leased(): Promise<{ f: Fixture; runnerId: string; taskId: string; epoch: number }> {
  const f = await fixture();
  await putAgent(f, "echo");
  const runnerId = await registerRunner(f, { name: "r1", capacity: { cpu: 1000 } });
  const task = await submit(f, { agent: "echo" });
  const [l] = await lease(f, runnerId);
  return { f, runnerId, taskId: task.id, epoch: l.epoch };
}

describe("PUT /v1/agents/{name}", () => {
  it("refuses wrong types, unknown fields, bad resource names and a bad path name", async () => {
    const f = await fixture();
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { capabilities: "sql" }), "capabilities");
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { weigth: 2 }), "");
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { resources: { CPU: 100 } }), "resources.CPU");
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { resources: { "gpu-mem": 1 } }), "resources.gpu-mem");
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { resources: { cpu: -1 } }), "resources.cpu");
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { retry: { max_attempts: 0 } }), "retry.max_attempts");
    expectIssues(
      await call("PUT", "/v1/agents/a", f.admin, { retry: { max_attempts: 2, backoff: 1 } }),
      "retry.backoff",
    );
    expectIssues(
      await call("PUT", "/v1/agents/a", f.admin, { retry: { backoff: { jitter: 2 } } }),
      "retry.backoff.jitter",
    );
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { timeouts: { attempt_ms: 10 } }), "timeouts.attempt_ms");
    expectIssues(
      await call("PUT", "/v1/agents/a", f.admin, { approvals: { on_timeout: "shrug" } }),
      "approvals.on_timeout",
    );
    expectError(await call("PUT", "/v1/agents/a", f.admin, { output_schema: { type: 5 } }), 400, "bad_request");
    expectError(
      await call("PUT", "/v1/agents/a", f.admin, { retry: { backoff: { initial_ms: 5000, max_ms: 10 } } }),
      400,
      "bad_request",
    );
    expectIssues(await call("PUT", "/v1/agents/-a", f.admin, {}), "name");
    // Nothing was stored by any of them.
    expect((await call("GET", "/v1/agents/a", f.admin)).status).toBe(404);
  });
});

describe("POST /v1/runners", () => {
  it("refuses a missing name or capacity, bad names, bad types and unknown fields", async () => {
    const f = await fixture();
    expectIssues(await call("POST", "/v1/runners", f.runner, { capacity: { cpu: 1 } }), "name");
    expectIssues(await call("POST", "/v1/runners", f.runner, { name: "r1" }), "capacity");
    expectIssues(await call("POST", "/v1/runners", f.runner, { name: "bad name", capacity: {} }), "name");
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "r1", capacity: { Memory: 1 } }),
      "capacity.Memory",
    );
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "r1", capacity: { cpu: "1000" } }),
      "capacity.cpu",
    );
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "r1", capacity: {}, labels: { pci: true } }),
      "labels.pci",
    );
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "r1", capacity: {}, lease_ttl_ms: 10 }),
      "lease_ttl_ms",
    );
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "r1", capacity: {}, agents: ["ok", "not ok"] }),
      "agents.1",
    );
    expectIssues(await call("POST", "/v1/runners", f.runner, { name: "r1", capacity: {}, gpu: 1 }), "");
    expect((await call("GET", "/v1/runners", f.runner)).body.runners).toEqual([]);
  });
});

describe("POST /v1/tasks", () => {
  it("refuses a missing agent, out-of-range priority, bad names and unknown fields", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { input: 1 }), "agent");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { agent: "echo", priority: 1001 }), "priority");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { agent: "echo", priority: -1001 }), "priority");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { agent: "echo", priority: 1.5 }), "priority");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { agent: "echo", priority: "high" }), "priority");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { agent: "echo", instance: "ticket 1" }), "instance");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { agent: "echo", idempotency_key: "" }), "idempotency_key");
    expectIssues(await call("POST", "/v1/tasks", f.submit, { agent: "echo", inputs: {} }), "");
    expectIssues(await call("POST", "/v1/tasks", f.submit, []), "");
    // Well-formed, but the agent is not registered.
    expectError(await call("POST", "/v1/tasks", f.submit, { agent: "ghost" }), 404, "not_found");
    expect((await call("GET", "/v1/tasks", f.read)).body.tasks).toEqual([]);
  });

  it("refuses bad list queries", async () => {
    const f = await fixture();
    expectIssues(await call("GET", "/v1/tasks?state=done", f.read), "state");
    expectIssues(await call("GET", "/v1/tasks?limit=0", f.read), "limit");
    expectIssues(await call("GET", "/v1/tasks?limit=abc", f.read), "limit");
    expectIssues(await call("GET", "/v1/tasks?cursor=-1", f.read), "cursor");
  });
});

describe("lease and heartbeat", () => {
  it("refuses wait_ms over 25000, bad max_tasks and unknown fields on lease", async () => {
    const f = await fixture();
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const path = `/v1/runners/${runnerId}/lease`;
    expectIssues(await call("POST", path, f.runner, { wait_ms: 25_001 }), "wait_ms");
    expectIssues(await call("POST", path, f.runner, { wait_ms: -1 }), "wait_ms");
    expectIssues(await call("POST", path, f.runner, { max_tasks: 0 }), "max_tasks");
    expectIssues(await call("POST", path, f.runner, { max_tasks: 65 }), "max_tasks");
    expectIssues(await call("POST", path, f.runner, { max_tasks: "2" }), "max_tasks");
    expectIssues(await call("POST", path, f.runner, { wait: 100 }), "");
  });

  it("refuses heartbeats without leases, with epoch 0 or extra fields", async () => {
    const { f, runnerId, taskId } = await leased();
    const path = `/v1/runners/${runnerId}/heartbeat`;
    expectIssues(await call("POST", path, f.runner, {}), "leases");
    expectIssues(await call("POST", path, f.runner, { leases: [{ task_id: taskId, epoch: 0 }] }), "leases.0.epoch");
    expectIssues(await call("POST", path, f.runner, { leases: [{ task_id: taskId }] }), "leases.0.epoch");
    expectIssues(
      await call("POST", path, f.runner, { leases: [{ task_id: taskId, epoch: 1, lease_id: "x" }] }),
      "leases.0",
    );
  });
});

describe("checkpoint, complete and fail", () => {
  it("refuses malformed JSON checkpoints", async () => {
    const { f, taskId, epoch } = await leased();
    const path = `/v1/tasks/${taskId}/checkpoint`;
    expectIssues(await call("PUT", path, f.runner, { state: {} }), "epoch");
    expectIssues(await call("PUT", path, f.runner, { epoch }), "state");
    expectIssues(await call("PUT", path, f.runner, { epoch, state: { memory: [] } }), "state");
    expectIssues(await call("PUT", path, f.runner, { epoch, state: { cursor: { step: -1 } } }), "state.cursor.step");
    expectIssues(
      await call("PUT", path, f.runner, { epoch, state: { messages: [{ content: "hi" }] } }),
      "state.messages.0.role",
    );
    expectIssues(
      await call("PUT", path, f.runner, { epoch, state: { tool_calls: [{ name: "x", status: "done" }] } }),
      "state.tool_calls.0.status",
    );
    expectIssues(
      await call("PUT", path, f.runner, { epoch, state: { app_state_base64: "not base64!" } }),
      "state.app_state_base64",
    );
    expectIssues(
      await call("PUT", path, f.runner, { epoch, state: { app_state: 1, app_state_base64: "AA==" } }),
      "state",
    );
    expect((await call("GET", path, f.read)).status).toBe(404);
  });

  it("refuses malformed complete and fail bodies, and the task stays leased", async () => {
    const { f, taskId, epoch } = await leased();
    expectIssues(await call("POST", `/v1/tasks/${taskId}/complete`, f.runner, { result: 1 }), "epoch");
    expectIssues(await call("POST", `/v1/tasks/${taskId}/complete`, f.runner, { epoch: String(epoch) }), "epoch");
    expectIssues(await call("POST", `/v1/tasks/${taskId}/complete`, f.runner, { epoch, output: 1 }), "");
    expectIssues(await call("POST", `/v1/tasks/${taskId}/fail`, f.runner, { epoch }), "error");
    expectIssues(
      await call("POST", `/v1/tasks/${taskId}/fail`, f.runner, { epoch, error: { code: "x" } }),
      "error.message",
    );
    expectIssues(
      await call("POST", `/v1/tasks/${taskId}/fail`, f.runner, {
        epoch,
        error: { code: "x", message: "m" },
        retryable: "yes",
      }),
      "retryable",
    );
    expectIssues(await call("POST", `/v1/tasks/${taskId}/release`, f.runner, {}), "epoch");
    const task = (await call("GET", `/v1/tasks/${taskId}`, f.read)).body.task;
    expect(task.state).toBe("leased");
    expect(task.attempts).toBe(1);
  });
});
