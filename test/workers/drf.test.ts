// Dominant Resource Fairness, strict priority and placement through the HTTP API.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../../src/durable/tenant-do.js";
import { advance, call, fixture, heartbeat, lease, ok, putAgent, registerRunner, submit, tenantDO } from "./helpers.js";

const count = (leases: any[]) => {
  const by: Record<string, number> = {};
  for (const l of leases) by[l.task.agent] = (by[l.task.agent] ?? 0) + 1;
  return by;
};

describe("DRF through the API", () => {
  it("gives the paper's allocation: one runner <9 CPU, 18 GB>, A <1, 4>, B <3, 1>", async () => {
    const f = await fixture();
    await putAgent(f, "a", { resources: { cpu: 1, memory_gb: 4 } });
    await putAgent(f, "b", { resources: { cpu: 3, memory_gb: 1 } });
    const r = await registerRunner(f, { name: "r", capacity: { cpu: 9, memory_gb: 18 } });
    for (let i = 0; i < 8; i++) {
      await submit(f, { agent: "a" });
      await submit(f, { agent: "b" });
    }
    const got: any[] = [];
    for (;;) {
      const l = await lease(f, r, { max_tasks: 1 });
      if (l.length === 0) break;
      got.push(...l);
    }
    // Shares after each grant (A: mem/18, B: cpu/9): A 4/18; B 3/9; A 8/18; B 6/9; A 12/18; then
    // neither fits (CPU 3·1 + 2·3 = 9 used). A = 3 tasks <3, 12>, B = 2 tasks <6, 2>: both 2/3.
    expect(got.map((l) => l.task.agent)).toEqual(["a", "b", "a", "b", "a"]);
    const view = await ok(call("GET", "/v1/scheduler", f.read));
    const a = view.agents.find((x: any) => x.agent === "a");
    const b = view.agents.find((x: any) => x.agent === "b");
    expect(a).toMatchObject({ dominant_resource: "memory_gb", running: 3, queued: 5 });
    expect(b).toMatchObject({ dominant_resource: "cpu", running: 2, queued: 6 });
    expect(a.dominant_share).toBeCloseTo(2 / 3, 9);
    expect(b.dominant_share).toBeCloseTo(2 / 3, 9);
    expect(view.capacity).toEqual({ cpu: 9, memory_gb: 18 });
  });

  it("one lease call with max_tasks takes the same DRF allocation", async () => {
    const f = await fixture();
    await putAgent(f, "a", { resources: { cpu: 1, memory_gb: 4 } });
    await putAgent(f, "b", { resources: { cpu: 3, memory_gb: 1 } });
    const r = await registerRunner(f, { name: "r", capacity: { cpu: 9, memory_gb: 18 } });
    for (let i = 0; i < 8; i++) await submit(f, { agent: i % 2 ? "a" : "b" });
    for (let i = 0; i < 8; i++) await submit(f, { agent: i % 2 ? "b" : "a" });
    expect(count(await lease(f, r, { max_tasks: 64 }))).toEqual({ a: 3, b: 2 });
  });

  it("weights: B with weight 2 is entitled to twice A's share", async () => {
    const f = await fixture();
    await putAgent(f, "a", { resources: { cpu: 1 } });
    await putAgent(f, "b", { resources: { cpu: 1 }, weight: 2 });
    const r = await registerRunner(f, { name: "r", capacity: { cpu: 9 } });
    for (let i = 0; i < 9; i++) await submit(f, { agent: "a" }), await submit(f, { agent: "b" });
    // Shares a = n_a/9, b = n_b/(9·2): equal when n_b = 2·n_a, so 9 CPUs split 3 : 6.
    expect(count(await lease(f, r, { max_tasks: 64 }))).toEqual({ a: 3, b: 6 });
  });

  it("strict priority beats DRF: a higher class goes first whatever the shares", async () => {
    const f = await fixture();
    await putAgent(f, "a", { resources: { cpu: 1 } });
    await putAgent(f, "b", { resources: { cpu: 1 } });
    const r = await registerRunner(f, { name: "r", capacity: { cpu: 10 } });
    for (let i = 0; i < 3; i++) await submit(f, { agent: "a" });
    expect(count(await lease(f, r, { max_tasks: 3 }))).toEqual({ a: 3 });
    // a holds 3/10, b none; yet a's priority-5 task goes before b's priority-0 task.
    const low = await submit(f, { agent: "b" });
    const high = await submit(f, { agent: "a", priority: 5 });
    expect((await lease(f, r, { max_tasks: 2 })).map((l) => l.task.id)).toEqual([high.id, low.id]);
  });
});

