// LLM token reservations through the Worker, concurrent-run caps in the
// scheduler, and llm_tpm as a plain scheduler resource.
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  expectError,
  fixture,
  getTask,
  lease,
  ok,
  parked,
  putAgent,
  registerRunner,
  submit,
  type Fixture,
} from "./helpers.js";

async function leased(
  f: Fixture,
  agent: string,
  quota: Record<string, unknown>,
  instance?: string,
): Promise<{ id: string; epoch: number }> {
  await putAgent(f, agent, { quota });
  const runnerId = await registerRunner(f, { name: `r-${agent}-${instance ?? "x"}`, capacity: {}, agents: [agent] });
  const task = await submit(f, instance ? { agent, instance } : { agent });
  const [l] = await lease(f, runnerId, { max_tasks: 1 });
  expect(l.task.id).toBe(task.id);
  return { id: task.id as string, epoch: l.epoch as number };
}

const reserve = (f: Fixture, t: { id: string; epoch: number }, tokens: number, extra: Record<string, unknown> = {}) =>
  call("POST", "/v1/quotas/reservations", f.runner, { task_id: t.id, epoch: t.epoch, tokens, ...extra });

async function bucket(f: Fixture, scope: string, key: string, kind: string): Promise<any> {
  const q = await ok(call("GET", "/v1/quotas", f.read));
  return q.buckets.find((b: any) => b.scope === scope && b.key === key && b.kind === kind);
}

