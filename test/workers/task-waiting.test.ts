// task.waiting over fleets and tasks made through the API: GET /v1/tasks/{id} carries it (docs/waiting.md),
// computed in the live TenantDO from its own row and SchedulerState.
import { describe, expect, it } from "vitest";
import { type Waiting, WAITING_REASONS } from "../../src/scheduler/waiting.js";
import { call, type Fixture, fixture, getTask, lease, ok, putAgent, registerRunner, submit } from "./helpers.js";

async function waitingNow(f: Fixture, id: string): Promise<Waiting | null> {
  return ((await getTask(f, id)) as { waiting?: Waiting }).waiting ?? null;
}

describe("task.waiting for tasks submitted through the API", () => {
  it("no runner, then a runner without crm-api, then one with it; the lease takes it", async () => {
    const f = await fixture();
    await putAgent(f, "triage", { capabilities: ["crm-api"] });
    const t = await submit(f, { agent: "triage", input: {} });
    expect(await waitingNow(f, t.id)).toMatchObject({ reason: "no_runner_registered" });

    await registerRunner(f, { name: "box-1", capacity: { cpu: 1000 }, capabilities: ["sql"] });
    const w = await waitingNow(f, t.id);
    expect(w?.reason).toBe("missing_capability");
    expect(w?.message).toBe("no ready runner offers capability crm-api");
    expect(WAITING_REASONS).toContain(w?.reason);
    expect(Date.parse(w?.since ?? "")).toBe(Date.parse(t.created_at));

    // A runner that could take it, but has not asked for work yet.
    const r2 = await registerRunner(f, { name: "box-2", capacity: { cpu: 1000 }, capabilities: ["crm-api"] });
    expect(await waitingNow(f, t.id)).toMatchObject({
      reason: "no_runner_polling",
      details: { runner: r2, runners: [r2] },
    });
    const [l] = await lease(f, r2, { max_tasks: 1 });
    expect(l.task.id).toBe(t.id);
    expect(await waitingNow(f, t.id)).toBeNull(); // leased: not waiting
  });

  it("a node selector no runner matches names the selector", async () => {
    const f = await fixture();
    await putAgent(f, "eu-only");
    await registerRunner(f, { name: "us-box", capacity: {}, labels: { region: "us" } });
    const t = await submit(f, { agent: "eu-only", node_selector: { region: "eu" } });
    const w = await waitingNow(f, t.id);
    expect(w?.reason).toBe("no_runner_matches_selector");
    expect(w?.message).toBe("no ready runner matches region=eu; the closest, us-box, has region=us");
  });

  it("a request larger than any runner names the resource and the largest amount", async () => {
    const f = await fixture();
    await putAgent(f, "big", { resources: { cpu: 8000 } });
    await registerRunner(f, { name: "small", capacity: { cpu: 2000 } });
    const t = await submit(f, { agent: "big" });
    const w = await waitingNow(f, t.id);
    expect(w?.reason).toBe("insufficient_capacity");
    expect(w?.message).toBe("needs cpu 8000; the largest ready runner that fits otherwise has 2000 in all (small)");
    expect(w?.details).toMatchObject({ resource: "cpu", requested: 8000, largest: 2000, scope: "capacity" });
  });

  it("room in use now, then the agent's concurrency quota", async () => {
    const f = await fixture();
    await putAgent(f, "job", { resources: { cpu: 1500 } });
    const r = await registerRunner(f, { name: "box", capacity: { cpu: 2000 } });
    await submit(f, { agent: "job" });
    await lease(f, r, { max_tasks: 1 });
    const second = await submit(f, { agent: "job" });
    expect(await waitingNow(f, second.id)).toMatchObject({
      reason: "insufficient_capacity",
      message: "needs cpu 1500 free; the most free on a ready runner that fits is 500 (box)",
    });
    await putAgent(f, "job", { resources: { cpu: 100 }, quota: { concurrent_runs: 1 } });
    const third = await submit(f, { agent: "job" });
    expect(await waitingNow(f, third.id)).toMatchObject({
      reason: "agent_at_concurrency_cap",
      message: "agent job runs 1 task, its concurrent_runs quota is 1; this one starts when one ends",
    });
  });

  it("a drained runner that could run it: runners_not_ready", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const r = await registerRunner(f, { name: "only", capacity: {} });
    await ok(call("DELETE", `/v1/runners/${r}`, f.runner));
    const t = await submit(f, { agent: "echo" });
    expect(await waitingNow(f, t.id)).toMatchObject({
      reason: "runners_not_ready",
      message: "the only registered runner is not ready: only (draining)",
    });
  });

  it("a failed attempt in its backoff", async () => {
    const f = await fixture();
    await putAgent(f, "flaky", { retry: { max_attempts: 3, backoff: { initial_ms: 60_000, jitter: 0 } } });
    const r = await registerRunner(f, { name: "box", capacity: {} });
    const t = await submit(f, { agent: "flaky" });
    const [l] = await lease(f, r, { max_tasks: 1 });
    await ok(
      call("POST", `/v1/tasks/${t.id}/fail`, f.runner, {
        epoch: l.epoch,
        error: { code: "boom", message: "x" },
        retryable: true,
      }),
    );
    expect((await getTask(f, t.id)).state).toBe("retry_wait");
    const w = await waitingNow(f, t.id);
    expect(w?.reason).toBe("backoff");
    expect(w?.message).toMatch(/^attempt 1 of 3 failed; the next one queues at \d{4}-\d\d-\d\dT/);
  });

  it("the events route says why the task waits, as of each answer, so a watcher is not left mute", async () => {
    const f = await fixture();
    await putAgent(f, "triage", { capabilities: ["crm-api"] });
    const t = await submit(f, { agent: "triage", input: {} });
    const events = async () =>
      await ok<{ events: unknown[]; waiting?: Waiting }>(call("GET", `/v1/tasks/${t.id}/events`, f.read));
    expect((await events()).waiting).toMatchObject({ reason: "no_runner_registered" });
    const r = await registerRunner(f, { name: "box", capacity: { cpu: 1000 }, capabilities: ["crm-api"] });
    await lease(f, r, { max_tasks: 1 });
    const page = await events();
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.waiting).toBeUndefined();
  });
});
