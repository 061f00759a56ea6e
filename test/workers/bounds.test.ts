// Issue 15, bounds: resource values are at most 2^53 and whole numbers where the
// unit is one (millicores, MB, GPUs), so that sums over a tenant's runners stay
// finite. Bad values answer 400 naming the field; nothing is stored.
import { describe, expect, it } from "vitest";
import { call, expectIssues, fixture, ok } from "./helpers.js";

describe("resource bounds", () => {
  it("refuses a runner capacity past 2^53 or fractional in whole units, naming the field", async () => {
    const f = await fixture();
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "huge", capacity: { cpu: 1.7e308 } }),
      "capacity.cpu",
    );
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "huge", capacity: { llm_tpm: 2 ** 53 + 2 } }),
      "capacity.llm_tpm",
    );
    expectIssues(
      await call("POST", "/v1/runners", f.runner, { name: "half", capacity: { memory_mb: 1.5 } }),
      "capacity.memory_mb",
    );
    expectIssues(await call("POST", "/v1/runners", f.runner, { name: "half", capacity: { gpu: 0.5 } }), "capacity.gpu");
    const r = await call("POST", "/v1/runners", f.runner, { name: "huge", capacity: { cpu: 1.7e308 } });
    expect(r.body.error.details.find((i: { path: string[] }) => i.path.join(".") === "capacity.cpu").message).toContain(
      "2^53",
    );
    expect((await ok(call("GET", "/v1/runners", f.read))).runners).toEqual([]);
    // At the bound, and fractions where the kind is not counted in whole units: accepted.
    await ok(
      call("POST", "/v1/runners", f.runner, {
        name: "max",
        capacity: { cpu: 2 ** 53, memory_mb: 2 ** 53, llm_tpm: 0.5 },
      }),
      201,
    );
  });

  it("refuses agent resources past the bound, naming the field", async () => {
    const f = await fixture();
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { resources: { cpu: 1.7e308 } }), "resources.cpu");
    expectIssues(await call("PUT", "/v1/agents/a", f.admin, { resources: { cpu: 0.25 } }), "resources.cpu");
    await ok(call("PUT", "/v1/agents/a", f.admin, { resources: { cpu: 250, llm_tpm: 0.25 } }));
  });

  it("keeps the scheduler's shares finite with two runners at the bound", async () => {
    const f = await fixture();
    await ok(call("PUT", "/v1/agents/a", f.admin, { resources: { cpu: 2 ** 53 } }));
    for (const name of ["r1", "r2"])
      await ok(call("POST", "/v1/runners", f.runner, { name, capacity: { cpu: 2 ** 53 } }), 201);
    const { runner } = (await ok(
      call("POST", "/v1/runners", f.runner, { name: "r3", capacity: { cpu: 2 ** 53 } }),
      201,
    )) as { runner: { id: string } };
    await ok(call("POST", "/v1/tasks", f.submit, { agent: "a", input: {} }), 201);
    await ok(call("POST", `/v1/runners/${runner.id}/lease`, f.runner, { max_tasks: 1 }));
    const view = await ok(call("GET", "/v1/scheduler", f.read));
    expect(view.capacity.cpu).toBe(3 * 2 ** 53);
    const a = view.agents.find((x: { agent: string }) => x.agent === "a");
    // 2^53 / (3 · 2^53) = 1/3
    expect(a.dominant_share).toBeCloseTo(1 / 3, 10);
  });
});
