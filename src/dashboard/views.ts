// Server-rendered views of the dashboard. Every value is escaped by hono/html;
// nothing here fetches: the routes load data and pass it in.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Agent, QuotaBucketView, Runner, SchedulerView, Task, TaskEvent, TaskError } from "../api/schemas.js";
import type { Flash } from "./session.js";

export type H = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Viewer {
  tenantId: string;
  keyId: string;
  scopes: string[];
  canAct: boolean;
  csrf: string;
}

export type Loaded<T> = { ok: true; data: T } | { ok: false; message: string; code: string };

export const PAGES = [
  { id: "tasks", href: "/dashboard", label: "Tasks" },
  { id: "approvals", href: "/dashboard/approvals", label: "Approvals" },
  { id: "escalations", href: "/dashboard/escalations", label: "Escalations" },
  { id: "runners", href: "/dashboard/runners", label: "Runners" },
  { id: "agents", href: "/dashboard/agents", label: "Agents" },
] as const;
export type PageId = (typeof PAGES)[number]["id"] | "task";

const FINAL_STATES = new Set(["succeeded", "failed", "cancelled"]);

// ---- small pieces ------------------------------------------------------------

export function json(v: unknown): string {
  if (v === undefined) return "";
  try {
    return JSON.stringify(v, null, 2) ?? "";
  } catch {
    return String(v);
  }
}

function ago(iso: string | number | undefined, now: number): string {
  if (iso === undefined) return "";
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const s = Math.round((now - t) / 1000);
  if (s < -1) return `in ${fmtDuration(-s)}`;
  if (s <= 1) return "just now";
  return `${fmtDuration(s)} ago`;
}

function fmtDuration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

function time(iso: string | number | undefined, now: number): H {
  if (iso === undefined) return html`<span class="muted">—</span>`;
  const d = new Date(typeof iso === "number" ? iso : Date.parse(iso));
  if (Number.isNaN(d.getTime())) return html`<span class="muted">—</span>`;
  return html`<time datetime="${d.toISOString()}" title="${d.toISOString()}">${ago(d.getTime(), now)}</time>`;
}

export const badge = (state: string): H =>
  html`<span class="badge ${state}" data-state="${state}">${state.replace("_", " ")}</span>`;

const UNITS: Record<string, (n: number) => string> = {
  cpu: (n) => `${n}m`,
  memory_mb: (n) => `${n} MB`,
  gpu_memory_mb: (n) => `${n} MB`,
};
const fmtRes = (name: string, n: number): string => (UNITS[name] ?? String)(Math.round(n * 100) / 100);
const LABELS: Record<string, string> = { memory_mb: "memory", gpu_memory_mb: "gpu memory" };
const resName = (name: string): string => LABELS[name] ?? name;

function resources(r: Record<string, number> | undefined): string {
  if (!r) return "";
  const parts = Object.entries(r).map(([k, v]) => `${resName(k)} ${fmtRes(k, v)}`);
  return parts.length ? parts.join(", ") : "none";
}

function meterBar(label: string, used: number, cap: number, title: string): H {
  const max = cap > 0 ? cap : 1;
  return html`<div class="bar" title="${title}"><span class="label">${resName(label)}</span><meter min="0" max="${max}" low="${max * 0.7}" high="${max * 0.9}" optimum="0" value="${Math.min(used, max)}"></meter><span>${fmtRes(label, used)} / ${fmtRes(label, cap)}</span></div>`;
}

function loadError(what: string, e: { message: string; code: string }): H {
  return html`<p class="error" role="alert">Could not load ${what}: ${e.message} <span class="muted">(${e.code})</span></p>`;
}

const taskLink = (id: string): H => html`<a class="mono" href="/dashboard/tasks/${encodeURIComponent(id)}">${id}</a>`;

function csrfField(v: Viewer): H {
  return html`<input type="hidden" name="csrf" value="${v.csrf}">`;
}

function readOnlyNote(v: Viewer): H {
  return v.canAct
    ? html``
    : html`<p class="note">Actions need an admin key; this key has ${v.scopes.join(", ") || "no"} scope, so the buttons are disabled.</p>`;
}

const disabled = (v: Viewer): H => (v.canAct ? html`` : html` disabled`);

// ---- the frame -----------------------------------------------------------------