describe("affinity and taints", () => {
  it("a PCI agent never lands on an unlabelled runner; the tainted PCI runner takes nothing else, even idle", async () => {
    const f = await fixture();
    await putAgent(f, "payments", {
      node_selector: { pci: "true" },
      tolerations: [{ key: "pci", operator: "Exists" }],
    });
    await putAgent(f, "support", {});
    const pci = await registerRunner(f, {
      name: "pci",
      capacity: { cpu: 10 },
      labels: { pci: "true" },
      taints: [{ key: "pci", value: "true", effect: "NoSchedule" }],
    });
    const plain = await registerRunner(f, { name: "plain", capacity: { cpu: 10 } });
    for (let i = 0; i < 3; i++) await submit(f, { agent: "support" });
    // Idle, work queued, and still nothing: support does not tolerate the taint.
    expect(await lease(f, pci, { max_tasks: 10 })).toEqual([]);
    for (let i = 0; i < 3; i++) await submit(f, { agent: "payments" });
    expect(count(await lease(f, plain, { max_tasks: 10 }))).toEqual({ support: 3 });
    expect(count(await lease(f, pci, { max_tasks: 10 }))).toEqual({ payments: 3 });
  });

  it("node_affinity match expressions: In, NotIn, Exists, DoesNotExist", async () => {
    const f = await fixture();
    await putAgent(f, "eu-only", { node_affinity: [{ key: "region", operator: "In", values: ["eu", "ch"] }] });
    await putAgent(f, "not-us", { node_affinity: [{ key: "region", operator: "NotIn", values: ["us"] }] });
    await putAgent(f, "gpu", { node_affinity: [{ key: "gpu", operator: "Exists" }] });
    await putAgent(f, "no-gpu", { node_affinity: [{ key: "gpu", operator: "DoesNotExist" }] });
    const us = await registerRunner(f, { name: "us", capacity: {}, labels: { region: "us" } });
    const eu = await registerRunner(f, { name: "eu", capacity: {}, labels: { region: "eu", gpu: "a100" } });
    for (const a of ["eu-only", "not-us", "gpu", "no-gpu"]) await submit(f, { agent: a });
    expect(count(await lease(f, us, { max_tasks: 10 }))).toEqual({ "no-gpu": 1 });
    expect(count(await lease(f, eu, { max_tasks: 10 }))).toEqual({ "eu-only": 1, "not-us": 1, gpu: 1 });
  });

  it("rejects a malformed match expression or taint with 400", async () => {
    const f = await fixture();
    const r1 = await call("PUT", "/v1/agents/x", f.admin, { node_affinity: [{ key: "region", operator: "In" }] });
    expect(r1.status).toBe(400);
    const r2 = await call("POST", "/v1/runners", f.runner, {
      name: "r",
      capacity: {},
      taints: [{ key: "pci", effect: "NoExecute" }],
    });
    expect(r2.status).toBe(400);
  });
});

