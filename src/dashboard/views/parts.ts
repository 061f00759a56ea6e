// The dashboard's small pieces and its frame. Every value is escaped by hono/html.
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Flash } from "../session.js";

export type H = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface Viewer {
  tenantId: string;
  /** The tenant's name; names need not be unique, so the id is shown beside it. */
  tenantName?: string;
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

export const FINAL_STATES = new Set(["succeeded", "failed", "cancelled"]);

// ---- small pieces ------------------------------------------------------------

export function json(v: unknown): string {
  if (v === undefined) return "";
  try {
    return JSON.stringify(v, null, 2) ?? "";
  } catch {
    return String(v);
  }
}

export function ago(iso: string | number | undefined, now: number): string {
  if (iso === undefined) return "";
  const t = typeof iso === "number" ? iso : Date.parse(iso);
  if (!Number.isFinite(t)) return "";
  const s = Math.round((now - t) / 1000);
  if (s < -1) return `in ${fmtDuration(-s)}`;
  if (s <= 1) return "just now";
  return `${fmtDuration(s)} ago`;
}

export function fmtDuration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

export function time(iso: string | number | undefined, now: number): H {
  if (iso === undefined) return html`<span class="muted">—</span>`;
  const d = new Date(typeof iso === "number" ? iso : Date.parse(iso));
  if (Number.isNaN(d.getTime())) return html`<span class="muted">—</span>`;
  return html`<time datetime="${d.toISOString()}" title="${d.toISOString()}">${ago(d.getTime(), now)}</time>`;
}

export const badge = (state: string): H =>
  html`<span class="badge ${state}" data-state="${state}">${state.replace("_", " ")}</span>`;

export const UNITS: Record<string, (n: number) => string> = {
  cpu: (n) => `${n}m`,
  memory_mb: (n) => `${n} MB`,
  gpu_memory_mb: (n) => `${n} MB`,
};
export const fmtRes = (name: string, n: number): string => (UNITS[name] ?? String)(Math.round(n * 100) / 100);
export const LABELS: Record<string, string> = { memory_mb: "memory", gpu_memory_mb: "gpu memory" };
export const resName = (name: string): string => LABELS[name] ?? name;

export function resources(r: Record<string, number> | undefined): string {
  if (!r) return "";
  const parts = Object.entries(r).map(([k, v]) => `${resName(k)} ${fmtRes(k, v)}`);
  return parts.length ? parts.join(", ") : "none";
}

export function meterBar(label: string, used: number, cap: number, title: string): H {
  const max = cap > 0 ? cap : 1;
  return html`<div class="bar" title="${title}"><span class="label">${resName(label)}</span><meter min="0" max="${max}" low="${max * 0.7}" high="${max * 0.9}" optimum="0" value="${Math.min(used, max)}"></meter><span>${fmtRes(label, used)} / ${fmtRes(label, cap)}</span></div>`;
}

export function loadError(what: string, e: { message: string; code: string }): H {
  return html`<p class="error" role="alert">Could not load ${what}: ${e.message} <span class="muted">(${e.code})</span></p>`;
}

export const taskLink = (id: string): H =>
  html`<a class="mono" href="/dashboard/tasks/${encodeURIComponent(id)}">${id}</a>`;

export function csrfField(v: Viewer): H {
  return html`<input type="hidden" name="csrf" value="${v.csrf}">`;
}

export function readOnlyNote(v: Viewer): H {
  return v.canAct
    ? html``
    : html`<p class="note">Actions need an admin key; this key has ${v.scopes.join(", ") || "no"} scope, so the buttons are disabled.</p>`;
}

export const disabled = (v: Viewer): H => (v.canAct ? html`` : html` disabled`);

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
  <div class="who"><span>tenant ${v.tenantName ? html`<b id="tenant-name">${v.tenantName}</b> ` : ""}<b class="mono">${v.tenantId}</b> · key <span class="mono">${v.keyId}</span> (${v.scopes.join(", ")})</span>
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
