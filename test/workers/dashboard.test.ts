// The dashboard's HTTP behaviour inside workerd: sign-in, the session cookie,
// CSRF, secure headers, read-only keys, empty states and errors. The browser
// flows (live refresh, clicking through) are in test/e2e/dashboard.test.ts.
import { runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/keys.js";
import { advance, BASE, call, fixture, getTask, leasedTask, newKey, ok, tenantDO, type Fixture } from "./helpers.js";

interface Page {
  status: number;
  text: string;
  headers: Headers;
}

async function get(path: string, cookie?: string, headers: Record<string, string> = {}, base = BASE): Promise<Page> {
  const res = await SELF.fetch(`${base}${path}`, {
    headers: { ...headers, ...(cookie ? { cookie } : {}) },
    redirect: "manual",
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

async function post(
  path: string,
  form: Record<string, string>,
  opts: { cookie?: string; origin?: string | null; base?: string } = {},
): Promise<Page> {
  const base = opts.base ?? BASE;
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (opts.origin !== null) headers.origin = opts.origin ?? base;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await SELF.fetch(`${base}${path}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Signs in and returns the cookie header to send, plus the form token of the session. */
async function signIn(key: string): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const r = await post("/dashboard/login", { key });
  expect(r.status).toBe(303);
  const setCookie = r.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  const page = await get("/dashboard", cookie);
  expect(page.status).toBe(200);
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error("no csrf token on the page");
  return { cookie, csrf, setCookie };
}

/** A task stopped at gate "send-email"; one per tenant (a lease takes the oldest queued task). */
async function waitingAtGate(f: Fixture): Promise<string> {
  const { id, epoch } = await leasedTask(f, "mailer");
  await ok(
    call("POST", `/v1/tasks/${id}/approval`, f.runner, { epoch, gate: "send-email", message: "Send 3 emails?" }),
  );
  return id;
}

describe("dashboard", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });

  it("sends a visitor without a session to the sign-in page, with strict secure headers", async () => {
    const r = await get("/dashboard");
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/dashboard/login");
    const login = await get("/dashboard/login");
    expect(login.status).toBe(200);
    expect(login.text).toContain('name="key"');
    const csp = login.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(login.headers.get("x-frame-options")).toBe("DENY");
    expect(login.headers.get("x-content-type-options")).toBe("nosniff");
    expect(login.headers.get("cache-control")).toBe("no-store");
    // No inline script anywhere: the one script is served from the Worker.
    expect(login.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
  });

  it("refuses a wrong, malformed or runner-only key with a message and no cookie", async () => {
    const wrong = f.admin.slice(0, -4) + (f.admin.endsWith("0000") ? "1111" : "0000");
    const bad = await post("/dashboard/login", { key: wrong });
    expect(bad.status).toBe(401);
    expect(bad.text).toContain("That key was not accepted");
    expect(bad.headers.get("set-cookie")).toBeNull();
    // The key typed in is never echoed back.
    expect(bad.text).not.toContain(wrong);

    const malformed = await post("/dashboard/login", { key: "hunter2" });
    expect(malformed.status).toBe(401);
    expect(malformed.text).toContain("not an OfficeOS API key");

    const runner = await post("/dashboard/login", { key: f.runner });
    expect(runner.status).toBe(403);
    expect(runner.text).toContain("needs a read or admin key");
    expect(runner.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a cross-site sign-in (hono/csrf origin check)", async () => {
    const r = await post("/dashboard/login", { key: f.admin }, { origin: "https://evil.example" });
    expect(r.status).toBe(403);
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(r.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("keeps the key in an HttpOnly SameSite=Strict cookie, never in a URL or the page", async () => {
    const s = await signIn(f.admin);
    expect(s.setCookie).toMatch(/HttpOnly/i);
    expect(s.setCookie).toMatch(/SameSite=Strict/i);
    expect(s.setCookie).toMatch(/Path=\/dashboard/);
    const r = await post("/dashboard/login", { key: f.admin });
    expect(r.headers.get("location")).toBe("/dashboard");
    for (const path of [
      "/dashboard",
      "/dashboard/approvals",
      "/dashboard/escalations",
      "/dashboard/runners",
      "/dashboard/agents",
    ]) {
      const page = await get(path, s.cookie);
      expect(page.status, path).toBe(200);
      expect(page.text).not.toContain(f.admin);
      expect(page.text).not.toContain(f.admin.split(".")[3]);
    }
  });

  it("over https the cookie is Secure and __Host- prefixed", async () => {
    const r = await post("/dashboard/login", { key: f.admin }, { base: "https://officeos.test" });
    expect(r.status).toBe(303);
    const sc = r.headers.get("set-cookie") ?? "";
    expect(sc.startsWith("__Host-oos_session=")).toBe(true);
    expect(sc).toMatch(/;\s*Secure/i);
    expect(sc).toMatch(/Path=\/(;|$)/);
    const page = await get("/dashboard/runners", sc.split(";")[0], {}, "https://officeos.test");
    expect(page.status).toBe(200);
  });

  it("shows clear empty states, and hides quotas when the control plane has none", async () => {
    const fresh = await fixture();
    const s = await signIn(fresh.admin);
    expect((await get("/dashboard/approvals", s.cookie)).text).toContain("No tasks waiting for approval");
    expect((await get("/dashboard/escalations", s.cookie)).text).toContain("No escalated tasks");
    expect((await get("/dashboard/runners", s.cookie)).text).toContain("No runners registered");
    const overview = await get("/dashboard", s.cookie);
    expect(overview.text).toContain("the queue is empty");
    expect(overview.text).toContain("No tasks running right now");
    const agents = await get("/dashboard/agents", s.cookie);
    expect(agents.text).toContain("No agents registered");
    const hasQuotas = (await call("GET", "/v1/quotas", fresh.admin)).status !== 404;
    expect(agents.text.includes('id="quotas"')).toBe(hasQuotas);
  });

  it("the quota table shows each bucket's key, rate per minute and how often it throttled", async () => {
    const q = await fixture();
    const { id, epoch } = await leasedTask(q, "chat");
    // After leasedTask, which registers the agent without a quota.
    await ok(call("PUT", "/v1/agents/chat", q.admin, { quota: { llm_tpm: 60, llm_tokens_burst: 100 } }));
    const reserve = () => call("POST", "/v1/quotas/reservations", q.runner, { task_id: id, epoch, tokens: 100 });
    expect((await reserve()).status).toBe(201);
    // The bucket is empty now: two refusals.
    expect((await reserve()).status).toBe(429);
    expect((await reserve()).status).toBe(429);
    const s = await signIn(q.admin);
    const page = await get("/dashboard/agents", s.cookie);
    const row = /<tr data-bucket="agent:chat:llm_tokens">([\s\S]*?)<\/tr>/.exec(page.text)?.[1];
    if (!row) throw new Error(`no agent:chat:llm_tokens row in\n${page.text}`);
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) =>
      (m[1] ?? "").replace(/<[^>]+>/g, "").trim(),
    );
    // scope, key, kind, rate / min, burst, level, state.
    expect(cells[0]).toBe("agent");
    expect(cells[1]).toBe("chat");
    expect(cells[2]).toBe("llm_tokens");
    expect(cells[3]).toBe("60");
    expect(cells[4]).toBe("100");
    expect(cells[6]).toBe("throttled 2");
  });

  it("a refresh fetches only the live region", async () => {
    const s = await signIn(f.admin);
    const frag = await get("/dashboard/approvals", s.cookie, { "x-dashboard-fragment": "1" });
    expect(frag.status).toBe(200);
    expect(frag.text.startsWith('<div id="live"')).toBe(true);
    expect(frag.text).not.toContain("<html");
    // Signed out, a refresh gets a 401 (the script reloads into the sign-in page).
    expect((await get("/dashboard/approvals", undefined, { "x-dashboard-fragment": "1" })).status).toBe(401);
  });

  it("approves a gate with the session's form token, and refuses one without it or from another site", async () => {
    const id = await waitingAtGate(f);
    const s = await signIn(f.admin);
    const page = await get("/dashboard/approvals", s.cookie);
    expect(page.text).toContain("Send 3 emails?");
    expect(page.text).toContain(`action="/dashboard/approvals/${id}"`);

    const noToken = await post(
      `/dashboard/approvals/${id}`,
      { decision: "approve", gate: "send-email" },
      { cookie: s.cookie },
    );
    expect(noToken.status).toBe(403);
    const badToken = await post(
      `/dashboard/approvals/${id}`,
      { decision: "approve", gate: "send-email", csrf: "0".repeat(64) },
      { cookie: s.cookie },
    );
    expect(badToken.status).toBe(403);
    const crossSite = await post(
      `/dashboard/approvals/${id}`,
      { decision: "approve", gate: "send-email", csrf: s.csrf },
      { cookie: s.cookie, origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    expect((await getTask(f, id)).state).toBe("awaiting_approval");

    const done = await post(
      `/dashboard/approvals/${id}`,
      { decision: "approve", gate: "send-email", comment: "ok to send", csrf: s.csrf, back: "/dashboard/approvals" },
      { cookie: s.cookie },
    );
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/dashboard/approvals");
    const t = await getTask(f, id);
    expect(t.state).toBe("queued");
    expect(t.approvals["send-email"]).toMatchObject({ decision: "approve", comment: "ok to send" });
    // The flash message is shown once on the page the action led back to.
    const flash = (done.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const after = await get("/dashboard/approvals", `${s.cookie}; ${flash}`);
    expect(after.text).toContain("Approved gate send-email");
  });

  it("a read key sees everything, its buttons are disabled, and the API refuses its actions", async () => {
    const f = await fixture();
    const id = await waitingAtGate(f);
    const s = await signIn(f.read);
    const page = await get("/dashboard/approvals", s.cookie);
    expect(page.text).toContain("Actions need an admin key");
    expect(page.text).toMatch(/value="approve" class="primary" disabled/);
    const r = await post(
      `/dashboard/approvals/${id}`,
      { decision: "approve", gate: "send-email", csrf: s.csrf, back: "/dashboard/approvals" },
      { cookie: s.cookie },
    );
    expect(r.status).toBe(303);
    expect(decodeURIComponent(r.headers.get("set-cookie") ?? "")).toContain("forbidden");
    expect((await getTask(f, id)).state).toBe("awaiting_approval");
  });

  it("shows API errors inline, never a stack: a bad JSON result, an action on a task not escalated", async () => {
    const f = await fixture();
    const id = await waitingAtGate(f);
    const s = await signIn(f.admin);
    const badJson = await post(
      `/dashboard/escalations/${id}`,
      { action: "resolve", result: "{nope", csrf: s.csrf, back: "/dashboard/escalations" },
      { cookie: s.cookie },
    );
    expect(badJson.status).toBe(303);
    const flash1 = (badJson.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    expect((await get("/dashboard/escalations", `${s.cookie}; ${flash1}`)).text).toContain(
      "The result is not valid JSON",
    );

    const notEscalated = await post(
      `/dashboard/escalations/${id}`,
      { action: "resolve", result: "{}", csrf: s.csrf, back: "/dashboard/escalations" },
      { cookie: s.cookie },
    );
    const flash2 = (notEscalated.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const shown = await get("/dashboard/escalations", `${s.cookie}; ${flash2}`);
    expect(shown.text).toMatch(/Could not resolve task .*\(conflict\)/);
    expect((await getTask(f, id)).state).toBe("awaiting_approval");

    const missing = await get("/dashboard/tasks/nosuchtask", s.cookie);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain("No task");
    expect(missing.text).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it("signing out clears the cookie", async () => {
    const s = await signIn(f.admin);
    const r = await post("/dashboard/logout", { csrf: s.csrf }, { cookie: s.cookie });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe("/dashboard/login?signed_out");
    expect(r.headers.get("set-cookie")).toMatch(/oos_session=;.*Max-Age=0/i);
  });

  // Issue 15: sessions are random ids stored server-side; the cookie never holds the key.
  it("the cookie holds a random session id, not the API key nor any part of it", async () => {
    const a = await signIn(f.admin);
    const b = await signIn(f.admin);
    const value = decodeURIComponent(a.cookie.slice(a.cookie.indexOf("=") + 1));
    const [, tenant, keyId, secret] = f.admin.split(".") as [string, string, string, string];
    expect(value).not.toContain(f.admin);
    expect(value).not.toContain(secret);
    expect(value).not.toContain(keyId);
    expect(value).toMatch(new RegExp(`^${tenant}\\.[0-9a-f]{64}$`));
    // Each sign-in is its own session.
    expect(b.cookie).not.toBe(a.cookie);
    // The row stores neither the key nor the cookie's secret.
    const rows = await runInDurableObject(tenantDO(f.admin), (_o, state: DurableObjectState) =>
      state.storage.sql
        .exec<{ id: string; sealed: ArrayBuffer }>("SELECT id, sealed FROM dashboard_sessions")
        .toArray()
        .map((r) => ({ id: r.id, sealed: new TextDecoder().decode(r.sealed) })),
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const cookieSecret = value.split(".")[1] as string;
    for (const r of rows) {
      expect(r.id).not.toBe(cookieSecret);
      expect(r.sealed).not.toContain(secret);
    }
  });

  it("logout deletes the session: the old cookie is refused afterwards", async () => {
    const s = await signIn(f.admin);
    expect((await get("/dashboard/runners", s.cookie)).status).toBe(200);
    await post("/dashboard/logout", { csrf: s.csrf }, { cookie: s.cookie });
    // The browser would drop the cookie; an attacker who kept a copy gets nothing.
    const page = await get("/dashboard/runners", s.cookie);
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe("/dashboard/login?expired");
    expect((await get("/dashboard/runners", s.cookie, { "x-dashboard-fragment": "1" })).status).toBe(401);
    const action = await post(
      "/dashboard/approvals/task_x",
      { decision: "approve", gate: "g", csrf: s.csrf },
      { cookie: s.cookie },
    );
    expect(action.status).toBe(303);
    expect(action.headers.get("location")).toBe("/dashboard/login?expired");
  });

  it("an expired session is refused, and a forged or malformed cookie too", async () => {
    const s = await signIn(f.admin);
    // 12 h and a minute later, by the tenant's clock.
    await advance(f.admin, 12 * 3600_000 + 60_000);
    try {
      const page = await get("/dashboard", s.cookie);
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toBe("/dashboard/login?expired");
      const id = await sha256Hex(decodeURIComponent(s.cookie).split(".").at(-1) as string);
      const left = await runInDurableObject(
        tenantDO(f.admin),
        (_o, state: DurableObjectState) =>
          state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM dashboard_sessions WHERE id = ?", id).one()
            .n,
      );
      expect(left).toBe(0); // the expired row the cookie named went with the refusal
    } finally {
      await advance(f.admin, -(12 * 3600_000 + 60_000));
    }
    const tenant = f.admin.split(".")[1];
    for (const cookie of [
      `oos_session=${tenant}.${"0".repeat(64)}`,
      `oos_session=${f.admin}`,
      `oos_session=${encodeURIComponent(f.admin)}`,
      "oos_session=garbage",
    ]) {
      const page = await get("/dashboard", cookie);
      expect(page.status, cookie).toBe(303);
      expect(page.headers.get("location"), cookie).toBe("/dashboard/login?expired");
    }
  });

  it("revoking the key ends its sessions", async () => {
    const reader = await newKey(f.admin, ["read"]);
    const s = await signIn(reader);
    await ok(call("DELETE", `/v1/keys/${reader.split(".")[2]}`, f.admin));
    expect((await get("/dashboard", s.cookie)).status).toBe(303);
    const n = await runInDurableObject(
      tenantDO(f.admin),
      (_o, state: DurableObjectState) =>
        state.storage.sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM dashboard_sessions WHERE key_id = ?", reader.split(".")[2])
          .one().n,
    );
    expect(n).toBe(0);
  });
});
