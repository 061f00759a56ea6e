// Runners: registration (capped, with the unseen ones pruned), their views,
// draining, and the long-poll for work (leasing.ts parks and serves it).
import { fail, ok, type Result } from "../../api/errors.js";
import type { RegisterRunner, Runner } from "../../api/schemas.js";
import { randomHex } from "../../auth/keys.js";
import { SYSTEM, type Tenant } from "./context.js";
import type { LeaseGrant } from "./leasing.js";
import { runnerState, runnerView, type RunnerRow } from "./rows.js";
import { HOLDS_RUNNER_STATES, sqlList } from "../../task/states.js";

const DEFAULT_LEASE_TTL_MS = 30_000;
/** A runner unseen this long is deleted when another registers, and its credentials revoked (prune). */
export const RUNNER_RETENTION_MS = 24 * 3600_000;

export class Runners {
  constructor(private readonly t: Tenant) {}

  register(body: RegisterRunner): Result<Runner> {
    const t = this.t;
    const now = t.now();
    this.prune(now);
    const takenOver = this.takeOver(body, now);
    if (takenOver !== null) return takenOver;
    const count = t.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM runners").one().n;
    if (count >= t.caps.runners)
      return fail(
        "conflict",
        `the tenant has ${count} runners, its cap (OFFICEOS_MAX_RUNNERS = ${t.caps.runners}): drain and remove one first`,
        { cap: "OFFICEOS_MAX_RUNNERS", limit: t.caps.runners },
      );
    const id = `run_${randomHex(8)}`;
    const agents = body.agents ? JSON.stringify([...new Set(body.agents)].sort()) : null;
    t.sql.exec(
      "INSERT INTO runners (id, name, capacity, labels, capabilities, agents, taints, lease_ttl_ms, registered_at, last_seen_at, health, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      id,
      body.name,
      JSON.stringify(body.capacity),
      JSON.stringify(body.labels ?? {}),
      JSON.stringify([...new Set(body.capabilities ?? [])].sort()),
      agents,
      JSON.stringify(body.taints ?? []),
      body.lease_ttl_ms ?? DEFAULT_LEASE_TTL_MS,
      now,
      now,
      body.health !== undefined ? JSON.stringify(body.health) : null,
      body.host ?? null,
    );
    t.sched().upsertRunner(t.runnerRow(id) as RunnerRow);
    return this.view(id);
  }

  /**
   * A runner restarted with the same name on the same host takes its row over: same id, the new shape,
   * ready again (not draining, not stopped). The old process is gone, so the credentials bound to the row
   * are revoked (the route issues the new process its own) and its parked polls dropped; leases the old
   * process still held end as their heartbeats lapse (lease_expired), as they would have anyway.
   */
  private takeOver(body: RegisterRunner, now: number): Result<Runner> | null {
    const t = this.t;
    if (body.host === undefined) return null;
    const old = t.sql
      .exec<{ id: string }>(
        "SELECT id FROM runners WHERE name = ? AND host = ? ORDER BY last_seen_at DESC LIMIT 1",
        body.name,
        body.host,
      )
      .toArray()[0];
    if (!old) return null;
    t.sql.exec(
      "UPDATE runners SET capacity = ?, labels = ?, capabilities = ?, agents = ?, taints = ?, lease_ttl_ms = ?, registered_at = ?, last_seen_at = ?, health = ?, draining = 0, held_for = NULL, stopped_at = NULL WHERE id = ?",
      JSON.stringify(body.capacity),
      JSON.stringify(body.labels ?? {}),
      JSON.stringify([...new Set(body.capabilities ?? [])].sort()),
      body.agents ? JSON.stringify([...new Set(body.agents)].sort()) : null,
      JSON.stringify(body.taints ?? []),
      body.lease_ttl_ms ?? DEFAULT_LEASE_TTL_MS,
      now,
      now,
      body.health !== undefined ? JSON.stringify(body.health) : null,
      old.id,
    );
    t.leasing.drop(old.id);
    t.keyring.revokeBoundTo(old.id, now, SYSTEM);
    t.sched().upsertRunner(t.runnerRow(old.id) as RunnerRow);
    t.fx.wakePolls();
    return this.view(old.id);
  }

  /** The runner drained and its agents are gone: `stopped`, not `draining`, until it is pruned or taken over. */
  stopped(id: string): Result<Runner> {
    const t = this.t;
    if (!t.runnerRow(id)) return fail("not_found", `runner "${id}" not found`);
    t.sql.exec("UPDATE runners SET draining = 1, held_for = NULL, stopped_at = ? WHERE id = ?", t.now(), id);
    t.sched().upsertRunner(t.runnerRow(id) as RunnerRow);
    t.leasing.drop(id);
    return this.view(id);
  }

