// The tenant's metrics in Prometheus text format: gauges read from the rows
// (tasks by state, queue depth, runners, people waiting) and the persisted
// counters and histograms (counters.ts). Issue #22's per-operation request
// counter is counted at the one dispatch point (operations.ts).
import { render, type Family } from "../../metrics/prometheus.js";
import type { Tenant } from "./context.js";
import { BYTES_BUCKETS, LATENCY_BUCKETS } from "./counters.js";
import { runnerState, type RunnerRow } from "./rows.js";

export function tenantMetrics(t: Tenant): string {
  const now = t.now();
  t.deadlines.tick(now);
  const c = t.counters;
  const tasks = t.sql
    .exec<{ agent: string; state: string; n: number }>(
      "SELECT agent, state, COUNT(*) AS n FROM tasks GROUP BY agent, state ORDER BY agent, state",
    )
    .toArray();
  const depth = t.sql
    .exec<{ agent: string; priority: number; n: number }>(
      "SELECT agent, priority, COUNT(*) AS n FROM tasks WHERE state = 'queued' GROUP BY agent, priority ORDER BY agent, priority",
    )
    .toArray();
  const runners = new Map<string, number>([
    ["ready", 0],
    ["not_ready", 0],
    ["draining", 0],
    ["stopped", 0],
    ["dead", 0],
  ]);
  for (const r of t.sql.exec<RunnerRow>("SELECT * FROM runners").toArray()) {
    const st = runnerState(r, now);
    runners.set(st, (runners.get(st) ?? 0) + 1);
  }
  const waiting = (state: string): number => tasks.filter((t) => t.state === state).reduce((a, t) => a + t.n, 0);
  const families: Family[] = [
    {
      name: "officeos_tasks",
      help: "Tasks by agent and state.",
      type: "gauge",
      samples: tasks.map((t) => ({ labels: { agent: t.agent, state: t.state }, value: t.n })),
    },
    {
      name: "officeos_queue_depth",
      help: "Queued tasks by agent and priority: the backlog to scale runners on.",
      type: "gauge",
      samples: depth.map((d) => ({ labels: { agent: d.agent, priority: String(d.priority) }, value: d.n })),
    },
    {
      name: "officeos_runners",
      help: "Runners by state.",
      type: "gauge",
      samples: [...runners].map(([state, n]) => ({ labels: { state }, value: n })),
    },
    {
      name: "officeos_approvals_waiting",
      help: "Tasks waiting at an approval gate.",
      type: "gauge",
      samples: [{ value: waiting("awaiting_approval") }],
    },
    {
      name: "officeos_escalations_open",
      help: "Escalated tasks waiting for a person.",
      type: "gauge",
      samples: [{ value: waiting("escalated") }],
    },
    {
      name: "officeos_tasks_submitted_total",
      help: "Tasks submitted.",
      type: "counter",
      samples: c.samples("officeos_tasks_submitted_total"),
    },
    {
      name: "officeos_tasks_finished_total",
      help: "Tasks that ended, by final state.",
      type: "counter",
      samples: c.samples("officeos_tasks_finished_total"),
    },
    {
      name: "officeos_attempts_failed_total",
      help: "Failed attempts by error code (lease expiry included).",
      type: "counter",
      samples: c.samples("officeos_attempts_failed_total"),
    },
    {
      name: "officeos_retries_total",
      help: "Attempts retried by the retry policy.",
      type: "counter",
      samples: c.samples("officeos_retries_total"),
    },
    {
      name: "officeos_lease_expiries_total",
      help: "Leases that expired without a heartbeat.",
      type: "counter",
      samples: c.samples("officeos_lease_expiries_total"),
    },
    {
      name: "officeos_escalations_total",
      help: "Tasks escalated to a person.",
      type: "counter",
      samples: c.samples("officeos_escalations_total"),
    },
    {
      name: "officeos_approvals_requested_total",
      help: "Approval gates reached.",
      type: "counter",
      samples: c.samples("officeos_approvals_requested_total"),
    },
    {
      name: "officeos_checkpoints_total",
      help: "Checkpoints stored, by kind.",
      type: "counter",
      samples: c.samples("officeos_checkpoints_total"),
    },
    {
      name: "officeos_checkpoint_bytes_total",
      help: "Encoded checkpoint bytes stored.",
      type: "counter",
      samples: c.samples("officeos_checkpoint_bytes_total"),
    },
    {
      name: "officeos_quota_throttled_total",
      help: "LLM reservations refused (429) by a quota bucket.",
      type: "counter",
      samples: t.sql
        .exec<{ scope: string; key: string; kind: string; throttled: number }>(
          "SELECT scope, key, kind, throttled FROM quota_buckets ORDER BY scope, key, kind",
        )
        .toArray()
        .map((b) => ({ labels: { scope: b.scope, key: b.key, kind: b.kind }, value: b.throttled })),
    },
    {
      name: "officeos_schedule_to_start_seconds",
      help: "From queued to leased, per lease.",
      type: "histogram",
      samples: c.histogram("officeos_schedule_to_start_seconds", LATENCY_BUCKETS),
    },
    {
      name: "officeos_checkpoint_size_bytes",
      help: "Encoded size of each stored checkpoint.",
      type: "histogram",
      samples: c.histogram("officeos_checkpoint_size_bytes", BYTES_BUCKETS),
    },
    {
      name: "officeos_checkpoint_write_seconds",
      help: "Checkpoint write time in the agent's Durable Object.",
      type: "histogram",
      samples: c.histogram("officeos_checkpoint_write_seconds", LATENCY_BUCKETS),
    },
  ];
  return render(families);
}
