import { describe, expect, it } from "vitest";
import { call, fixture, ok } from "./helpers.js";

describe("smoke", () => {
  it("runs a task through the API", async () => {
    const f = await fixture();
    await ok(call("PUT", "/v1/agents/echo", f.admin, { resources: { cpu: 100 } }));
    const { runner } = await ok(call("POST", "/v1/runners", f.runner, { name: "r1", capacity: { cpu: 1000 } }), 201);
    const { task } = await ok(call("POST", "/v1/tasks", f.submit, { agent: "echo", input: { x: 1 } }), 201);
    const { leases } = await ok(call("POST", `/v1/runners/${runner.id}/lease`, f.runner, { wait_ms: 0 }));
    expect(leases).toHaveLength(1);
    const put = await ok(
      call("PUT", `/v1/tasks/${task.id}/checkpoint`, f.runner, {
        epoch: leases[0].epoch,
        state: { cursor: { step: 1 }, app_state: { a: 1 } },
      }),
    );
    expect(put.seq).toBe(1);
    const done = await ok(
      call("POST", `/v1/tasks/${task.id}/complete`, f.runner, { epoch: leases[0].epoch, result: { y: 2 } }),
    );
    expect(done.task.state).toBe("succeeded");
  });
});
