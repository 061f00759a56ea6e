// Leasing and long-polls: a runner's poll is answered at once with what fits
// (Placement asks the pure scheduler), or parked until a fitting task arrives;
// parked polls are served, oldest first, once at the end of a call that queued
// work or freed room (effects-runner.ts). A lease is the `lease` transition of
// the task machine, committed by the task store like every other.
import { ok, type Result } from "../../api/errors.js";
import type { Resources, Task } from "../../api/schemas.js";
import { randomHex } from "../../auth/keys.js";
import { transition } from "../../task/machine.js";
import type { Tenant } from "./context.js";
import { Placement } from "./placement.js";
import { iso, requirementsOf, runnerState, taskView, type RunnerRow, type TaskRow } from "./rows.js";
import { ISOLATION_LABEL } from "../../scheduler/fit.js";

export interface LeaseGrant {
  lease_id: string;
  epoch: number;
  expires_at: string;
  task: Task;
  /** True when an earlier attempt or task of the instance may have left a checkpoint. */
  load_checkpoint: boolean;
  /** What one run of the agent asked for: the runner sets its cgroup limits and GPUs from it. */
  resources: Resources;
}

interface Waiter {
  runnerId: string;
  maxTasks: number;
  resolve: (r: Result<LeaseGrant[]>) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Leasing {
  /** Parked long-polls, oldest first: the first to wait is the first served (in memory; lost on eviction). */
  waiters: Waiter[] = [];

  constructor(private readonly t: Tenant) {}

  /** What fits `runner` now, up to `maxTasks`, each leased. */
  tryLease(runner: RunnerRow, maxTasks: number, now: number): LeaseGrant[] {
    return this.placement().lease(runner, maxTasks, now);
  }

  /** Parks a poll until pump() serves it or `waitMs` passes (then it answers with no work). */
  park(runnerId: string, maxTasks: number, waitMs: number): Promise<Result<LeaseGrant[]>> {
    this.drop(runnerId);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        runnerId,
        maxTasks,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(ok([]));
        }, waitMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Serves parked long-polls, oldest first, with whatever now fits them. */
  pump(now: number): void {
    if (this.waiters.length === 0) return;
    const remaining: Waiter[] = [];
    for (const w of this.waiters) {
      const runner = this.t.sched().runners.get(w.runnerId)?.row;
      // A runner killed while parked leaves its poll here with nobody reading it;
      // once its heartbeats have lapsed, stop handing it work.
      if (!runner || runnerState(runner, now) !== "ready") {
        clearTimeout(w.timer);
        w.resolve(ok([]));
        continue;
      }
      const grants = this.tryLease(runner, w.maxTasks, now);
      if (grants.length > 0) {
        clearTimeout(w.timer);
        w.resolve(ok(grants));
      } else remaining.push(w);
    }
    this.waiters = remaining;
  }

  /** Answers the runner's parked poll with no work (it drains, or is gone). */
  drop(runnerId: string): void {
    for (const w of this.waiters.filter((x) => x.runnerId === runnerId)) {
      clearTimeout(w.timer);
      w.resolve(ok([]));
    }
    this.waiters = this.waiters.filter((x) => x.runnerId !== runnerId);
  }

  preempt(now: number): void {
    this.placement().preempt(now);
  }

  private placement(): Placement {
    return new Placement(
      this.t.sql,
      this.t.sched(),
      this.t.starvationMs,
      (row, runner, now) => this.grant(row, runner, now),
      (row, on) => this.t.settle(row, { kind: on ? "preempt_request" : "preempt_withdraw" }, this.t.now()),
    );
  }

  /** The lease transition: a fresh epoch from the tenant's counter, committed with the task store's guard. */
  private grant(row: TaskRow, runner: RunnerRow, now: number): LeaseGrant {
    const epoch = this.t.bump("epoch");
    const leaseId = `lease_${randomHex(8)}`;
    const isolation = this.t.sched().runners.get(runner.id)?.shape.labels[ISOLATION_LABEL];
    const ev = {
      kind: "lease",
      runnerId: runner.id,
      leaseId,
      epoch,
      leaseTtlMs: runner.lease_ttl_ms,
      isolation,
    } as const;
    const tr = transition(row, ev, now);
    const leased = tr.kind === "ok" ? this.t.store.commit(row.id, tr, now) : null;
    // Placement picks from the queue index, which mirrors storage: anything else is a bug, not an outcome.
    if (tr.kind !== "ok" || !leased) throw new Error(`lease of task ${row.id} in state ${row.state} was refused`);
    this.t.fx.add(row.id, tr.effects);
    return {
      lease_id: leaseId,
      epoch,
      expires_at: iso(now + runner.lease_ttl_ms),
      task: taskView(leased),
      load_checkpoint: row.epoch !== null || row.instance !== row.id,
      resources: requirementsOf(leased).resources,
    };
  }
}