describe("LLM reservations", () => {
  it("50 concurrent reservations against one bucket grant exactly what it holds", async () => {
    const f = await fixture();
    // 1000-token burst, refilling 1 token a second: 100-token reservations, so exactly 10 fit now.
    const t = await leased(f, "chat", { llm_tpm: 60, llm_tokens_burst: 1000 });
    const replies = await Promise.all(Array.from({ length: 50 }, () => reserve(f, t, 100)));
    const granted = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status === 429);
    expect(granted.length).toBe(10);
    expect(refused.length).toBe(40);
    for (const r of refused) {
      expectError(r, 429, "rate_limited");
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(r.body.error.details.buckets).toEqual(["agent:chat:llm_tokens"]);
    }
    expect(new Set(granted.map((r) => r.body.reservation_id)).size).toBe(10);
    const b = await bucket(f, "agent", "chat", "llm_tokens");
    expect(b).toMatchObject({ rate_per_minute: 60, burst: 1000, throttled: 40, granted: 1000 });
    expect(b.level).toBeLessThan(100);
  });

  it("settle refunds unused tokens and charges extra; cancel gives all back", async () => {
    const f = await fixture();
    const t = await leased(f, "chat", { llm_tpm: 60, llm_tokens_burst: 1000 });
    const a = await ok(reserve(f, t, 600), 201);
    // 1000 - 600 = 400 left: 500 does not fit.
    expectError(await reserve(f, t, 500), 429, "rate_limited");
    // Used 100 of 600: 500 back, 900 in the bucket.
    const s = await ok(
      call("POST", `/v1/quotas/reservations/${a.reservation_id}/settle`, f.runner, {
        usage: { prompt_tokens: 60, completion_tokens: 40, total_tokens: 100 },
      }),
    );
    expect(s).toMatchObject({ state: "settled", reserved: 600, used: 100 });
    const b1 = await bucket(f, "agent", "chat", "llm_tokens");
    expect(b1.level).toBeGreaterThanOrEqual(900);
    expect(b1.level).toBeLessThan(905);
    // Settling twice with the same figures is harmless; with others it is a conflict.
    await ok(
      call("POST", `/v1/quotas/reservations/${a.reservation_id}/settle`, f.runner, { usage: { total_tokens: 100 } }),
    );
    expectError(
      await call("POST", `/v1/quotas/reservations/${a.reservation_id}/settle`, f.runner, {
        usage: { total_tokens: 7 },
      }),
      409,
      "conflict",
    );
    // Reserved 100, used 1000: 900 more taken, the level goes below zero.
    const c = await ok(reserve(f, t, 100), 201);
    await ok(
      call("POST", `/v1/quotas/reservations/${c.reservation_id}/settle`, f.runner, { usage: { total_tokens: 1000 } }),
    );
    expect((await bucket(f, "agent", "chat", "llm_tokens")).level).toBeLessThan(0);
    // A cancelled reservation costs nothing.
    const u = await leased(f, "other", { llm_tpm: 60, llm_tokens_burst: 1000 });
    const d = await ok(reserve(f, u, 1000), 201);
    expect((await bucket(f, "agent", "other", "llm_tokens")).level).toBeLessThan(1);
    await ok(call("POST", `/v1/quotas/reservations/${d.reservation_id}/cancel`, f.runner));
    expect((await bucket(f, "agent", "other", "llm_tokens")).level).toBe(1000);
  });

  it("tenant, agent, instance and request buckets all apply; a second agent keeps its own rate", async () => {
    const f = await fixture();
    await ok(call("PUT", "/v1/quotas", f.admin, { llm_tpm: 60, llm_tokens_burst: 5000 }));
    const a = await leased(f, "a", { llm_tpm: 60, llm_tokens_burst: 1000, llm_rpm: 60, llm_requests_burst: 3 });
    const b = await leased(f, "b", { llm_tpm: 60, llm_tokens_burst: 2000 });
    // a: 3 requests of its burst of 3, then the request bucket refuses.
    for (let i = 0; i < 3; i++) await ok(reserve(f, a, 10), 201);
    const r = await reserve(f, a, 10);
    expectError(r, 429, "rate_limited");
    expect(r.body.error.details.buckets).toEqual(["agent:a:llm_requests"]);
    // b is not held back by a.
    await ok(reserve(f, b, 2000), 201);
    // Tenant: 5000 - 30 - 2000 = 2970 left; b's own bucket is empty now.
    expect((await bucket(f, "tenant", "", "llm_tokens")).level).toBeCloseTo(2970, -1);
    expect((await reserve(f, b, 10)).body.error.details.buckets).toEqual(["agent:b:llm_tokens"]);
    // Per instance: each instance has its own small bucket.
    const c1 = await leased(f, "c", { per_instance: { llm_tpm: 60, llm_tokens_burst: 50 } }, "i1");
    await ok(reserve(f, c1, 50), 201);
    expect((await reserve(f, c1, 50)).body.error.details.buckets).toEqual(["instance:i1:llm_tokens"]);
  });

  it("forgets per-instance buckets that have refilled when a new instance needs one; a forgotten one starts full", async () => {
    const f = await fixture();
    // 600 tokens a minute = 10 a second, burst 50: empty to full in 5 s.
    await putAgent(f, "c", { quota: { per_instance: { llm_tpm: 600, llm_tokens_burst: 50 } } });
    const runnerId = await registerRunner(f, { name: "r", capacity: {} });
    const task = async (instance: string) => {
      await submit(f, { agent: "c", instance });
      const [l] = await lease(f, runnerId, { max_tasks: 1 });
      return { id: l.task.id as string, epoch: l.epoch as number };
    };
    const instances = async () =>
      ((await ok(call("GET", "/v1/quotas", f.read))).buckets as { scope: string; key: string }[])
        .filter((b) => b.scope === "instance")
        .map((b) => b.key)
        .sort();
    const a = await task("ia");
    await ok(reserve(f, a, 50), 201);
    const b = await task("ib");
    await ok(reserve(f, b, 5), 201);
    // ia is empty and ib not full: both kept.
    expect(await instances()).toEqual(["ia", "ib"]);
    await advance(f.admin, 10_000);
    const c = await task("ic");
    await ok(reserve(f, c, 1), 201);
    expect(await instances()).toEqual(["ic"]);
    // ia again: a fresh, full bucket, exactly as the refilled one would have been.
    await ok(reserve(f, a, 50), 201);
    expect((await reserve(f, a, 1)).body.error.details.buckets).toEqual(["instance:ia:llm_tokens"]);
  });

  it("only the live lease may reserve; more than the burst is a 400", async () => {
    const f = await fixture();
    const t = await leased(f, "chat", { llm_tpm: 60, llm_tokens_burst: 100 });
    // Without a lease token for them: refused before the lease is looked up.
    expectError(await reserve(f, { id: t.id, epoch: t.epoch + 1 }, 10), 401, "unauthorized");
    expectError(await reserve(f, { id: "task_nope", epoch: 1 }, 10), 401, "unauthorized");
    expectError(await reserve(f, t, 101), 400, "bad_request");
    expectError(
      await call("POST", "/v1/quotas/reservations", f.submit, { task_id: t.id, epoch: t.epoch, tokens: 1 }),
      403,
      "forbidden",
    );
    expectError(
      await call("POST", "/v1/quotas/reservations", f.runner, { task_id: t.id, epoch: t.epoch, tokens: -1 }),
      400,
      "bad_request",
    );
    await ok(call("POST", `/v1/tasks/${t.id}/complete`, f.runner, { epoch: t.epoch, result: null }));
    expectError(await reserve(f, t, 10), 409, "conflict");
  });

  it("reserve with max_wait_ms grants in the future (x/time/rate Reserve) and says how long to wait", async () => {
    const f = await fixture();
    // 600 tokens a minute = 10 a second.
    const t = await leased(f, "chat", { llm_tpm: 600, llm_tokens_burst: 100 });
    await ok(reserve(f, t, 100), 201);
    const later = await ok(reserve(f, t, 50, { max_wait_ms: 10_000 }), 201);
    // 50 missing at 10 a second: about 5 s.
    expect(later.delay_ms).toBeGreaterThan(4000);
    expect(later.delay_ms).toBeLessThanOrEqual(5000);
  });

  it("daily token budget: refused once spent, with the time until the day ends", async () => {
    const f = await fixture();
    const t = await leased(f, "chat", { daily: { llm_tokens: 150 } });
    await ok(reserve(f, t, 100), 201);
    const r = await reserve(f, t, 100);
    expectError(r, 429, "rate_limited");
    expect(r.body.error.details.buckets).toEqual(["daily:agent:llm_tokens"]);
    const q = await ok(call("GET", "/v1/quotas", f.read));
    expect(q.daily.find((d: any) => d.scope === "agent" && d.key === "chat")).toMatchObject({
      used: { llm_tokens: 100 },
      limits: { llm_tokens: 150 },
    });
  });
});