export function layout(opts: {
  title: string;
  page: PageId;
  viewer: Viewer;
  flash: Flash | null;
  counts: { approvals?: number; escalations?: number };
  body: H;
}): H {
  const { viewer: v } = opts;
  const count = (id: string): H => {
    const n = id === "approvals" ? opts.counts.approvals : id === "escalations" ? opts.counts.escalations : undefined;
    return n ? html`<span class="count" data-count="${id}">${n}</span>` : html``;
  };
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${opts.title} · OfficeOS</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/app.css">
<script src="/dashboard/assets/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/dashboard">OfficeOS</a>
  <nav>${PAGES.map((p) => html`<a href="${p.href}" class="${p.id === opts.page ? "active" : ""}">${p.label}${count(p.id)}</a>`)}</nav>
  <div class="who"><span>tenant <b class="mono">${v.tenantId}</b> · key <span class="mono">${v.keyId}</span> (${v.scopes.join(", ")})</span>
    <form method="post" action="/dashboard/logout">${csrfField(v)}<button type="submit">Sign out</button></form></div>
</header>
<main>
${opts.flash ? html`<div class="flash ${opts.flash.kind}" role="${opts.flash.kind === "error" ? "alert" : "status"}">${opts.flash.text}</div>` : ""}
${opts.body}
</main>
</body>
</html>`;
}

export function liveRegion(inner: H, final = false): H {
  return html`<div id="live" data-final="${final ? "1" : "0"}">${inner}</div>`;
}

export function loginPage(opts: { error?: string; info?: string }): H {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Sign in · OfficeOS</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/app.css">
</head>
<body>
<main>
<div class="login card">
  <h1>OfficeOS dashboard</h1>
  <p class="muted">Sign in with an API key of your tenant (admin to act; read to watch).</p>
  ${opts.error ? html`<p class="error" role="alert" id="login-error">${opts.error}</p>` : ""}
  ${opts.info ? html`<p class="flash ok" role="status">${opts.info}</p>` : ""}
  <form method="post" action="/dashboard/login" autocomplete="off">
    <label for="key">API key</label>
    <input type="password" id="key" name="key" required autocomplete="off" spellcheck="false" placeholder="oos.…">
    <button type="submit" class="primary">Sign in</button>
  </form>
  <p class="muted">The key is kept in an HttpOnly cookie for this browser session and never shown again.</p>
</div>
</main>
</body>
</html>`;
}

export function errorPage(status: number, message: string): H {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status} · OfficeOS</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard/assets/app.css"></head>
<body><main><div class="login card"><h1>${status === 404 ? "Not found" : "Something went wrong"}</h1><p class="error" role="alert">${message}</p><p><a href="/dashboard">Back to the dashboard</a></p></div></main></body></html>`;
}

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
    ${gate}${esc}
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
        ${t.error ? html`<h2>Error</h2><p class="error" id="task-error"><b>${t.error.code}</b>: ${t.error.message}</p>` : ""}
      </section>
      <section class="card"><h2>Last checkpoint</h2>${cp}${approvals}</section>
    </div>
    <section class="card"><h2>Events</h2>${events}</section>`;
}

export function isFinal(t: Task): boolean {
  return FINAL_STATES.has(t.state);
}

// ---- people in the loop -----------------------------------------------------------------

export interface ApprovalItem {
  task: Task;
  gate: string;
  message?: string;
  details?: unknown;
  requested_at: string;
  deadline_at?: string;
}
export interface EscalationItem {
  task: Task;
  reason: TaskError;
  escalated_at: string;
  deadline_at?: string;
}

function approvalCard(v: Viewer, a: ApprovalItem, now: number, back: string): H {
  return html`<section class="card approval" data-task="${a.task.id}">
    <h2>Gate <span class="mono">${a.gate}</span> · ${taskLink(a.task.id)} <span class="muted">(${a.task.agent})</span></h2>
    ${a.message ? html`<p class="gate-message"><b>${a.message}</b></p>` : ""}
    ${a.details !== undefined ? html`<pre>${json(a.details)}</pre>` : ""}
    <p class="muted">asked ${time(a.requested_at, now)}${a.deadline_at ? html`; decided by itself ${time(a.deadline_at, now)} if nobody answers` : ""}</p>
    <form method="post" action="/dashboard/approvals/${a.task.id}">
      ${csrfField(v)}<input type="hidden" name="back" value="${back}"><input type="hidden" name="gate" value="${a.gate}">
      <label for="comment-${a.task.id}">Comment (optional)</label>
      <input type="text" id="comment-${a.task.id}" name="comment" maxlength="4096"${disabled(v)}>
      <button type="submit" name="decision" value="approve" class="primary"${disabled(v)}>Approve</button>
      <button type="submit" name="decision" value="reject" class="danger"${disabled(v)}>Reject</button>
    </form>
  </section>`;
}

export function approvalsView(d: { now: number; viewer: Viewer; approvals: Loaded<ApprovalItem[]> }): H {
  const body: H = !d.approvals.ok
    ? loadError("approvals", d.approvals)
    : d.approvals.data.length === 0
      ? html`<p class="empty card">No tasks waiting for approval.</p>`
      : html`${d.approvals.data.map((a) => approvalCard(d.viewer, a, d.now, "/dashboard/approvals"))}`;
  return html`<h1>Approvals <span class="live-status" id="live-status"></span></h1>${readOnlyNote(d.viewer)}${body}`;
}

