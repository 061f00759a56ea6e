// A runner's side of an attempt: heartbeats, the checkpoint fence, usage, and
// the ends of an attempt (complete, fail, release), one at a time or as a batch
// report. Each is a fenced transition of the task machine.
import { fail, ok, type Result } from "../../api/errors.js";
import type { HeartbeatAnswer, ReportItem, Runner, Task, TaskError, TaskUsage } from "../../api/schemas.js";
import type { LifecycleEvent } from "../../task/events.js";
import { transition } from "../../task/machine.js";
import type { Tenant } from "./context.js";
import { BYTES_BUCKETS, LATENCY_BUCKETS } from "./counters.js";
import { iso, taskView, type RunnerRow, type TaskRow } from "./rows.js";
import { itemAnswer } from "./tasks.js";
import type { BatchItemAnswer } from "../../api/schemas.js";

export type Outcome =
  | { kind: "succeeded"; result: unknown }
  | { kind: "failed"; error: TaskError; retryable: boolean }
  | { kind: "released" };

export class Attempts {
  constructor(private readonly t: Tenant) {}

  heartbeat(
    runnerId: string,
    leases: { task_id: string; epoch: number }[],
    health?: Runner["health"],
  ): Result<HeartbeatAnswer> {
    const t = this.t;
    return t.fx.call((now) => {
      t.deadlines.tick(now);
      const runner = t.runnerRow(runnerId);
      if (!runner) return fail("not_found", `runner "${runnerId}" not found`);
      t.touchRunner(runnerId, now);
      if (health !== undefined) {
        const text = JSON.stringify(health);
        if (text !== runner.health) {
          t.sql.exec("UPDATE runners SET health = ? WHERE id = ?", text, runnerId);
          t.sched().upsertRunner(t.runnerRow(runnerId) as RunnerRow);
          if (health.ready && runner.health !== null) t.fx.wakePolls();
        }
      }
      const cancel: string[] = [];
      const preempt: string[] = [];
      t.ctx.storage.transactionSync(() => {
        for (const l of leases) {
          const row = t.store.load(l.task_id);
          const ev = { kind: "heartbeat", runnerId, epoch: l.epoch, leaseTtlMs: runner.lease_ttl_ms } as const;
          const tr = row && transition(row, ev, now);
          const after = tr?.kind === "ok" ? t.store.commit(l.task_id, tr, now) : null;
          if (!after || tr?.kind !== "ok") {
            cancel.push(l.task_id);
            continue;
          }
          t.fx.add(l.task_id, tr.effects);
          if (after.preempt_requested) preempt.push(l.task_id);
        }
      });
      t.fx.considerPreemption();
      return ok({ expires_at: iso(now + runner.lease_ttl_ms), cancel, preempt });
    });
  }

  /** Fencing for a checkpoint write: the lease must be current. Marks the task running. */
  checkLease(taskId: string, epoch: number): Result<{ instance: string }> {
    const t = this.t;
    return t.fx.call((now) => {
      const r = t.activeLease(taskId, epoch, now);
      if (r.kind === "error") return r;
      if (r.value.state === "leased") t.settle(r.value, { kind: "checkpoint", epoch }, now);
      return ok({ instance: r.value.instance });
    });
  }

  /** A checkpoint landed: the task's latest seq, and its size and write time for the metrics. */
  recordCheckpoint(
    taskId: string,
    epoch: number,
    seq: number,
    stats?: { bytes: number; ms: number; kind: "full" | "delta" },
  ): void {
    const t = this.t;
    const now = t.now();
    const row = t.sql
      .exec<{ agent: string }>(
        "UPDATE tasks SET checkpoint_seq = ?, checkpoint_at = ? WHERE id = ? AND epoch = ? AND COALESCE(checkpoint_seq, 0) < ? RETURNING agent",
        seq,
        now,
        taskId,
        epoch,
        seq,
      )
      .toArray()[0];
    const info = t.sched().active.get(taskId);
    if (info) info.checkpointAtMs = now;
    if (row && stats) {
      t.counters.inc("officeos_checkpoints_total", { agent: row.agent, kind: stats.kind });
      t.counters.inc("officeos_checkpoint_bytes_total", { agent: row.agent }, stats.bytes);
      t.counters.observe("officeos_checkpoint_size_bytes", BYTES_BUCKETS, stats.bytes);
      t.counters.observe("officeos_checkpoint_write_seconds", LATENCY_BUCKETS, stats.ms / 1000);
    }
  }

