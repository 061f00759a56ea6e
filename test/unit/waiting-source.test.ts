// The wiring the TenantDO uses for task.waiting, against the real
// SchedulerState (over a stand-in for SQLite) and real task and runner rows:
// SchedulerState and TaskRow must keep fitting waitingOf()'s shapes.
import { describe, expect, it } from "vitest";
import { SchedulerState } from "../../src/durable/tenant/scheduler-state.js";
import { runnerState, type RunnerRow, type TaskRow } from "../../src/durable/tenant/rows.js";
import type { Task } from "../../src/api/schemas.js";
import { TaskWaiting } from "../../src/api/waiting-schema.js";
import type { Waiting } from "../../src/scheduler/waiting.js";
import { waitingOf, type SchedulerSource, type TaskRowLike } from "../../src/scheduler/waiting-source.js";

// Compile-time: the TenantDO passes these as they are.
const _st: (s: SchedulerState) => SchedulerSource<RunnerRow> = (s) => s;
const _row: (r: TaskRow) => TaskRowLike = (r) => r;
// …and puts the answer in the task view as it is.
const _view: (w: Waiting) => Task["waiting"] = (w) => w;
void _st;
void _row;
void _view;

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const STARVATION_MS = 10 * 60_000;

/** SchedulerState.load reads tables; an empty tenant answers no rows, and writes are dropped. */
const emptySql = { exec: () => ({ toArray: () => [] }) };

function runnerRow(id: string, over: Partial<RunnerRow> = {}): RunnerRow {
  return {
    id,
    name: `box-${id}`,
    capacity: JSON.stringify({ cpu: 2000 }),
    labels: "{}",
    capabilities: "[]",
    agents: null,
    lease_ttl_ms: 30_000,
    draining: 0,
    registered_at: NOW - 60_000,
    last_seen_at: NOW - 1_000,
    taints: "[]",
    held_for: null,
    host: null,
    stopped_at: null,
    health: null,
    ...over,
  };
}

function taskRow(over: Partial<TaskRow> = {}): TaskRow {
  return {
    id: "task_1",
    seq: 1,
    agent: "triage",
    input: "null",
    priority: 0,
    instance: "task_1",
    state: "queued",
    attempts: 0,
    max_attempts: 3,
    requirements: JSON.stringify({ resources: { cpu: 500 }, capabilities: ["crm-api"], nodeSelector: {} }),
    idempotency_key: null,
    request: null,
    result: null,
    error: null,
    checkpoint_seq: null,
    avoid_runners: "[]",
    runner_id: null,
    lease_id: null,
    epoch: null,
    lease_expires_at: null,
    created_at: NOW - 30_000,
    updated_at: NOW - 30_000,
    queued_at: NOW - 30_000,
    preemptible: 1,
    preempt_requested: 0,
    checkpoint_at: null,
    policy: null,
    wake_at: null,
    deadline_at: null,
    attempt_deadline_at: null,
    gate: null,
    approvals: null,
    escalation: null,
    started_at: null,
    event_seq: 0,
    ...over,
  };
}

function explain(st: SchedulerState, row: TaskRow) {
  return waitingOf(row, st.queued(row), st, (r) => runnerState(r, NOW), NOW, STARVATION_MS);
}

describe("waitingOf() over SchedulerState", () => {
  it("the docs' triage task on a runner without crm-api, then with it", () => {
    const st = SchedulerState.load(emptySql);
    const row = taskRow();
    st.onQueued(row);
    expect(explain(st, row)).toMatchObject({ reason: "no_runner_registered" });

    st.upsertRunner(runnerRow("r1", { capabilities: '["sql"]' }));
    expect(explain(st, row)).toEqual({
      reason: "missing_capability",
      message: "no ready runner offers capability crm-api",
      details: { capabilities: ["crm-api"], runner: "r1" },
      since: new Date(NOW - 30_000).toISOString(),
    });

    // The API schema takes the answer as it is.
    expect(TaskWaiting.safeParse(explain(st, row)).success).toBe(true);

    st.upsertRunner(runnerRow("r2", { capabilities: '["crm-api"]', last_seen_at: NOW - 120_000 }));
    expect(explain(st, row)).toMatchObject({
      reason: "runners_not_ready",
      message: "no ready runner can run it; a runner that could is not ready: box-r2 (dead)",
    });

    st.upsertRunner(runnerRow("r2", { capabilities: '["crm-api"]' }));
    expect(explain(st, row)).toBeNull();
  });

  it("free room comes from the runner's active leases; the concurrency cap from the agent's running count", () => {
    const st = SchedulerState.load(emptySql);
    st.upsertRunner(runnerRow("r1", { capabilities: '["crm-api"]' }));
    const running = taskRow({
      id: "task_0",
      seq: 0,
      instance: "task_0",
      state: "running",
      runner_id: "r1",
      requirements: JSON.stringify({ resources: { cpu: 1800 }, capabilities: [], nodeSelector: {} }),
    });
    st.onLeased(running);
    const row = taskRow();
    st.onQueued(row);
    expect(explain(st, row)).toMatchObject({
      reason: "insufficient_capacity",
      message: "needs cpu 500 free; the most free on a ready runner that fits is 200 (box-r1)",
      details: { resource: "cpu", requested: 500, largest: 200, runner: "r1", scope: "free" },
    });
    st.setCap("triage", 1);
    expect(explain(st, row)?.reason).toBe("agent_at_concurrency_cap");
    st.setCap("triage", undefined);
    st.onEnded("task_0");
    expect(explain(st, row)).toBeNull();
    // With the parked long-polls given: r1 has room, but has not asked.
    const idle = waitingOf(row, st.queued(row), st, (r) => runnerState(r, NOW), NOW, STARVATION_MS, new Set());
    expect(idle?.reason).toBe("no_runner_polling");
    expect(idle?.message).toMatch(/^runner box-r1 \(0 running\) would take it but is not asking for work now/);
    expect(
      waitingOf(row, st.queued(row), st, (r) => runnerState(r, NOW), NOW, STARVATION_MS, new Set(["r1"])),
    ).toBeNull();
  });

  it("parked rows: since is when the gate was requested; a running task is not waiting", () => {
    const st = SchedulerState.load(emptySql);
    const gate = JSON.stringify({ gate: "send", requested_at: new Date(NOW - 5_000).toISOString() });
    const parked = taskRow({ state: "awaiting_approval", gate, updated_at: NOW - 1_000 });
    expect(explain(st, parked)).toMatchObject({
      reason: "awaiting_approval",
      since: new Date(NOW - 5_000).toISOString(),
    });
    expect(explain(st, taskRow({ state: "running", runner_id: "r1" }))).toBeNull();
  });
});
