// People in the loop: approvals and escalations. Server-rendered; nothing here fetches.
import { html } from "hono/html";
import type { Task, TaskError } from "../../api/schemas.js";
import {
  type H,
  type Loaded,
  type Viewer,
  badge,
  csrfField,
  disabled,
  json,
  loadError,
  readOnlyNote,
  taskLink,
  time,
} from "./parts.js";

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

export function approvalCard(v: Viewer, a: ApprovalItem, now: number, back: string): H {
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

export function escalationCard(v: Viewer, e: EscalationItem, now: number, back: string): H {
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