  /**
   * Deletes runners unseen for RUNNER_RETENTION_MS (dead, or drained and gone) that hold no lease,
   * and revokes the credentials bound to them. Runs when a runner registers, the only call that adds
   * rows, so a fleet whose runners restart under new ids keeps a bounded table (and scheduler index).
   */
  private prune(now: number): void {
    const t = this.t;
    t.deadlines.tick(now); // expired leases are requeued first, so a dead runner holds none
    const gone = t.sql
      .exec<{ id: string }>(
        `SELECT id FROM runners WHERE last_seen_at < ? AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.runner_id = runners.id AND tasks.state IN ${sqlList(HOLDS_RUNNER_STATES)})`,
        now - RUNNER_RETENTION_MS,
      )
      .toArray();
    for (const { id } of gone) {
      t.sql.exec("DELETE FROM runners WHERE id = ?", id);
      t.sched().removeRunner(id);
      t.leasing.drop(id);
      t.keyring.revokeBoundTo(id, now, SYSTEM);
    }
  }

  view(id: string): Result<Runner> {
    const row = this.t.runnerRow(id);
    if (!row) return fail("not_found", `runner "${id}" not found`);
    const { allocated, count } = this.t.allocation(id);
    return ok(runnerView(row, allocated, count, this.t.now()));
  }

  list(): Result<Runner[]> {
    const now = this.t.now();
    const rows = this.t.sql.exec<RunnerRow>("SELECT * FROM runners ORDER BY registered_at, id").toArray();
    return ok(
      rows.map((r) => {
        const { allocated, count } = this.t.allocation(r.id);
        return runnerView(r, allocated, count, now);
      }),
    );
  }

  drain(id: string): Result<Runner> {
    const t = this.t;
    if (!t.runnerRow(id)) return fail("not_found", `runner "${id}" not found`);
    t.sql.exec("UPDATE runners SET draining = 1, held_for = NULL WHERE id = ?", id);
    t.sched().upsertRunner(t.runnerRow(id) as RunnerRow);
    t.leasing.drop(id);
    return this.view(id);
  }

  /**
   * Removes a runner that holds no lease, for good: its row, its place in the scheduler, the credentials
   * bound to it (what prune does a day later). For a runner that is gone and will not come back, such as
   * the one `officeos dev` started and stopped: it no longer counts as "a runner that could run it".
   */
  forget(id: string): Result<{ runner: string; forgotten: boolean }> {
    const t = this.t;
    const now = t.now();
    t.deadlines.tick(now);
    if (!t.runnerRow(id)) return fail("not_found", `runner "${id}" not found`);
    const held = t.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM tasks WHERE runner_id = ? AND state IN ${sqlList(HOLDS_RUNNER_STATES)}`,
        id,
      )
      .one().n;
    if (held > 0)
      return fail(
        "conflict",
        `runner "${id}" holds ${held} lease${held === 1 ? "" : "s"}: drain it and let them end first`,
        {
          leases: held,
        },
      );
    t.sql.exec("DELETE FROM runners WHERE id = ?", id);
    t.sched().removeRunner(id);
    t.leasing.drop(id);
    t.keyring.revokeBoundTo(id, now, SYSTEM);
    return ok({ runner: id, forgotten: true });
  }

  /**
   * Long-poll for work. Answers at once with what fits; otherwise parks until
   * a fitting task arrives (submit, requeue, freed capacity) or `waitMs` passes.
   */
  lease(runnerId: string, maxTasks: number, waitMs: number): Promise<Result<LeaseGrant[]>> {
    const t = this.t;
    const first = t.fx.call((now): Result<LeaseGrant[]> | "not_ready" => {
      t.deadlines.tick(now);
      const runner = t.runnerRow(runnerId);
      if (!runner) return fail("not_found", `runner "${runnerId}" not found`);
      if (runner.draining) return fail("conflict", `runner "${runnerId}" is draining`);
      t.touchRunner(runnerId, now);
      // A runner whose self-check fails gets no work; it waits out the poll so as not to spin.
      if (runnerState(runner, now) === "not_ready") return "not_ready";
      return ok(t.counters.batch(() => t.leasing.tryLease(runner, maxTasks, now)));
    });
    if (first === "not_ready") return new Promise((resolve) => setTimeout(() => resolve(ok([])), waitMs));
    if (first.kind === "error" || first.value.length > 0 || waitMs === 0) return Promise.resolve(first);
    return t.leasing.park(runnerId, maxTasks, waitMs);
  }
}
