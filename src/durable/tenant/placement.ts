// Placement glue between the TenantDO's storage and the pure scheduler:
// serves a runner's lease request with pick(), holds runners, and turns a
// preemption plan into flags the runners hear of in their heartbeats.
import { pick, type PickContext, type RunnerView } from "../../drf/pick.js";
import { planPreemption, type ActiveLease } from "../../drf/preempt.js";
import { dominantShare, rankAgents } from "../../drf/share.js";
import { fitsStatically, freeResources } from "../../scheduler/fit.js";
import type { LeaseGrant } from "./leasing.js";
import type { RunnerRow, TaskRow } from "./rows.js";
import type { SchedulerState } from "./scheduler-state.js";
import { HOLDS_RUNNER_STATES, sqlList } from "../../task/states.js";

/** How many waiting tasks one preemption pass considers. */
const PREEMPT_SCAN = 16;

export class Placement {
  constructor(
    private readonly sql: SqlStorage,
    private readonly st: SchedulerState,
    private readonly starvationMs: number,
    private readonly grant: (row: TaskRow, runner: RunnerRow, now: number) => LeaseGrant,
    /** Sets or withdraws a lease's preemption request (the machine's preempt_request / preempt_withdraw). */
    private readonly flag: (row: TaskRow, on: boolean) => void,
  ) {}

  private taskRow(id: string): TaskRow | undefined {
    return this.sql.exec<TaskRow>("SELECT * FROM tasks WHERE id = ?", id).toArray()[0];
  }

  lease(runner: RunnerRow, maxTasks: number, now: number): LeaseGrant[] {
    const st = this.st;
    const shape = st.runners.get(runner.id)?.shape;
    if (!shape) return [];
    const view: RunnerView = {
      id: runner.id,
      shape,
      free: freeResources(shape.capacity, st.allocatedOn(runner.id)),
      heldFor: runner.held_for,
    };
    if (view.heldFor !== null && !st.index.has(view.heldFor)) this.holdRunner(runner.id, (view.heldFor = null));
    const ready = st.readyRunners(now);
    const ctx: PickContext = {
      accounts: st.accounts,
      capacity: st.capacity(now),
      busyInstances: st.busy,
      otherRunnerFits: (t, except) =>
        ready.some(
          (r) => r.row.id !== except && !t.avoid.includes(r.row.id) && fitsStatically(t.agent, t.req, r.shape),
        ),
      nowMs: now,
      starvationMs: this.starvationMs,
      atCap: (agent) => st.atCap(agent),
    };
    const grants: LeaseGrant[] = [];
    while (grants.length < maxTasks) {
      const p = pick(st.index, view, ctx);
      if (p.kind !== "task") break;
      if (view.heldFor === p.task.id) this.holdRunner(runner.id, (view.heldFor = null));
      else this.releaseHoldsFor(p.task.id);
      grants.push(this.grant(this.taskRow(p.task.id) as TaskRow, runner, now));
      view.free = freeResources(shape.capacity, st.allocatedOn(runner.id));
    }
    return grants;
  }

  /**
   * The task found room elsewhere: a runner held for it is free again, and
   * leases there still waiting to be preempted for it are left alone.
   */
  private releaseHoldsFor(taskId: string): void {
    const runnerId = this.st.holds.get(taskId);
    if (runnerId === undefined) return;
    this.holdRunner(runnerId, null);
    const flagged = this.sql
      .exec<TaskRow>(
        `SELECT * FROM tasks WHERE runner_id = ? AND preempt_requested = 1 AND state IN ${sqlList(HOLDS_RUNNER_STATES)}`,
        runnerId,
      )
      .toArray();
    for (const row of flagged) this.flag(row, false);
  }

  holdRunner(runnerId: string, taskId: string | null): void {
    this.sql.exec("UPDATE runners SET held_for = ? WHERE id = ?", taskId, runnerId);
    this.st.setHold(runnerId, taskId);
  }

  /**
   * When a waiting task fits no runner now but would fit one if lower-priority
   * leases there were evicted: ask those runners (in their next heartbeat) to
   * checkpoint and release the victims, and hold the runner for the task.
   */
  preempt(now: number): void {
    const st = this.st;
    if (st.index.size === 0 || st.active.size === 0) return;
    let minActive = Infinity;
    for (const a of st.active.values()) if (a.preemptible && a.priority < minActive) minActive = a.priority;
    if (minActive === Infinity) return;
    const ready = st.readyRunners(now).filter((r) => !r.row.draining);
    const capacity = st.capacity(now);
    const runners: RunnerView[] = ready.map((r) => ({
      id: r.row.id,
      shape: r.shape,
      free: freeResources(r.shape.capacity, st.allocatedOn(r.row.id)),
      heldFor: r.row.held_for,
    }));
    let leases: ActiveLease[] | null = null;
    let looked = 0;
    for (const cls of st.index.classesDesc()) {
      if (cls.priority <= minActive || looked >= PREEMPT_SCAN) return;
      for (const { agent } of rankAgents(cls.agents.keys(), st.accounts, capacity)) {
        if (st.atCap(agent)) continue;
        for (const group of cls.agents.get(agent)?.values() ?? []) {
          for (const t of group.tasks.oldest(1)) {
            if (++looked > PREEMPT_SCAN) return;
            if (st.holds.has(t.id) || st.busy.has(t.instance)) continue;
            leases ??= [...st.active.values()]
              .filter((a) => !this.preemptRequested(a.taskId))
              .map((a) => {
                const acc = st.account(a.agent);
                return {
                  taskId: a.taskId,
                  agent: a.agent,
                  priority: a.priority,
                  runnerId: a.runnerId,
                  resources: a.resources,
                  preemptible: a.preemptible,
                  agentShare: dominantShare(acc.allocated, capacity, acc.weight).share,
                  unsavedMs: now - (a.checkpointAtMs ?? a.startedAtMs),
                };
              });
            const plan = planPreemption(t, runners, leases);
            if (!plan) continue;
            for (const v of plan.victims) {
              const row = this.taskRow(v);
              if (row) this.flag(row, true);
            }
            this.holdRunner(plan.runnerId, t.id);
            return;
          }
        }
      }
    }
  }

  private preemptRequested(taskId: string): boolean {
    return (
      (this.sql.exec<{ p: number }>("SELECT preempt_requested AS p FROM tasks WHERE id = ?", taskId).toArray()[0]?.p ??
        0) === 1
    );
  }
}