function escalationCard(v: Viewer, e: EscalationItem, now: number, back: string): H {
  const id = e.task.id;
  const action = `/dashboard/escalations/${id}`;
  const hidden = html`${csrfField(v)}<input type="hidden" name="back" value="${back}">`;
  return html`<section class="card escalation" data-task="${id}">
    <h2>${taskLink(id)} <span class="muted">(${e.task.agent})</span> ${badge(e.task.state)}</h2>
    <p class="error"><b>${e.reason.code}</b>: ${e.reason.message}</p>
    <p class="muted">escalated ${time(e.escalated_at, now)} after ${e.task.attempts} of ${e.task.max_attempts} attempts${e.deadline_at ? html`; times out ${time(e.deadline_at, now)}` : ""}</p>
    <div class="actions">
      <form method="post" action="${action}">${hidden}<input type="hidden" name="action" value="retry">
        <h3>Retry</h3>
        <label for="input-${id}">Input (JSON; edit to change it, leave as is to keep it)</label>
        <textarea id="input-${id}" name="input" rows="4" spellcheck="false"${disabled(v)}>${json(e.task.input)}</textarea>
        <label for="rcomment-${id}">Comment</label><input type="text" id="rcomment-${id}" name="comment" maxlength="4096"${disabled(v)}>
        <button type="submit" class="primary"${disabled(v)}>Retry</button>
      </form>
      <form method="post" action="${action}">${hidden}<input type="hidden" name="action" value="resolve">
        <h3>Resolve with a result</h3>
        <label for="result-${id}">Result (JSON)</label>
        <textarea id="result-${id}" name="result" rows="4" spellcheck="false" required${disabled(v)}></textarea>
        <label for="scomment-${id}">Comment</label><input type="text" id="scomment-${id}" name="comment" maxlength="4096"${disabled(v)}>
        <button type="submit" class="primary"${disabled(v)}>Resolve</button>
      </form>
      <form method="post" action="${action}" data-confirm="Cancel task ${id}?">${hidden}<input type="hidden" name="action" value="cancel">
        <h3>Cancel</h3>
        <label for="ccomment-${id}">Comment</label><input type="text" id="ccomment-${id}" name="comment" maxlength="4096"${disabled(v)}>
        <button type="submit" class="danger"${disabled(v)}>Cancel task</button>
      </form>
    </div>
  </section>`;
}

export function escalationsView(d: { now: number; viewer: Viewer; escalations: Loaded<EscalationItem[]> }): H {
  const body: H = !d.escalations.ok
    ? loadError("escalations", d.escalations)
    : d.escalations.data.length === 0
      ? html`<p class="empty card">No escalated tasks: nothing needs a person.</p>`
      : html`${d.escalations.data.map((e) => escalationCard(d.viewer, e, d.now, "/dashboard/escalations"))}`;
  return html`<h1>Escalations <span class="live-status" id="live-status"></span></h1>${readOnlyNote(d.viewer)}${body}`;
}

// ---- runners and agents ----------------------------------------------------------------

export function runnersView(d: { now: number; runners: Loaded<Runner[]> }): H {
  let body: H;
  if (!d.runners.ok) body = loadError("runners", d.runners);
  else if (d.runners.data.length === 0)
    body = html`<p class="empty card">No runners registered. Start one with <code>npm run runner -- --config runner.json</code>.</p>`;
  else
    body = html`<section class="card"><table id="runners">
      <thead><tr><th>runner</th><th>state</th><th>last seen</th><th class="num">leases</th><th>allocated / capacity</th><th>host use</th><th>health</th><th>labels, capabilities</th></tr></thead>
      <tbody>${d.runners.data.map((r) => {
        const failing = (r.health?.checks ?? []).filter((ch) => !ch.ok);
        return html`<tr data-runner="${r.name}">
          <td><b>${r.name}</b><br><span class="mono muted">${r.id}</span></td>
          <td>${badge(r.state)}</td>
          <td>${time(r.last_seen_at, d.now)}</td>
          <td class="num">${r.active_leases}</td>
          <td>${Object.entries(r.capacity).map(([k, cap]) => meterBar(k, r.allocated[k] ?? 0, cap, `${k}: allocated to leases / registered capacity`))}</td>
          <td>${r.health?.usage && Object.keys(r.health.usage).length ? Object.entries(r.health.usage).map(([k, used]) => meterBar(k, used, r.capacity[k] ?? used, `${k}: measured on the host / capacity`)) : html`<span class="muted">not reported</span>`}</td>
          <td>${r.health === undefined ? html`<span class="muted">no self-check yet</span>` : r.health.ready ? html`<span class="badge ready">ready</span>` : html`<span class="badge not_ready">not ready</span>`}
            ${failing.length ? html`<ul>${failing.map((ch) => html`<li><b>${ch.name}</b>${ch.message ? html`: ${ch.message}` : ""}</li>`)}</ul>` : ""}</td>
          <td class="muted">${Object.entries(r.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}${r.capabilities.length ? html`<br>${r.capabilities.join(", ")}` : ""}</td>
        </tr>`;
      })}</tbody></table></section>`;
  return html`<h1>Runners <span class="live-status" id="live-status"></span></h1>${body}`;
}

/** A bucket as GET /v1/quotas answers it (src/api/schemas.ts QuotaBucketView). */
export type QuotaBucket = QuotaBucketView;

const cell = (v: unknown): string =>
  v === undefined || v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v);

