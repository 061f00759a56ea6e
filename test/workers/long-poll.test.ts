// Long-poll: a parked lease is answered by a fitting submit; with nothing to
// do it answers empty after the wait. Parking is observed through the
// tenant object (a gate), not guessed with a sleep.
import { describe, expect, it } from "vitest";
import { call, fixture, getTask, lease, ok, parked, putAgent, registerRunner, submit } from "./helpers.js";

describe("long-poll", () => {
  it("answers a parked lease as soon as a fitting task is submitted", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const started = Date.now();
    const pending = lease(f, runnerId, { wait_ms: 20_000 });
    await parked(f.admin);
    const task = await submit(f, { agent: "echo", input: "hi" });
    const leases = await pending;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(leases).toHaveLength(1);
    expect(leases[0].task.id).toBe(task.id);
    expect(leases[0].task.input).toBe("hi");
    expect((await getTask(f, task.id)).state).toBe("leased");
  });

  it("leaves a parked lease waiting when the submitted task does not fit it", async () => {
    const f = await fixture();
    await putAgent(f, "gpu", { resources: { gpu_memory_mb: 1 } });
    await putAgent(f, "echo");
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const pending = lease(f, runnerId, { wait_ms: 20_000 });
    await parked(f.admin);
    const gpuTask = await submit(f, { agent: "gpu" });
    await parked(f.admin); // still parked after the submit that did not fit
    const echoTask = await submit(f, { agent: "echo" });
    expect((await pending).map((l) => l.task.id)).toEqual([echoTask.id]);
    expect((await getTask(f, gpuTask.id)).state).toBe("queued");
  });

  it("answers a parked lease when capacity frees up", async () => {
    const f = await fixture();
    await putAgent(f, "big", { resources: { cpu: 600 } });
    const runnerId = await registerRunner(f, { name: "r1", capacity: { cpu: 1000 } });
    const t1 = await submit(f, { agent: "big" });
    const t2 = await submit(f, { agent: "big" });
    const [l1] = await lease(f, runnerId);
    const pending = lease(f, runnerId, { wait_ms: 20_000 });
    await parked(f.admin);
    await ok(call("POST", `/v1/tasks/${t1.id}/complete`, f.runner, { epoch: l1.epoch }));
    expect((await pending).map((l) => l.task.id)).toEqual([t2.id]);
  });

  it("answers empty after wait_ms when nothing fits", async () => {
    const f = await fixture();
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const started = Date.now();
    const leases = await lease(f, runnerId, { wait_ms: 200 });
    expect(leases).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("a drain answers the runner's parked lease with nothing", async () => {
    const f = await fixture();
    const runnerId = await registerRunner(f, { name: "r1", capacity: {} });
    const pending = lease(f, runnerId, { wait_ms: 20_000 });
    await parked(f.admin);
    await ok(call("DELETE", `/v1/runners/${runnerId}`, f.runner));
    expect(await pending).toEqual([]);
  });
});
