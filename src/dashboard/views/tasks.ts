// The tasks overview and one task's page. Server-rendered; nothing here fetches.
import { html } from "hono/html";
import { approvalCard, escalationCard } from "./people.js";
import {
  actionsCard,
  type CheckpointRecord,
  checkpointHistory,
  type LogLine,
  logPanel,
  timelineSection,
  usageSection,
  waitingSection,
} from "./task-extras.js";
import type { SchedulerView, Task, TaskEvent } from "../../api/schemas.js";
import {
  FINAL_STATES,
  type H,
  type Loaded,
  type Viewer,
  badge,
  json,
  loadError,
  resources,
  taskLink,
  time,
} from "./parts.js";

// ---- tasks overview ------------------------------------------------------------------

export interface RunningRow {
  task: Task;
  runnerName?: string;
  checkpointAt?: string;
}

export function tasksView(d: {
  now: number;
  queue: Loaded<Task[]>;
  running: Loaded<RunningRow[]>;
  recent: Loaded<Task[]>;
  scheduler: Loaded<SchedulerView>;
}): H {
  const { now } = d;
  const stats = d.scheduler.ok
    ? html`<div class="stats">
        <div class="stat"><b data-stat="queued">${d.scheduler.data.queued}</b><span>queued</span></div>
        <div class="stat"><b data-stat="running">${d.scheduler.data.running}</b><span>running</span></div>
        <div class="stat"><b>${d.scheduler.data.agents.length}</b><span>agents</span></div>
        <div class="stat"><b>${resources(d.scheduler.data.capacity)}</b><span>runner capacity</span></div>
      </div>`
    : loadError("the scheduler", d.scheduler);

  let queue: H;
  if (!d.queue.ok) queue = loadError("the queue", d.queue);
  else if (d.queue.data.length === 0) queue = html`<p class="empty">No tasks waiting: the queue is empty.</p>`;
  else {
    const groups = new Map<
      string,
      { agent: string; priority: number; queued: number; retry: number; oldest: string }
    >();
    for (const t of d.queue.data) {
      const k = `${t.agent}\u0000${t.priority}`;
      const g = groups.get(k) ?? { agent: t.agent, priority: t.priority, queued: 0, retry: 0, oldest: t.created_at };
      if (t.state === "retry_wait") g.retry++;
      else g.queued++;
      if (t.created_at < g.oldest) g.oldest = t.created_at;
      groups.set(k, g);
    }
    const rows = [...groups.values()].sort((a, b) => a.agent.localeCompare(b.agent) || b.priority - a.priority);
    queue = html`<table id="queue-groups">
      <thead><tr><th>agent</th><th class="num">priority</th><th class="num">queued</th><th class="num">retry wait</th><th>oldest</th></tr></thead>
      <tbody>${rows.map((g) => html`<tr><td>${g.agent}</td><td class="num">${g.priority}</td><td class="num">${g.queued}</td><td class="num">${g.retry}</td><td>${time(g.oldest, now)}</td></tr>`)}</tbody>
    </table>
    <h3 class="muted">Next up</h3>
    <table id="queue">
      <thead><tr><th>task</th><th>agent</th><th class="num">priority</th><th>state</th><th class="num">attempts</th><th>waiting since</th><th>next try</th></tr></thead>
      <tbody>${d.queue.data
        .slice()
        .sort((a, b) => b.priority - a.priority || a.created_at.localeCompare(b.created_at))
        .slice(0, 25)
        .map(
          (t) =>
            html`<tr><td>${taskLink(t.id)}</td><td>${t.agent}</td><td class="num">${t.priority}</td><td>${badge(t.state)}</td><td class="num">${t.attempts}/${t.max_attempts}</td><td>${time(t.created_at, now)}</td><td>${t.not_before ? time(t.not_before, now) : html`<span class="muted">now</span>`}</td></tr>`,
        )}</tbody>
    </table>`;
  }

  let running: H;
  if (!d.running.ok) running = loadError("running tasks", d.running);
  else if (d.running.data.length === 0) running = html`<p class="empty">No tasks running right now.</p>`;
  else
    running = html`<table id="running">
      <thead><tr><th>task</th><th>agent</th><th>state</th><th>runner</th><th class="num">attempts</th><th class="num">checkpoint</th><th>last checkpoint</th><th>since</th></tr></thead>
      <tbody>${d.running.data.map(
        ({ task: t, runnerName, checkpointAt }) =>
          html`<tr><td>${taskLink(t.id)}</td><td>${t.agent}</td><td>${badge(t.state)}</td><td>${runnerName ?? t.runner_id ?? ""}</td><td class="num">${t.attempts}/${t.max_attempts}</td><td class="num">${t.checkpoint_seq ?? html`<span class="muted">none</span>`}</td><td>${checkpointAt ? time(checkpointAt, now) : html`<span class="muted">—</span>`}</td><td>${time(t.updated_at, now)}</td></tr>`,
      )}</tbody>
    </table>`;

  let recent: H;
  if (!d.recent.ok) recent = loadError("recent tasks", d.recent);
  else if (d.recent.data.length === 0)
    recent = html`<p class="empty">No tasks yet. Submit one with <code>POST /v1/tasks</code>.</p>`;
  else
    recent = html`<table id="recent">
      <thead><tr><th>task</th><th>agent</th><th>state</th><th class="num">priority</th><th class="num">attempts</th><th>updated</th></tr></thead>
      <tbody>${d.recent.data.map(
        (t) =>
          html`<tr><td>${taskLink(t.id)}</td><td>${t.agent}</td><td>${badge(t.state)}</td><td class="num">${t.priority}</td><td class="num">${t.attempts}/${t.max_attempts}</td><td>${time(t.updated_at, now)}</td></tr>`,
      )}</tbody>
    </table>`;

  return html`${stats}
    <section class="card"><h2>Queue <span class="muted">(queued and waiting to retry, by agent and priority)</span></h2>${queue}</section>
    <section class="card"><h2>Running</h2>${running}</section>
    <section class="card"><h2>Recent tasks</h2>${recent}</section>`;
}