export function agentsView(d: {
  now: number;
  scheduler: Loaded<SchedulerView>;
  agents: Loaded<Agent[]>;
  quotas: Loaded<QuotaBucket[]> | null;
}): H {
  let shares: H;
  if (!d.scheduler.ok) shares = loadError("the scheduler", d.scheduler);
  else if (d.scheduler.data.agents.length === 0) shares = html`<p class="empty">No agents have work yet.</p>`;
  else
    shares = html`<table id="shares">
      <thead><tr><th>agent</th><th class="num">weight</th><th>dominant resource</th><th>dominant share</th><th>allocated</th><th class="num">queued</th><th class="num">running</th></tr></thead>
      <tbody>${d.scheduler.data.agents.map(
        (
          a,
        ) => html`<tr data-agent="${a.agent}"><td><b>${a.agent}</b></td><td class="num">${a.weight}</td><td>${a.dominant_resource ?? html`<span class="muted">—</span>`}</td>
          <td><div class="bar"><meter min="0" max="1" value="${Math.min(1, Math.max(0, a.dominant_share))}"></meter><span>${(a.dominant_share * 100).toFixed(1)}%</span></div></td>
          <td class="muted">${resources(a.allocated)}</td><td class="num">${a.queued}</td><td class="num">${a.running}</td></tr>`,
      )}</tbody></table>`;

  let agents: H;
  if (!d.agents.ok) agents = loadError("agents", d.agents);
  else if (d.agents.data.length === 0)
    agents = html`<p class="empty">No agents registered. Register one with <code>PUT /v1/agents/{name}</code>.</p>`;
  else
    agents = html`<table id="agents">
      <thead><tr><th>agent</th><th>resources per run</th><th class="num">weight</th><th>retry</th><th>capabilities</th><th>updated</th></tr></thead>
      <tbody>${d.agents.data.map(
        (a) => html`<tr><td><b>${a.name}</b></td><td>${resources(a.resources)}</td><td class="num">${a.weight}</td>
          <td>${a.retry.max_attempts} attempts, then ${a.retry.on_exhausted}</td><td>${a.capabilities.join(", ")}</td><td>${time(a.updated_at, d.now)}</td></tr>`,
      )}</tbody></table>`;

  let quotas: H = "" as unknown as H;
  if (d.quotas !== null) {
    if (!d.quotas.ok) quotas = html`<section class="card"><h2>Quotas</h2>${loadError("quotas", d.quotas)}</section>`;
    else
      quotas = html`<section class="card" id="quotas"><h2>Quotas</h2>${
        d.quotas.data.length === 0
          ? html`<p class="empty">No quotas set.</p>`
          : html`<table><thead><tr><th>scope</th><th>key</th><th>kind</th><th class="num">rate / min</th><th class="num">burst</th><th>level</th><th>state</th></tr></thead><tbody>${d.quotas.data.map(
              (b) => {
                const { level, burst } = b;
                // The tenant's own bucket has the empty key.
                const key = b.key === "" ? html`<span class="muted">tenant</span>` : cell(b.key);
                // `throttled` counts the reservations this bucket refused (429).
                return html`<tr data-bucket="${`${b.scope}:${b.key}:${b.kind}`}"><td>${cell(b.scope)}</td><td>${key}</td><td>${cell(b.kind)}</td><td class="num">${cell(b.rate_per_minute)}</td><td class="num">${cell(burst)}</td>
                <td>${burst > 0 ? html`<div class="bar"><meter min="0" max="${burst}" value="${Math.max(0, Math.min(level, burst))}"></meter><span>${Math.round(level)}</span></div>` : cell(level)}</td>
                <td>${b.throttled > 0 ? html`<span class="badge failed">throttled ${b.throttled}</span>` : html`<span class="badge ready">ok</span>`}</td></tr>`;
              },
            )}</tbody></table>`
      }</section>`;
  }

  return html`<h1>Agents <span class="live-status" id="live-status"></span></h1>
    <section class="card"><h2>Fair shares (DRF)</h2>${shares}</section>
    ${quotas}
    <section class="card"><h2>Registered agents</h2>${agents}</section>`;
}
