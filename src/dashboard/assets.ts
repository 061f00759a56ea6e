// The dashboard's one stylesheet and one script, served from the Worker
// (`/dashboard/assets/*`) so the Content-Security-Policy can forbid every inline
// script and style. No fonts, no CDNs, no build step.

export const CSS = `
:root { --fg:#1d2330; --muted:#5b6475; --line:#dde1e8; --bg:#f6f7f9; --card:#fff; --accent:#2856c7;
  --ok:#1d7a3c; --warn:#9a6200; --bad:#b42318; --info:#3559a8; }
* { box-sizing: border-box; }
html { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { display: flex; align-items: center; gap: 16px; padding: 8px 20px; background: #1d2330; color: #fff; flex-wrap: wrap; }
header.top .brand { font-weight: 700; letter-spacing: .3px; color: #fff; }
header.top nav { display: flex; gap: 4px; flex-wrap: wrap; }
header.top nav a { color: #cfd6e4; padding: 4px 10px; border-radius: 4px; }
header.top nav a.active, header.top nav a:hover { background: #333c50; color: #fff; text-decoration: none; }
header.top .who { margin-left: auto; display: flex; gap: 10px; align-items: center; color: #cfd6e4; font-size: 12px; }
header.top .who form { margin: 0; }
.count { display: inline-block; min-width: 18px; padding: 0 5px; margin-left: 4px; border-radius: 9px; background: #b42318; color: #fff; font-size: 11px; text-align: center; }
main { max-width: 1320px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 20px; margin: 4px 0 12px; }
h2 { font-size: 16px; margin: 20px 0 8px; }
.card > h2:first-child, .card > h1:first-child { margin-top: 0; }
section.card, .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-bottom: 14px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; white-space: nowrap; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
pre { background: #f2f4f7; border: 1px solid var(--line); border-radius: 4px; padding: 8px; margin: 4px 0; max-height: 260px; overflow: auto; white-space: pre-wrap; word-break: break-word; }
.muted { color: var(--muted); }
.empty { color: var(--muted); padding: 14px 4px; font-style: italic; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e8ebf0; color: var(--fg); white-space: nowrap; }
.badge.queued, .badge.retry_wait, .badge.leased, .badge.draining, .badge.not_ready { background: #fff1d6; color: var(--warn); }
.badge.running, .badge.awaiting_approval { background: #e1e9fb; color: var(--info); }
.badge.succeeded, .badge.ready, .badge.approve { background: #dcf2e3; color: var(--ok); }
.badge.failed, .badge.escalated, .badge.dead, .badge.reject { background: #fde3e1; color: var(--bad); }
.badge.cancelled { background: #eceef2; color: var(--muted); }
.flash, .error, .note { border-radius: 4px; padding: 8px 12px; margin: 0 0 12px; }
.flash.ok { background: #dcf2e3; color: var(--ok); border: 1px solid #b5e0c2; }
.flash.error, .error { background: #fde3e1; color: var(--bad); border: 1px solid #f5bdb8; }
.note { background: #eef2fa; color: var(--info); border: 1px solid #cdd8ef; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
.stats { display: flex; gap: 10px; flex-wrap: wrap; margin-bottom: 14px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.stat b { display: block; font-size: 20px; }
.stat span { color: var(--muted); font-size: 12px; }
.bar { display: flex; align-items: center; gap: 8px; font-size: 12px; white-space: nowrap; }
.bar meter { width: 120px; height: 12px; }
.bar .label { min-width: 90px; color: var(--muted); }
form.inline { display: inline; }
.actions { display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-start; margin-top: 8px; }
.actions form { flex: 1 1 260px; border: 1px solid var(--line); border-radius: 4px; padding: 8px; background: #fafbfc; }
.actions form h3 { font-size: 13px; margin: 0 0 6px; }
label { display: block; font-size: 12px; color: var(--muted); margin: 4px 0 2px; }
input[type=text], input[type=password], textarea { width: 100%; padding: 6px 8px; border: 1px solid #c5cbd6; border-radius: 4px; font: inherit; background: #fff; }
textarea { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; min-height: 56px; resize: vertical; }
button { font: inherit; padding: 5px 12px; border-radius: 4px; border: 1px solid #b8c0cf; background: #fff; cursor: pointer; margin-top: 6px; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.danger { background: #fff; border-color: #e3a6a0; color: var(--bad); }
button:disabled { opacity: .5; cursor: not-allowed; }
header.top button { margin: 0; padding: 2px 10px; background: transparent; color: #cfd6e4; border-color: #4a5468; }
.login { max-width: 420px; margin: 80px auto; }
.login h1 { margin-bottom: 4px; }
.kv { display: grid; grid-template-columns: 140px 1fr; gap: 2px 12px; font-size: 13px; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; }
.live-status { font-size: 11px; color: var(--muted); float: right; }
`;

/**
 * Live refresh: every 2 s the page's `#live` region is fetched again as a
 * fragment and swapped in, unless a form in it is being filled in (focus or
 * edits), the tab is hidden, or the region says it is final. Forms ask for
 * confirmation when they carry `data-confirm`, and disable their buttons once sent.
 */
export const JS = `(() => {
  "use strict";
  const live = document.getElementById("live");
  const status = () => document.getElementById("live-status");
  let dirty = false;
  let busy = false;
  const interacting = () => {
    if (!live) return false;
    const a = document.activeElement;
    return dirty || (a && live.contains(a) && /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(a.tagName));
  };
  document.addEventListener("input", (e) => { if (live && live.contains(e.target)) dirty = true; });
  document.addEventListener("submit", (e) => {
    const f = e.target;
    const msg = f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); return; }
    // Later, not now: a disabled submitter would drop its name=value from the form data.
    setTimeout(() => { for (const b of f.querySelectorAll("button")) b.disabled = true; }, 0);
    dirty = true;
  });
  async function refresh() {
    if (!live || busy || document.hidden || live.getAttribute("data-final") === "1") return;
    if (interacting()) {
      const s = status();
      if (s) s.textContent = "live refresh paused while you edit";
      return;
    }
    busy = true;
    try {
      const r = await fetch(location.pathname + location.search, { headers: { "x-dashboard-fragment": "1" }, credentials: "same-origin", cache: "no-store" });
      if (r.status === 401 || r.redirected) { location.reload(); return; }
      if (!r.ok) throw new Error("HTTP " + r.status);
      const text = await r.text();
      if (interacting()) return;
      const t = document.createElement("template");
      t.innerHTML = text;
      const next = t.content.firstElementChild;
      if (next && next.id === "live") {
        live.replaceChildren(...next.childNodes);
        live.setAttribute("data-final", next.getAttribute("data-final") || "0");
      }
      const s = status();
      if (s) s.textContent = "updated " + new Date().toLocaleTimeString();
    } catch (e) {
      const s = status();
      if (s) s.textContent = "refresh failed (" + e.message + "), retrying";
    } finally {
      busy = false;
    }
  }
  if (live) setInterval(refresh, 2000);
})();
`;
