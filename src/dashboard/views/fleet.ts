// Runners, agents and their quotas. Server-rendered; nothing here fetches.
import { html } from "hono/html";
import type { Agent, QuotaBucketView, Runner, SchedulerView } from "../../api/schemas.js";
import { type H, type Loaded, badge, loadError, meterBar, resources, time } from "./parts.js";

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
