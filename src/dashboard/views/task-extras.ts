// The task page's sections beside its facts: why it waits, the per-attempt timeline, checkpoint
// history, usage, the agent's own output (GET /v1/tasks/{id}/logs) and the cancel / retry buttons.
// Times show relative, the absolute time on hover (time()'s title attribute).
import { html } from "hono/html";
import type { Task, TaskEvent } from "../../api/schemas.js";
import { attemptSpans, span } from "./timeline.js";
import {
  badge,
  csrfField,
  disabled,
  FINAL_STATES,
  type H,
  type Loaded,
  loadError,
  time,
  type Viewer,
} from "./parts.js";

export interface LogLine {
  seq: number;
  at: string | number;
  attempt: number;
  stream: "stdout" | "stderr";
  text: string;
}

export interface CheckpointRecord {
  seq: number;
  kind: string;
  size: number;
  created_at: string;
  task_id?: string;
}

export function waitingSection(t: Task, now: number): H {
  const w = t.waiting;
  if (!w) return html``;
  return html`<section class="card" id="waiting" data-reason="${w.reason}"><h2>Why it waits</h2>
    <p><b class="mono">${w.reason}</b>: <span id="waiting-message">${w.message}</span></p>
    ${w.since ? html`<p class="muted">since ${time(w.since, now)}</p>` : ""}</section>`;
}

export function timelineSection(events: Loaded<TaskEvent[]>, runnerNames: ReadonlyMap<string, string>, now: number): H {
  if (!events.ok) return html`<section class="card"><h2>Attempts</h2>${loadError("the event log", events)}</section>`;
  const spans = attemptSpans(events.data);
  const body =
    spans.length === 0
      ? html`<p class="empty">No attempt yet.</p>`
      : html`<table id="timeline"><thead><tr><th class="num">attempt</th><th>runner</th><th>queued</th><th>leased</th><th>running</th><th>outcome</th><th>waited</th><th>ran</th></tr></thead>
        <tbody>${spans.map((a) => {
          const outcome =
            a.outcome === null
              ? html`<span class="muted">in progress</span>`
              : html`${badge(a.outcome)}${a.code ? html` <code>${a.code}</code>` : ""}${a.deterministic ? html` <span class="note" data-deterministic="${a.deterministic}">not retried: ${a.deterministic}</span>` : ""}`;
          const runner = a.runner === null ? "" : (runnerNames.get(a.runner) ?? a.runner);
          return html`<tr data-attempt="${a.attempt}"><td class="num">${a.attempt}</td><td class="mono">${runner}</td><td>${time(a.queuedAt ?? undefined, now)}</td><td>${time(a.leasedAt, now)}</td><td>${time(a.runningAt ?? undefined, now)}</td><td>${outcome} ${a.endedAt !== null ? time(a.endedAt, now) : ""}</td><td>${span(a.queuedAt, a.leasedAt)}</td><td>${span(a.runningAt ?? a.leasedAt, a.endedAt ?? (a.outcome === null ? now : null))}</td></tr>`;
        })}</tbody></table>`;
  return html`<section class="card"><h2>Attempts</h2>${body}</section>`;
}

export function checkpointHistory(records: Loaded<CheckpointRecord[]> | null, now: number): H {
  if (records === null) return html``;
  if (!records.ok) return loadError("the checkpoint history", records);
  if (records.data.length === 0) return html``;
  return html`<h3>History</h3><table id="checkpoints"><thead><tr><th class="num">seq</th><th>kind</th><th class="num">size</th><th>saved</th></tr></thead>
    <tbody>${records.data.map(
      (r) =>
        html`<tr><td class="num">${r.seq}</td><td>${r.kind}</td><td class="num">${bytes(r.size)}</td><td>${time(r.created_at, now)}</td></tr>`,
    )}</tbody></table>`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export function usageSection(t: Task): H {
  const u = t.usage;
  if (!u) return html``;
  return html`<h2>Usage <span class="muted">(last attempt)</span></h2><dl class="kv" id="usage">
    ${u.cpu_seconds !== undefined ? html`<dt>CPU</dt><dd>${u.cpu_seconds.toFixed(2)} s</dd>` : ""}
    ${u.peak_memory_mb !== undefined ? html`<dt>peak memory</dt><dd>${u.peak_memory_mb.toFixed(1)} MB</dd>` : ""}
    ${u.pids_denied ? html`<dt>forks refused</dt><dd>${u.pids_denied}</dd>` : ""}
    ${u.enforcement ? html`<dt>limits by</dt><dd>${u.enforcement}</dd>` : ""}</dl>`;
}

/** `null`: the control plane has no logs for it (404), shown as "no logs". */
export function logPanel(lines: Loaded<LogLine[]> | null, now: number): H {
  const body =
    lines !== null && !lines.ok
      ? loadError("the logs", lines)
      : lines === null || lines.data.length === 0
        ? html`<p class="empty" id="no-logs">No logs.</p>`
        : html`<table id="logs" class="logs"><thead><tr><th class="num">attempt</th><th>at</th><th>stream</th><th>line</th></tr></thead>
          <tbody>${lines.data.map(
            (l) =>
              html`<tr data-stream="${l.stream}" data-attempt="${l.attempt}"><td class="num">${l.attempt}</td><td>${time(l.at, now)}</td><td class="${l.stream === "stderr" ? "error" : "muted"}">${l.stream}</td><td><pre class="log-line">${l.text}</pre></td></tr>`,
          )}</tbody></table>`;
  return html`<section class="card" id="log-panel"><h2>Output</h2>${body}</section>`;
}

/** Cancel (any state but a final one) and retry (an escalated task: a fresh round of attempts). */
export function actionsCard(v: Viewer, t: Task): H {
  if (FINAL_STATES.has(t.state)) return html``;
  const back = `/dashboard/tasks/${t.id}`;
  const hidden = html`${csrfField(v)}<input type="hidden" name="back" value="${back}">`;
  const retry =
    t.state === "escalated"
      ? html`<form method="post" action="/dashboard/escalations/${t.id}">${hidden}<input type="hidden" name="action" value="retry">
          <button type="submit" class="primary" id="retry-task"${disabled(v)}>Retry</button></form>`
      : "";
  return html`<section class="card" id="actions"><h2>Actions</h2><div class="actions">
    <form method="post" action="/dashboard/tasks/${t.id}/cancel" data-confirm="Cancel task ${t.id}?">${hidden}
      <button type="submit" class="danger" id="cancel-task"${disabled(v)}>Cancel task</button></form>${retry}</div></section>`;
}
