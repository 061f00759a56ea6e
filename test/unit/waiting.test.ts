// Each reason waiting() gives, with the message a person reads and the
// details a tool reads. Hand-built fleets; the property test beside this one
// checks the answers against pick() over random ones.
import { describe, expect, it } from "vitest";
import type { Resources } from "../../src/api/schemas.js";
import { QueueIndex, type QueuedTask } from "../../src/drf/queue-index.js";
import type { RunnerShape } from "../../src/scheduler/fit.js";
import type { RunLimits } from "../../src/scheduler/run-limits.js";
import {
  WAITING_REASONS,
  waiting,
  type FleetRunner,
  type RunnerReadiness,
  type SchedulerSnapshot,
  type WaitingTask,
} from "../../src/scheduler/waiting.js";
import { req, task } from "./drf-helpers.js";

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const QUEUED_AT = NOW - 5_000;

function runner(
  id: string,
  over: Partial<RunnerShape> = {},
  opts: { state?: RunnerReadiness; free?: Resources; heldFor?: string; name?: string } = {},
): FleetRunner {
  const shape: RunnerShape = { capacity: {}, labels: {}, capabilities: [], agents: null, taints: [], ...over };
  return {
    view: { id, shape, free: opts.free ?? { ...shape.capacity }, heldFor: opts.heldFor ?? null },
    name: opts.name ?? id,
    state: opts.state ?? "ready",
  };
}

const noLimits = (over: Partial<RunLimits> = {}): RunLimits => ({
  caps: new Map(),
  tenantCap: null,
  runningOf: () => 0,
  activeTotal: 0,
  budgetSpent: new Map(),
  ...over,
});

function snapshot(runners: FleetRunner[], over: Partial<SchedulerSnapshot> = {}, queued: QueuedTask[] = []) {
  const index = new QueueIndex();
  for (const t of queued) index.add(t);
  return {
    runners,
    index,
    busyInstances: new Set<string>(),
    limits: noLimits(),
    nowMs: NOW,
    starvationMs: 60_000,
    ...over,
  } satisfies SchedulerSnapshot;
}

const queuedTask = (over: Partial<QueuedTask> = {}): QueuedTask =>
  task("t1", 1, { agent: "triage", queuedAtMs: QUEUED_AT, ...over });

const asQueued = (t: QueuedTask, over: Partial<WaitingTask> = {}): WaitingTask => ({
  task: t,
  state: "queued",
  attempts: 0,
  maxAttempts: 3,
  sinceMs: t.queuedAtMs,
  ...over,
});