  /** Compute an attempt used (runner's cgroup figures), sent just before its complete or fail. */
  recordUsage(taskId: string, epoch: number, usage: TaskUsage): Result<null> {
    const t = this.t;
    const r = t.activeLease(taskId, epoch, t.now());
    if (r.kind === "error") return r;
    t.sql.exec("UPDATE tasks SET usage = ? WHERE id = ?", JSON.stringify(usage), taskId);
    t.quotas().recordUsage(r.value.agent, usage, t.now());
    // Only when a CPU budget applies to this agent or the tenant: the refresh reads every agent.
    if (
      usage.cpu_seconds &&
      (t.agents.get(r.value.agent)?.stored.quota.daily?.cpu_seconds !== undefined ||
        t.quotas().tenantQuota().daily?.cpu_seconds !== undefined)
    )
      t.refreshBudgets(t.now());
    return ok(null);
  }

  /** Ends an attempt; the answer is the row after the call's effects (a parked poll may have taken it again). */
  finish(taskId: string, epoch: number, outcome: Outcome): Result<Task> {
    const r = this.t.fx.call((now) => this.settleOutcome(taskId, epoch, outcome, now));
    return r.kind === "error" ? r : ok(taskView(this.t.taskRow(taskId) as TaskRow));
  }

  /**
   * A runner's outcomes in one call: complete, fail or release, each fenced by
   * its epoch exactly as the single calls (usage recorded first, as they do),
   * and refused on its own when stale. A task leased to another runner is refused too.
   * Each item is answered with the row as it settled; parked polls are served once, after the last.
   */
  report(runnerId: string, items: ReportItem[]): Result<{ items: (BatchItemAnswer & { task_id: string })[] }> {
    const t = this.t;
    return t.counters.batch(() =>
      t.fx.call((now) => {
        t.deadlines.tick(now);
        if (!t.runnerRow(runnerId)) return fail("not_found", `runner "${runnerId}" not found`);
        t.touchRunner(runnerId, now);
        const out = items.map((it) => {
          const held = t.sql
            .exec<{ runner_id: string | null; epoch: number | null }>(
              "SELECT runner_id, epoch FROM tasks WHERE id = ?",
              it.task_id,
            )
            .toArray()[0];
          let r: Result<Task>;
          if (held && held.epoch === it.epoch && held.runner_id !== runnerId)
            r = fail("conflict", `task "${it.task_id}" is leased to another runner`);
          else {
            const usage = it.outcome !== "release" ? it.usage : undefined;
            const u = usage ? this.recordUsage(it.task_id, it.epoch, usage) : ok(null);
            const outcome: Outcome =
              it.outcome === "complete"
                ? { kind: "succeeded", result: it.result ?? null }
                : it.outcome === "fail"
                  ? { kind: "failed", error: it.error, retryable: it.retryable ?? true }
                  : { kind: "released" };
            r = u.kind === "error" ? u : this.settleOutcome(it.task_id, it.epoch, outcome, now);
          }
          return { task_id: it.task_id, ...itemAnswer(r, (task) => ({ status: 200, task })) };
        });
        return ok({ items: out });
      }),
    );
  }

  private settleOutcome(taskId: string, epoch: number, outcome: Outcome, now: number): Result<Task> {
    const t = this.t;
    const r = t.activeLease(taskId, epoch, now);
    if (r.kind === "error") return r;
    const ev: LifecycleEvent =
      outcome.kind === "succeeded"
        ? {
            kind: "complete",
            epoch,
            result: JSON.stringify(outcome.result),
            outputProblem: t.agents.outputProblem(r.value.agent, outcome.result),
            rand: Math.random(),
          }
        : outcome.kind === "failed"
          ? { kind: "fail", epoch, error: outcome.error, retryable: outcome.retryable, rand: Math.random() }
          : { kind: "release", epoch };
    const settled = t.settle(r.value, ev, now);
    if (!settled) return fail("conflict", `task is already ${r.value.state}`, { state: r.value.state });
    return ok(taskView(settled));
  }
}
