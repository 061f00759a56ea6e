// Which runner gets which task: free capacity, labels, capabilities, the
// runner's agent list, and busy instances.
import { describe, expect, it } from "vitest";
import {
  call,
  expectError,
  fixture,
  getTask,
  lease,
  ok,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
} from "./helpers.js";

const complete = (f: Fixture, id: string, epoch: number) =>
  ok(call("POST", `/v1/tasks/${id}/complete`, f.runner, { epoch, result: null }));

describe("lease fit", () => {
  it("hands out only what fits the free capacity (capacity minus active leases)", async () => {
    const f = await fixture();
    await putAgent(f, "big", { resources: { cpu: 600, memory_mb: 100 } });
    const runnerId = await registerRunner(f, { name: "r1", capacity: { cpu: 1000, memory_mb: 4096 } });
    const t1 = await submit(f, { agent: "big" });
    const t2 = await submit(f, { agent: "big" });
    // free cpu 1000: one task takes 600, leaving 400 < 600 for the second.
    const first = await lease(f, runnerId, { max_tasks: 2 });
    expect(first.map((l) => l.task.id)).toEqual([t1.id]);
    expect(await lease(f, runnerId, { max_tasks: 2 })).toEqual([]);
    const { runner } = await ok(call("GET", `/v1/runners/${runnerId}`, f.read));
    expect(runner.allocated).toEqual({ cpu: 600, memory_mb: 100 });
    expect(runner.active_leases).toBe(1);
    // After the first completes, 1000 is free again and the second fits.
    await complete(f, t1.id, first[0].epoch);
    const second = await lease(f, runnerId, { max_tasks: 2 });
    expect(second.map((l) => l.task.id)).toEqual([t2.id]);
  });

  it("counts a resource kind the runner lacks as zero", async () => {
    const f = await fixture();
    await putAgent(f, "gpu", { resources: { gpu_memory_mb: 8000 } });
    const cpuOnly = await registerRunner(f, { name: "cpu", capacity: { cpu: 8000 } });
    const withGpu = await registerRunner(f, { name: "gpu", capacity: { gpu_memory_mb: 16000 } });
    const t = await submit(f, { agent: "gpu" });
    expect(await lease(f, cpuOnly)).toEqual([]);
    expect((await lease(f, withGpu))[0].task.id).toBe(t.id);
  });

  it("honours the agent's and the task's node selectors", async () => {
    const f = await fixture();
    await putAgent(f, "pci", { node_selector: { pci: "true" } });
    const plain = await registerRunner(f, { name: "plain", capacity: {}, labels: { region: "eu" } });
    const pciUs = await registerRunner(f, { name: "pci-us", capacity: {}, labels: { pci: "true", region: "us" } });
    const pciEu = await registerRunner(f, { name: "pci-eu", capacity: {}, labels: { pci: "true", region: "eu" } });
    const t = await submit(f, { agent: "pci", node_selector: { region: "eu" } });
    expect(await lease(f, plain)).toEqual([]);
    expect(await lease(f, pciUs)).toEqual([]);
    expect((await lease(f, pciEu))[0].task.id).toBe(t.id);
    // A task selector that contradicts the agent's is refused at submit.
    expectError(
      await call("POST", "/v1/tasks", f.submit, { agent: "pci", node_selector: { pci: "false" } }),
      400,
      "bad_request",
    );
  });

  it("requires every capability the agent needs", async () => {
    const f = await fixture();
    await putAgent(f, "crm", { capabilities: ["sql", "crm-api"] });
    const sqlOnly = await registerRunner(f, { name: "a", capacity: {}, capabilities: ["sql"] });
    const both = await registerRunner(f, { name: "b", capacity: {}, capabilities: ["crm-api", "sql", "browser"] });
    const t = await submit(f, { agent: "crm" });
    expect(await lease(f, sqlOnly)).toEqual([]);
    expect((await lease(f, both))[0].task.id).toBe(t.id);
  });

  it("gives a runner only the agents it lists", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    await putAgent(f, "other");
    const onlyOther = await registerRunner(f, { name: "a", capacity: {}, agents: ["other"] });
    const t1 = await submit(f, { agent: "echo" });
    const t2 = await submit(f, { agent: "other" });
    const got = await lease(f, onlyOther, { max_tasks: 10 });
    expect(got.map((l) => l.task.id)).toEqual([t2.id]);
    expect((await getTask(f, t1.id)).state).toBe("queued");
  });

  it("holds a task back while its instance is busy with another", async () => {
    const f = await fixture();
    await putAgent(f, "chat");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const t1 = await submit(f, { agent: "chat", instance: "ticket-123" });
    const t2 = await submit(f, { agent: "chat", instance: "ticket-123" });
    const t3 = await submit(f, { agent: "chat", instance: "ticket-456" });
    const first = await lease(f, runnerId, { max_tasks: 10 });
    expect(first.map((l) => l.task.id)).toEqual([t1.id, t3.id]);
    expect(await lease(f, runnerId, { max_tasks: 10 })).toEqual([]);
    await complete(f, t1.id, first[0].epoch);
    const next = await lease(f, runnerId, { max_tasks: 10 });
    expect(next.map((l) => l.task.id)).toEqual([t2.id]);
    expect(next[0].task.instance).toBe("ticket-123");
  });

  it("gives a draining runner nothing", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    await submit(f, { agent: "echo" });
    const { runner } = await ok(call("DELETE", `/v1/runners/${runnerId}`, f.runner));
    expect(runner.state).toBe("draining");
    expectError(await call("POST", `/v1/runners/${runnerId}/lease`, f.runner, {}), 409, "conflict");
  });
});