describe("waiting(): a queued task", () => {
  it("is null when a ready runner would take it now", () => {
    const t = queuedTask({ req: req({ capabilities: ["crm-api"], resources: { cpu: 500 } }) });
    const s = snapshot([runner("r1", { capabilities: ["crm-api"], capacity: { cpu: 1000 } })]);
    expect(waiting(asQueued(t), s)).toBeNull();
  });

  it("no_runner_registered", () => {
    expect(waiting(asQueued(queuedTask()), snapshot([]))).toEqual({
      reason: "no_runner_registered",
      message: "no runner is registered; start an agent-runner for this tenant",
      details: {},
      since: new Date(QUEUED_AT).toISOString(),
    });
  });

  it("runners_not_ready: none is ready, each named with its state", () => {
    const s = snapshot([
      runner("r1", {}, { state: "dead", name: "box-1" }),
      runner("r2", {}, { state: "draining", name: "box-2" }),
    ]);
    const w = waiting(asQueued(queuedTask()), s);
    expect(w?.reason).toBe("runners_not_ready");
    expect(w?.message).toBe("none of the 2 registered runners is ready: box-1 (dead), box-2 (draining)");
    expect(w?.details?.runners).toEqual([
      { runner: "r1", name: "box-1", state: "dead" },
      { runner: "r2", name: "box-2", state: "draining" },
    ]);
  });

  it("runners_not_ready: the ready ones cannot run it, a not-ready one could", () => {
    const t = queuedTask({ req: req({ capabilities: ["crm-api"] }) });
    const s = snapshot([runner("r1"), runner("r2", { capabilities: ["crm-api"] }, { state: "not_ready" })]);
    const w = waiting(asQueued(t), s);
    expect(w?.reason).toBe("runners_not_ready");
    expect(w?.message).toBe("no ready runner can run it; a runner that could is not ready: r2 (not_ready)");
  });

  it("no_runner_offers_agent", () => {
    const s = snapshot([runner("r1", { agents: ["echo"] })]);
    const w = waiting(asQueued(queuedTask()), s);
    expect(w?.reason).toBe("no_runner_offers_agent");
    expect(w?.message).toBe("no ready runner offers agent triage (each runner lists the agents it starts)");
    expect(w?.details).toEqual({ agent: "triage", runner: "r1" });
  });

  it("missing_capability: the docs' triage example, on a runner without crm-api", () => {
    const t = queuedTask({ req: req({ capabilities: ["crm-api"] }) });
    const w = waiting(asQueued(t), snapshot([runner("r1", { capabilities: ["sql"] })]));
    expect(w?.reason).toBe("missing_capability");
    expect(w?.message).toBe("no ready runner offers capability crm-api");
    expect(w?.details).toEqual({ capabilities: ["crm-api"], runner: "r1" });
  });

  it("missing_capability: each is offered somewhere, none offers both", () => {
    const t = queuedTask({ req: req({ capabilities: ["crm-api", "sql"] }) });
    const s = snapshot([runner("r1", { capabilities: ["sql"] }), runner("r2", { capabilities: ["crm-api"] })]);
    const w = waiting(asQueued(t), s);
    expect(w?.message).toBe("no ready runner offers all of capabilities crm-api, sql; the closest, r1, lacks crm-api");
  });

  it("missing_capability: only a runner that does not start the agent has it", () => {
    const t = queuedTask({ req: req({ capabilities: ["crm-api"] }) });
    const s = snapshot([runner("r1", { capabilities: ["crm-api"], agents: ["echo"] }), runner("r2")]);
    expect(waiting(asQueued(t), s)?.message).toBe("no ready runner that starts agent triage offers capability crm-api");
  });

  it("no_runner_matches_selector: names the selector and what the closest runner has", () => {
    const t = queuedTask({
      req: req({ nodeSelector: { region: "eu" }, affinity: [{ key: "tier", operator: "In", values: ["gold"] }] }),
    });
    const s = snapshot([runner("r1", { labels: { region: "us" } }), runner("r2", { labels: { region: "eu" } })]);
    const w = waiting(asQueued(t), s);
    expect(w?.reason).toBe("no_runner_matches_selector");
    // r2 misses one constraint, r1 two: r2 is the closest.
    expect(w?.message).toBe("no ready runner matches tier In (gold); the closest, r2, has none of those labels");
    expect(w?.details).toEqual({
      node_selector: {},
      affinity: [{ key: "tier", operator: "In", values: ["gold"] }],
      runner: "r2",
    });
  });

  it("taint_not_tolerated", () => {
    const s = snapshot([runner("r1", { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] })]);
    const w = waiting(asQueued(queuedTask()), s);
    expect(w?.reason).toBe("taint_not_tolerated");
    expect(w?.message).toBe(
      "the task does not tolerate taint dedicated=gpu:NoSchedule of runner r1, the closest ready runner",
    );
  });

  it("insufficient_capacity: more than any runner has in all, naming the resource and the largest amount", () => {
    const t = queuedTask({ req: req({ resources: { gpu_memory_mb: 80_000, cpu: 100 } }) });
    const s = snapshot([
      runner("r1", { capacity: { cpu: 4000, gpu_memory_mb: 24_000 } }),
      runner("r2", { capacity: { cpu: 4000, gpu_memory_mb: 40_000 } }),
    ]);
    const w = waiting(asQueued(t), s);
    expect(w?.reason).toBe("insufficient_capacity");
    expect(w?.message).toBe(
      "needs gpu_memory_mb 80000; the largest ready runner that fits otherwise has 40000 in all (r2)",
    );
    expect(w?.details).toEqual({
      resource: "gpu_memory_mb",
      requested: 80_000,
      largest: 40_000,
      runner: "r2",
      scope: "capacity",
    });
  });

  it("insufficient_capacity: not free now, naming the largest free amount", () => {
    const t = queuedTask({ req: req({ resources: { cpu: 2000 } }) });
    const s = snapshot([
      runner("r1", { capacity: { cpu: 4000 } }, { free: { cpu: 500 } }),
      runner("r2", { capacity: { cpu: 4000 } }, { free: { cpu: 1500 } }),
    ]);
    const w = waiting(asQueued(t), s);
    expect(w?.message).toBe("needs cpu 2000 free; the most free on a ready runner that fits is 1500 (r2)");
    expect(w?.details).toMatchObject({ resource: "cpu", largest: 1500, runner: "r2", scope: "free" });
  });

  it("insufficient_capacity: each kind is free somewhere, never all on one runner", () => {
    const t = queuedTask({ req: req({ resources: { cpu: 1000, memory_mb: 1000 } }) });
    const s = snapshot([
      runner("r1", { capacity: { cpu: 2000, memory_mb: 2000 } }, { free: { cpu: 2000, memory_mb: 10 } }),
      runner("r2", { capacity: { cpu: 2000, memory_mb: 2000 } }, { free: { cpu: 10, memory_mb: 2000 } }),
    ]);
    expect(waiting(asQueued(t), s)?.message).toBe(
      "no ready runner has cpu 1000, memory_mb 1000 free at once; the closest, r1, has memory_mb 10",
    );
  });

  it("insufficient_capacity: a runner already held for it says so", () => {
    const t = queuedTask({ req: req({ resources: { cpu: 2000 } }) });
    const s = snapshot([runner("r1", { capacity: { cpu: 4000 } }, { free: { cpu: 0 }, heldFor: "t1" })], {}, [t]);
    expect(waiting(asQueued(t), s)?.message).toBe(
      "needs cpu 2000 free; the most free on a ready runner that fits is 0 (r1); r1 is held for this task",
    );
  });

  it("a runner it failed on is passed over while another fits: the other's shortfall is the reason", () => {
    const t = queuedTask({ req: req({ resources: { cpu: 1000 } }), avoid: ["r1"] });
    const s = snapshot([
      runner("r1", { capacity: { cpu: 4000 } }),
      runner("r2", { capacity: { cpu: 4000 } }, { free: { cpu: 0 } }),
    ]);
    const w = waiting(asQueued(t), s);
    expect(w?.reason).toBe("insufficient_capacity");
    expect(w?.details).toMatchObject({ runner: "r2", scope: "free" });
    // Alone, the runner it failed on takes it.
    expect(waiting(asQueued(t), snapshot([runner("r1", { capacity: { cpu: 4000 } })]))).toBeNull();
  });

  it("no_runner_polling: the runner that would take it is not asking for work (its slots are full)", () => {
    const t = asQueued(queuedTask());
    const busy = runner("r1", {}, { name: "box-1" });
    busy.activeLeases = 8;
    const w = waiting(t, snapshot([busy], { polling: new Set() }));
    expect(w).toEqual({
      reason: "no_runner_polling",
      message:
        "runner box-1 (8 running) would take it but is not asking for work now; a runner asks only while it has a free slot (its max_concurrent), and its next lease request takes this task",
      details: { runner: "r1", runners: ["r1"] },
      since: new Date(QUEUED_AT).toISOString(),
    });
    expect(waiting(t, snapshot([busy], { polling: new Set(["r1"]) }))).toBeNull();
  });

  it("budget_spent: the agent's, then the tenant's, with the reset time", () => {
    const until = NOW + 3_600_000;
    const t = asQueued(queuedTask());
    const agent = waiting(
      t,
      snapshot([runner("r1")], { limits: noLimits({ budgetSpent: new Map([["triage", until]]) }) }),
    );
    expect(agent).toMatchObject({
      reason: "budget_spent",
      message: `agent triage's daily CPU budget is spent; it resets at ${new Date(until).toISOString()}`,
      details: { scope: "agent", until: new Date(until).toISOString() },
    });
    const tenant = waiting(t, snapshot([runner("r1")], { limits: noLimits({ budgetSpent: new Map([["", until]]) }) }));
    expect(tenant?.message).toBe(
      `the tenant's daily CPU budget is spent; it resets at ${new Date(until).toISOString()}`,
    );
  });

  it("agent_at_concurrency_cap: the agent's quota, and the tenant's", () => {
    const t = asQueued(queuedTask());
    const agentCap = noLimits({ caps: new Map([["triage", 2]]), runningOf: (a) => (a === "triage" ? 2 : 0) });
    expect(waiting(t, snapshot([runner("r1")], { limits: agentCap }))).toMatchObject({
      reason: "agent_at_concurrency_cap",
      message: "agent triage runs 2 tasks, its concurrent_runs quota is 2; this one starts when one ends",
      details: { scope: "agent", cap: 2, running: 2 },
    });
    const tenantCap = noLimits({ tenantCap: 1, activeTotal: 1 });
    expect(waiting(t, snapshot([runner("r1")], { limits: tenantCap }))?.message).toBe(
      "the tenant runs 1 task, its concurrent_runs quota is 1; this one starts when one ends",
    );
  });

  it("instance_busy", () => {
    const t = asQueued(queuedTask({ instance: "ticket-123" }));
    const w = waiting(t, snapshot([runner("r1")], { busyInstances: new Set(["ticket-123"]) }));
    expect(w).toMatchObject({
      reason: "instance_busy",
      message: "instance ticket-123 is running another task; an instance runs one task at a time",
    });
  });

  it("held_for_starving_task: the only runner is claimed by an older starving task", () => {
    const old = task("t0", 0, { agent: "other", queuedAtMs: NOW - 120_000, req: req({ resources: { cpu: 4000 } }) });
    const t = queuedTask({ req: req({ resources: { cpu: 100 } }) });
    const s = snapshot([runner("r1", { capacity: { cpu: 4000 } }, { free: { cpu: 1000 } })], {}, [old, t]);
    const w = waiting(asQueued(t), s);
    expect(w?.reason).toBe("held_for_starving_task");
    expect(w?.message).toBe(
      "every ready runner that fits is held for a task queued longer than 60 s, which goes first: r1 for task t0",
    );
    expect(w?.details).toEqual({ runner: "r1", task: "t0", holds: [{ runner: "r1", task: "t0" }] });
  });

  it("held_for_preempting_task: the runner is held for a higher-priority task preemption makes room for", () => {
    const high = task("t9", 9, { agent: "other", priority: 10, queuedAtMs: NOW - 1000 });
    const t = queuedTask();
    const s = snapshot([runner("r1", {}, { heldFor: "t9" })], {}, [high, t]);
    const w = waiting(asQueued(t), s);
    expect(w?.reason).toBe("held_for_preempting_task");
    expect(w?.message).toBe(
      "every ready runner that fits is held for a higher-priority task, for which lower-priority work is being preempted: r1 for task t9",
    );
  });

  it("what the fleet lacks comes before limits that clear by themselves", () => {
    const t = asQueued(queuedTask({ req: req({ capabilities: ["crm-api"] }) }));
    const s = snapshot([runner("r1")], { limits: noLimits({ tenantCap: 0 }), busyInstances: new Set(["t1"]) });
    expect(waiting(t, s)?.reason).toBe("missing_capability");
  });
});

