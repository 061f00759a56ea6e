// Tasks: submit (one or a batch; idempotency keys; the agent's policy merged
// in), reads, the event log's long-poll, and cancel. A submit inserts the row
// the machine's create() describes; every later change is a transition.
import { ERROR_STATUS, fail, ok, type Result } from "../../api/errors.js";
import type { BatchItemAnswer, SchedulerView, SubmitTask, Task, TaskEvents, TaskState } from "../../api/schemas.js";
import { randomHex } from "../../auth/keys.js";
import { dominantShare } from "../../drf/share.js";
import { create } from "../../task/machine.js";
import { isolationAffinity, type Requirements } from "../../scheduler/fit.js";
import type { Actor, Tenant } from "./context.js";
import type { EventType } from "./events.js";
import { waitingOf } from "../../scheduler/waiting-source.js";
import { mergeRetry, runnerState, stableStringify, taskView, type TaskPolicy, type TaskRow } from "./rows.js";

export interface TaskListQuery {
  state?: TaskState | undefined;
  agent?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export class Tasks {
  constructor(private readonly t: Tenant) {}

  /** One submit; a parked poll may take the task at the end of the call: the answer is the row as it is then. */
  submit(req: SubmitTask, actor: Actor): Result<{ task: Task; created: boolean }> {
    const r = this.t.fx.call((now) => this.insert(req, actor, now));
    if (r.kind === "error" || !r.value.created) return r;
    return ok({ task: taskView(this.t.taskRow(r.value.task.id) as TaskRow), created: true });
  }

  /** Many submits in one call, each answered on its own; parked polls are served once, after the last. */
  submitBatch(reqs: SubmitTask[], actor: Actor): Result<{ items: BatchItemAnswer[] }> {
    const items = this.t.counters.batch(() =>
      this.t.fx.call((now) =>
        reqs.map((req) =>
          itemAnswer(this.insert(req, actor, now), (v) => ({ status: v.created ? 201 : 200, task: v.task })),
        ),
      ),
    );
    return ok({ items });
  }

  private insert(req: SubmitTask, actor: Actor, now: number): Result<{ task: Task; created: boolean }> {
    const t = this.t;
    t.deadlines.tick(now);
    const agent = t.agents.get(req.agent)?.stored;
    if (!agent) return fail("not_found", `agent "${req.agent}" is not registered`);
    const input = req.input ?? null;
    const request = stableStringify({
      agent: req.agent,
      input,
      priority: req.priority ?? 0,
      instance: req.instance ?? null,
      node_selector: req.node_selector ?? {},
      retry: req.retry ?? null,
      timeouts: req.timeouts ?? null,
    });
    if (req.idempotency_key !== undefined) {
      const prior = t.sql
        .exec<TaskRow>("SELECT * FROM tasks WHERE idempotency_key = ?", req.idempotency_key)
        .toArray()[0];
      if (prior) {
        if (prior.request !== request)
          return fail("conflict", "idempotency key was used for a different request", { task_id: prior.id });
        return ok({ task: taskView(prior), created: false });
      }
    }
    for (const [k, v] of Object.entries(req.node_selector ?? {})) {
      const fixed = agent.node_selector[k];
      if (fixed !== undefined && fixed !== v)
        return fail(
          "bad_request",
          `node_selector ${k}=${v} contradicts agent "${req.agent}" which requires ${k}=${fixed}`,
        );
    }
    const requirements: Requirements = {
      resources: agent.resources,
      capabilities: agent.capabilities,
      nodeSelector: { ...agent.node_selector, ...req.node_selector },
      affinity: [...agent.node_affinity, ...isolationAffinity(agent.isolation)],
      tolerations: agent.tolerations,
    };
    const policy: TaskPolicy = {
      retry: mergeRetry(req.retry, agent.retry),
      timeouts: { ...agent.timeouts, ...req.timeouts },
      approvals: agent.approvals,
      escalation: agent.escalation,
    };
    if (policy.retry.backoff.max_ms < policy.retry.backoff.initial_ms)
      return fail("bad_request", "retry.backoff.max_ms must be at least retry.backoff.initial_ms");
    const id = `task_${randomHex(10)}`;
    const c = create(
      { id, agent: req.agent, input: JSON.stringify(input), priority: req.priority ?? 0, policy, actor },
      now,
    );
    const seq = t.bump("task_seq");
    // Inserted with its first event's seq taken (event_seq 1), and read back in the same statement.
    const row = t.sql
      .exec<TaskRow>(
        `INSERT INTO tasks (id, seq, agent, input, priority, instance, state, max_attempts, requirements, idempotency_key, request, created_at, updated_at, queued_at, preemptible, policy, deadline_at, event_seq)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) RETURNING *`,
        id,
        seq,
        req.agent,
        c.row.input,
        req.priority ?? 0,
        req.instance ?? id,
        c.row.state,
        c.row.max_attempts,
        JSON.stringify(requirements),
        req.idempotency_key ?? null,
        request,
        c.row.created_at,
        c.row.updated_at,
        c.row.queued_at,
        agent.preemptible ? 1 : 0,
        c.row.policy,
        c.row.deadline_at,
      )
      .one();
    for (const e of c.events)
      t.events.appendAt(id, 1, now, e.type as EventType, e.actor, e.state, e.details as Record<string, never>);
    t.fx.add(id, c.effects);
    return ok({ task: taskView(row), created: true });
  }

  /** One task, with `waiting` (why it is not running, docs/waiting.md) computed for it alone. */
  get(id: string): Result<Task> {
    const now = this.t.now();
    this.t.deadlines.tick(now);
    const row = this.t.taskRow(id);
    if (!row) return fail("not_found", `task "${id}" not found`);
    const view = taskView(row);
    const waiting = this.waitingFor(row, now);
    if (waiting) view.waiting = waiting;
    return ok(view);
  }

  private waitingFor(row: TaskRow, now: number) {
    const st = this.t.sched();
    const polling = new Set(this.t.leasing.waiters.map((w) => w.runnerId));
    return waitingOf(row, st.queued(row), st, (r) => runnerState(r, now), now, this.t.starvationMs, polling);
  }

  list(q: TaskListQuery): Result<{ tasks: Task[]; next_cursor?: string }> {
    this.t.deadlines.tick(this.t.now());
    const limit = q.limit ?? 50;
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.state) where.push("state = ?"), args.push(q.state);
    if (q.agent) where.push("agent = ?"), args.push(q.agent);
    if (q.cursor) where.push("seq < ?"), args.push(Number(q.cursor));
    const sqlText = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`;
    const rows = this.t.sql.exec<TaskRow>(sqlText, ...args, limit + 1).toArray();
    const page = rows.slice(0, limit);
    const out: { tasks: Task[]; next_cursor?: string } = { tasks: page.map(taskView) };
    if (rows.length > limit) out.next_cursor = String(page[page.length - 1]?.seq);
    return ok(out);
  }

  cancel(id: string, actor: Actor): Result<Task> {
    const t = this.t;
    const r = t.fx.call((now): Result<null> => {
      t.deadlines.tick(now);
      const row = t.taskRow(id);
      if (!row) return fail("not_found", `task "${id}" not found`);
      if (!t.settle(row, { kind: "cancel", actor }, now)) return fail("conflict", `task is already ${row.state}`);
      return ok(null);
    });
    return r.kind === "error" ? r : ok(taskView(t.taskRow(id) as TaskRow));
  }

  /** Events after `after`; with `waitMs`, waits that long for the first one if none is there yet. */
  async events(taskId: string, after: number, limit: number, waitMs: number): Promise<Result<TaskEvents>> {
    this.t.deadlines.tick(this.t.now());
    if (!this.t.taskRow(taskId)) return fail("not_found", `task "${taskId}" not found`);
    let events = this.t.events.list(taskId, after, limit);
    if (events.length === 0 && waitMs > 0) {
      await this.t.events.wait(taskId, waitMs);
      events = this.t.events.list(taskId, after, limit);
    }
    const next = events.length > 0 ? (events[events.length - 1]?.seq ?? after) : after;
    // Why it waits, as of this answer: `officeos watch` and `submit --wait` say so instead of hanging mute.
    const now = this.t.now();
    const row = this.t.taskRow(taskId);
    const waiting = row ? this.waitingFor(row, now) : null;
    return ok(waiting ? { events, next, waiting } : { events, next });
  }

  /** Per agent: weight, dominant resource and share, queued and running counts. */
  scheduler(): Result<SchedulerView> {
    const now = this.t.now();
    this.t.deadlines.tick(now);
    const st = this.t.sched();
    const capacity = st.capacity(now);
    const queued = st.index.queuedByAgent();
    const names = new Set([...st.accounts.keys(), ...queued.keys()]);
    const agents = [...names].sort().map((agent) => {
      const acc = st.account(agent);
      const d = dominantShare(acc.allocated, capacity, acc.weight);
      return {
        agent,
        weight: acc.weight,
        dominant_resource: d.resource,
        dominant_share: d.share,
        allocated: acc.allocated,
        queued: queued.get(agent) ?? 0,
        running: acc.running,
      };
    });
    return ok({ capacity, agents, queued: st.index.size, running: st.active.size });
  }

  /** Which AgentDO holds this task's checkpoints. */
  instance(taskId: string): Result<{ instance: string }> {
    const row = this.t.taskRow(taskId);
    return row ? ok({ instance: row.instance }) : fail("not_found", `task "${taskId}" not found`);
  }
}

/** One batch item's answer: the status its single call would have, with the task or the error. */
export function itemAnswer<T>(r: Result<T>, good: (v: T) => BatchItemAnswer): BatchItemAnswer {
  if (r.kind === "ok") return good(r.value);
  return {
    status: ERROR_STATUS[r.code],
    error:
      r.details === undefined
        ? { code: r.code, message: r.message }
        : { code: r.code, message: r.message, details: r.details },
  };
}