// ---- one task ------------------------------------------------------------------------

export function taskView(d: {
  now: number;
  viewer: Viewer;
  task: Task;
  events: Loaded<TaskEvent[]>;
  checkpoint: Loaded<{ seq: number; created_at: string; state: unknown } | null>;
  runnerName?: string;
  /** Runner names by id, for the timeline. */
  runnerNames?: ReadonlyMap<string, string>;
  /** The agent's output; null: none to show ("no logs"). */
  logs?: Loaded<LogLine[]> | null;
  checkpoints?: Loaded<CheckpointRecord[]> | null;
}): H {
  const { task: t, now, viewer } = d;
  const events: H = !d.events.ok
    ? loadError("the event log", d.events)
    : d.events.data.length === 0
      ? html`<p class="empty">No events yet.</p>`
      : html`<table id="events"><thead><tr><th class="num">#</th><th>at</th><th>event</th><th>actor</th><th>state</th><th>details</th></tr></thead>
        <tbody>${d.events.data.map(
          (e) =>
            html`<tr data-event="${e.type}"><td class="num">${e.seq}</td><td>${time(e.at, now)}</td><td><b>${e.type}</b></td><td class="mono">${e.actor}</td><td>${e.state ? badge(e.state) : ""}</td><td>${e.details === undefined ? "" : html`<code>${JSON.stringify(e.details)}</code>`}</td></tr>`,
        )}</tbody></table>`;
  const cp: H = !d.checkpoint.ok
    ? loadError("the checkpoint", d.checkpoint)
    : d.checkpoint.data === null
      ? html`<p class="empty">No checkpoint yet.</p>`
      : html`<p>seq <b>${d.checkpoint.data.seq}</b>, saved ${time(d.checkpoint.data.created_at, now)}</p><details><summary>state</summary><pre>${json(d.checkpoint.data.state)}</pre></details>`;
  const approvals =
    t.approvals && Object.keys(t.approvals).length > 0
      ? html`<h3>Gate decisions</h3><table id="decisions"><thead><tr><th>gate</th><th>decision</th><th>by</th><th>at</th><th>comment</th></tr></thead><tbody>${Object.entries(
          t.approvals,
        ).map(
          ([g, dec]) =>
            html`<tr><td>${g}</td><td>${badge(dec.decision)}</td><td class="mono">${dec.by}</td><td>${time(dec.at, now)}</td><td>${dec.comment ?? ""}</td></tr>`,
        )}</tbody></table>`
      : "";
  const gate =
    t.state === "awaiting_approval" && t.gate
      ? approvalCard(
          viewer,
          {
            task: t,
            gate: t.gate.gate,
            message: t.gate.message,
            details: t.gate.details,
            requested_at: t.gate.requested_at,
            deadline_at: t.gate.deadline_at,
          },
          now,
          `/dashboard/tasks/${t.id}`,
        )
      : "";
  const esc =
    t.state === "escalated" && t.escalation
      ? escalationCard(
          viewer,
          {
            task: t,
            reason: t.escalation.reason,
            escalated_at: t.escalation.escalated_at,
            deadline_at: t.escalation.deadline_at,
          },
          now,
          `/dashboard/tasks/${t.id}`,
        )
      : "";
  return html`<h1>Task <span class="mono">${t.id}</span> ${badge(t.state)} <span class="live-status" id="live-status"></span></h1>
    ${gate}${esc}${waitingSection(t, now)}
    <div class="grid">
      <section class="card"><h2>Task</h2><dl class="kv">
        <dt>agent</dt><dd>${t.agent}</dd>
        <dt>state</dt><dd id="task-state">${badge(t.state)}</dd>
        <dt>priority</dt><dd>${t.priority}</dd>
        <dt>attempts</dt><dd>${t.attempts} of ${t.max_attempts}</dd>
        <dt>runner</dt><dd>${d.runnerName ?? t.runner_id ?? html`<span class="muted">none</span>`}</dd>
        <dt>instance</dt><dd class="mono">${t.instance}</dd>
        <dt>checkpoint seq</dt><dd>${t.checkpoint_seq ?? html`<span class="muted">none</span>`}</dd>
        <dt>created</dt><dd>${time(t.created_at, now)}</dd>
        <dt>updated</dt><dd>${time(t.updated_at, now)}</dd>
        ${t.not_before ? html`<dt>next try</dt><dd>${time(t.not_before, now)}</dd>` : ""}
        ${t.deadline_at ? html`<dt>deadline</dt><dd>${time(t.deadline_at, now)}</dd>` : ""}
      </dl></section>
      <section class="card"><h2>Input</h2><pre id="task-input">${json(t.input)}</pre>
        ${t.result !== undefined ? html`<h2>Result</h2><pre id="task-result">${json(t.result)}</pre>` : ""}
        ${t.error ? html`<h2>Error</h2><p class="error" id="task-error"><b>${t.error.code}</b>: ${t.error.message}</p>${errorDetails(t)}` : ""}
        ${usageSection(t)}
      </section>
      <section class="card"><h2>Last checkpoint</h2>${cp}${checkpointHistory(d.checkpoints ?? null, now)}${approvals}</section>
    </div>
    ${actionsCard(viewer, t)}
    ${timelineSection(d.events, d.runnerNames ?? new Map(), now)}
    ${logPanel(d.logs ?? null, now)}
    <section class="card"><h2>Events</h2>${events}</section>`;
}

/** Why the retries ended early, and the agent's last stderr lines, when the error carries them. */
function errorDetails(t: Task): H {
  const d = t.error?.details;
  if (!d) return html``;
  const rule = typeof d.deterministic === "string" ? d.deterministic : null;
  const why = typeof d.deterministic_reason === "string" ? d.deterministic_reason : "";
  const tail = Array.isArray(d.stderr_tail)
    ? d.stderr_tail.join("\n")
    : typeof d.stderr_tail === "string"
      ? d.stderr_tail
      : null;
  return html`${rule ? html`<p class="note" id="task-deterministic">Not retried (${rule}): ${why}</p>` : ""}${tail ? html`<details open><summary>last stderr lines</summary><pre id="stderr-tail">${tail}</pre></details>` : ""}`;
}

export function isFinal(t: Task): boolean {
  return FINAL_STATES.has(t.state);
}