describe("waiting(): a parked task", () => {
  const s = snapshot([runner("r1")]);
  const since = NOW - 1000;

  it("backoff: when the next attempt queues", () => {
    const w = waiting(
      asQueued(queuedTask(), { state: "retry_wait", attempts: 1, wakeAtMs: NOW + 30_000, sinceMs: since }),
      s,
    );
    expect(w).toEqual({
      reason: "backoff",
      message: `attempt 1 of 3 failed; the next one queues at ${new Date(NOW + 30_000).toISOString()}`,
      details: { not_before: new Date(NOW + 30_000).toISOString(), attempts: 1, max_attempts: 3 },
      since: new Date(since).toISOString(),
    });
  });

  it("awaiting_approval: names the gate, its message and deadline", () => {
    const gate = { gate: "send-email", message: "send 40 emails?", deadline_at: "2026-12-03T13:00:00.000Z" };
    const w = waiting(asQueued(queuedTask(), { state: "awaiting_approval", gate, sinceMs: since }), s);
    expect(w?.reason).toBe("awaiting_approval");
    expect(w?.message).toBe(
      "waiting for a person to approve or reject gate send-email (send 40 emails?); undecided at 2026-12-03T13:00:00.000Z, its on_timeout applies",
    );
  });

  it("escalated: why, and who acts", () => {
    const escalation = { reason: { code: "agent_exited", message: "agent exited with code 1" } };
    const w = waiting(asQueued(queuedTask(), { state: "escalated", escalation }), s);
    expect(w?.message).toBe(
      "escalated after agent_exited: agent exited with code 1; waiting for a person to retry, resolve or cancel it",
    );
  });

  it("is null while leased, running or finished", () => {
    for (const state of ["leased", "running", "succeeded", "failed", "cancelled"] as const)
      expect(waiting(asQueued(queuedTask(), { state }), s), state).toBeNull();
  });
});

describe("WAITING_REASONS", () => {
  it("lists each reason once", () => {
    expect(new Set(WAITING_REASONS).size).toBe(WAITING_REASONS.length);
  });
});