describe("concurrent runs and llm_tpm as a resource", () => {
  it("an agent at its concurrent_runs cap is skipped; another agent still runs", async () => {
    const f = await fixture();
    await putAgent(f, "capped", { quota: { concurrent_runs: 1 } });
    await putAgent(f, "free", {});
    const runnerId = await registerRunner(f, { name: "r", capacity: { cpu: 10_000 } });
    await submit(f, { agent: "capped" });
    await submit(f, { agent: "capped" });
    await submit(f, { agent: "free" });
    const first = await lease(f, runnerId, { max_tasks: 3 });
    expect(first.map((l) => l.task.agent).sort()).toEqual(["capped", "free"]);
    const q = await ok(call("GET", "/v1/quotas", f.read));
    expect(q.concurrent).toEqual([{ scope: "agent", key: "capped", limit: 1, running: 1 }]);
    expect(await lease(f, runnerId, { max_tasks: 3 })).toEqual([]);
    const c = first.find((l) => l.task.agent === "capped");
    await ok(
      call("POST", `/v1/tasks/${c.task.id}/complete`, f.runner, {
        epoch: c.epoch,
        result: 1,
        usage: { cpu_seconds: 1.5, peak_memory_mb: 42, enforcement: "cgroup-v1" },
      }),
    );
    expect((await getTask(f, c.task.id)).usage).toEqual({
      cpu_seconds: 1.5,
      peak_memory_mb: 42,
      enforcement: "cgroup-v1",
    });
    // Freed: the second capped task is leased now.
    expect((await lease(f, runnerId, { max_tasks: 3 })).map((l) => l.task.agent)).toEqual(["capped"]);
    const day = (await ok(call("GET", "/v1/quotas", f.read))).daily.find((d: any) => d.key === "capped");
    expect(day.used).toEqual({ cpu_seconds: 1.5 });
  });

  it("an agent whose daily CPU budget is spent is not leased until the day ends; others, and raised budgets, go on", async () => {
    const f = await fixture();
    await putAgent(f, "cruncher", { quota: { daily: { cpu_seconds: 2 } } });
    await putAgent(f, "other", {});
    const runnerId = await registerRunner(f, { name: "r", capacity: {} });
    for (let i = 0; i < 3; i++) await submit(f, { agent: "cruncher" });
    const [l1] = await lease(f, runnerId, { max_tasks: 1 });
    // 1.5 of 2 s: not spent, the next one is leased.
    await ok(
      call("POST", `/v1/tasks/${l1.task.id}/complete`, f.runner, {
        epoch: l1.epoch,
        result: 1,
        usage: { cpu_seconds: 1.5 },
      }),
    );
    const [l2] = await lease(f, runnerId, { max_tasks: 1 });
    expect(l2.task.agent).toBe("cruncher");
    // 2.5 of 2 s: spent (the running attempt was not stopped; CPU is known only afterwards).
    await ok(
      call("POST", `/v1/tasks/${l2.task.id}/complete`, f.runner, {
        epoch: l2.epoch,
        result: 1,
        usage: { cpu_seconds: 1.0 },
      }),
    );
    await submit(f, { agent: "other" });
    const others = await lease(f, runnerId, { max_tasks: 5 });
    expect(others.map((l) => l.task.agent)).toEqual(["other"]);
    expect(await lease(f, runnerId, { max_tasks: 5 })).toEqual([]);
    await ok(call("POST", `/v1/tasks/${others[0].task.id}/complete`, f.runner, { epoch: others[0].epoch, result: 1 }));
    const day = (await ok(call("GET", "/v1/quotas", f.read))).daily.find((d: any) => d.key === "cruncher");
    expect(day).toMatchObject({ used: { cpu_seconds: 2.5 }, limits: { cpu_seconds: 2 } });
    // After the day rolls over the queued task runs.
    await advance(f.admin, 24 * 3600_000);
    expect((await lease(f, runnerId, { max_tasks: 5 })).map((l) => l.task.agent)).toEqual(["cruncher"]);
  });

  it("a tenant's spent daily CPU budget holds every agent; raising it releases a parked poll", async () => {
    const f = await fixture();
    await ok(call("PUT", "/v1/quotas", f.admin, { daily: { cpu_seconds: 1 } }));
    await putAgent(f, "a", {});
    await putAgent(f, "b", {});
    const runnerId = await registerRunner(f, { name: "r", capacity: {} });
    await submit(f, { agent: "a" });
    const [l] = await lease(f, runnerId, { max_tasks: 1 });
    await ok(
      call("POST", `/v1/tasks/${l.task.id}/complete`, f.runner, {
        epoch: l.epoch,
        result: 1,
        usage: { cpu_seconds: 1 },
      }),
    );
    await submit(f, { agent: "a" });
    await submit(f, { agent: "b" });
    expect(await lease(f, runnerId, { max_tasks: 5 })).toEqual([]);
    const poll = call("POST", `/v1/runners/${runnerId}/lease`, f.runner, { max_tasks: 5, wait_ms: 20_000 });
    await parked(f.admin);
    await ok(call("PUT", "/v1/quotas", f.admin, { daily: { cpu_seconds: 10 } }));
    const got = await ok(poll);
    expect(got.leases.map((x: { task: { agent: string } }) => x.task.agent).sort()).toEqual(["a", "b"]);
  });

  it("the tenant's concurrent_runs caps all agents together", async () => {
    const f = await fixture();
    await ok(call("PUT", "/v1/quotas", f.admin, { concurrent_runs: 2 }));
    await putAgent(f, "x", {});
    const runnerId = await registerRunner(f, { name: "r", capacity: {} });
    for (let i = 0; i < 4; i++) await submit(f, { agent: "x" });
    expect((await lease(f, runnerId, { max_tasks: 4 })).length).toBe(2);
    // Raising the cap lets a parked or next poll take more.
    await ok(call("PUT", "/v1/quotas", f.admin, { concurrent_runs: 3 }));
    expect((await lease(f, runnerId, { max_tasks: 4 })).length).toBe(1);
  });

  it("llm_tpm is a resource like any other: a runner declaring 1000 runs one 600-tpm task at a time", async () => {
    const f = await fixture();
    await putAgent(f, "chatty", { resources: { llm_tpm: 600 } });
    const runnerId = await registerRunner(f, { name: "r", capacity: { llm_tpm: 1000 } });
    await submit(f, { agent: "chatty" });
    await submit(f, { agent: "chatty" });
    const got = await lease(f, runnerId, { max_tasks: 2 });
    expect(got.length).toBe(1);
    expect(got[0].resources).toEqual({ llm_tpm: 600 });
    const runner = (await ok(call("GET", `/v1/runners/${runnerId}`, f.read))).runner;
    expect(runner.allocated).toEqual({ llm_tpm: 600 });
  });

  it("quota input is validated", async () => {
    const f = await fixture();
    expectError(await call("PUT", "/v1/agents/q", f.admin, { quota: { llm_tpm: -1 } }), 400, "bad_request");
    expectError(await call("PUT", "/v1/agents/q", f.admin, { quota: { typo: 1 } }), 400, "bad_request");
    expectError(await call("PUT", "/v1/quotas", f.admin, { per_instance: {} }), 400, "bad_request");
    expectError(await call("PUT", "/v1/quotas", f.read, {}), 403, "forbidden");
  });
});

describe("quota routes in the OpenAPI document", () => {
  it("lists /v1/quotas and the reservation routes, with the 429", async () => {
    const r = await call("GET", "/openapi.json", null);
    const paths = r.body.paths;
    expect(Object.keys(paths["/v1/quotas"]).sort()).toEqual(["get", "put"]);
    expect(paths["/v1/quotas/reservations"].post.responses["429"].headers["Retry-After"]).toBeDefined();
    expect(paths["/v1/quotas/reservations"].post.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/ReserveLlm",
    });
    expect(paths["/v1/quotas/reservations/{id}/settle"].post).toBeDefined();
    expect(paths["/v1/quotas/reservations/{id}/cancel"].post).toBeDefined();
    expect(r.body.components.schemas.AgentSpec.properties.quota).toBeDefined();
    expect(r.body.components.schemas.Complete.properties.usage).toBeDefined();
  });
});