describe("preemption and starvation", () => {
  it("evicts the fewest lower-priority leases, holds the runner, and gives it to the waiting task", async () => {
    const f = await fixture();
    await putAgent(f, "batch", { resources: { cpu: 400 } });
    await putAgent(f, "vip", { resources: { cpu: 700 } });
    await putAgent(f, "pinned", { resources: { cpu: 200 }, preemptible: false });
    const r = await registerRunner(f, { name: "r", capacity: { cpu: 1000 } });
    const b1 = await submit(f, { agent: "batch", priority: 0 });
    const b2 = await submit(f, { agent: "batch", priority: 0 });
    const p = await submit(f, { agent: "pinned", priority: 0 });
    const leased = await lease(f, r, { max_tasks: 3 });
    expect(leased.map((l) => l.task.id).sort()).toEqual([b1.id, b2.id, p.id].sort());
    const epoch = Object.fromEntries(leased.map((l) => [l.task.id, l.epoch]));
    // 1000 - 400 - 400 - 200 = 0 free; vip needs 700: both batch leases must go (400 + 0 < 700), pinned never.
    const vip = await submit(f, { agent: "vip", priority: 10 });
    const hb = await heartbeat(
      f,
      r,
      leased.map((l) => ({ task_id: l.task.id, epoch: l.epoch })),
    );
    expect(hb.preempt.sort()).toEqual([b1.id, b2.id].sort());
    expect(hb.cancel).toEqual([]);
    // A newcomer of the same low class must not take the freed room.
    await submit(f, { agent: "batch", priority: 0 });
    await ok(call("POST", `/v1/tasks/${b1.id}/release`, f.runner, { epoch: epoch[b1.id] }));
    expect(await lease(f, r, { max_tasks: 5 })).toEqual([]);
    const released = await ok(call("POST", `/v1/tasks/${b2.id}/release`, f.runner, { epoch: epoch[b2.id] }));
    // Released, not charged: attempts back to 0.
    expect(released.task).toMatchObject({ state: "queued", attempts: 0 });
    expect((await lease(f, r, { max_tasks: 5 })).map((l) => l.task.id)).toEqual([vip.id]);
  });

  it("a starving task holds the runners it fits until one has room, ahead of a higher class", async () => {
    const f = await fixture();
    await putAgent(f, "big", { resources: { cpu: 1000 } });
    await putAgent(f, "small", { resources: { cpu: 500 } });
    // Leases outlive the clock jump below.
    const r = await registerRunner(f, { name: "r", capacity: { cpu: 1000 }, lease_ttl_ms: 600_000 });
    await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => void (o.starvationMs = 60_000));
    const s1 = await submit(f, { agent: "small", priority: 5 });
    const s2 = await submit(f, { agent: "small", priority: 5 });
    const first = await lease(f, r, { max_tasks: 2 });
    expect(first.map((l) => l.task.id)).toEqual([s1.id, s2.id]);
    const big = await submit(f, { agent: "big", priority: 0 });
    await submit(f, { agent: "small", priority: 5 });
    // Not yet starving: the higher class backfills the room the first small task frees.
    await ok(call("POST", `/v1/tasks/${s1.id}/complete`, f.runner, { epoch: first[0].epoch }));
    const again = await lease(f, r, { max_tasks: 2 });
    expect(again.map((l) => l.task.agent)).toEqual(["small"]);
    // Past the starvation age, the runner is held for the big task: nothing else gets in.
    await advance(f.admin, 61_000);
    await submit(f, { agent: "small", priority: 5 });
    await ok(call("POST", `/v1/tasks/${s2.id}/complete`, f.runner, { epoch: first[1].epoch }));
    expect(await lease(f, r, { max_tasks: 2 })).toEqual([]);
    await ok(call("POST", `/v1/tasks/${again[0].task.id}/complete`, f.runner, { epoch: again[0].epoch }));
    expect((await lease(f, r, { max_tasks: 2 })).map((l) => l.task.id)).toEqual([big.id]);
  });
});

describe("preemption holds are let go", () => {
  it("when the waiting task finds room elsewhere, the held runner is free again and its victims are spared", async () => {
    const f = await fixture();
    await putAgent(f, "batch", { resources: { cpu: 1000 } });
    await putAgent(f, "vip", { resources: { cpu: 1000 } });
    const r1 = await registerRunner(f, { name: "r1", capacity: { cpu: 1000 } });
    const b = await submit(f, { agent: "batch" });
    const [l] = await lease(f, r1, { max_tasks: 1 });
    expect(l.task.id).toBe(b.id);
    await submit(f, { agent: "vip", priority: 10 });
    expect((await heartbeat(f, r1, [{ task_id: b.id, epoch: l.epoch }])).preempt).toEqual([b.id]);
    // A second runner arrives before the victim is released, and takes the vip task.
    const r2 = await registerRunner(f, { name: "r2", capacity: { cpu: 1000 } });
    expect((await lease(f, r2, { max_tasks: 1 }))[0].task.agent).toBe("vip");
    // The batch lease on r1 is no longer asked to go, and r1 takes new work again.
    expect((await heartbeat(f, r1, [{ task_id: b.id, epoch: l.epoch }])).preempt).toEqual([]);
    await ok(call("POST", `/v1/tasks/${b.id}/complete`, f.runner, { epoch: l.epoch }));
    await submit(f, { agent: "batch" });
    expect((await lease(f, r1, { max_tasks: 1 })).map((x) => x.task.agent)).toEqual(["batch"]);
  });
});
