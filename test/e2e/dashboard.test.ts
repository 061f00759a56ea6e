// The dashboard in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core) against the real control plane under wrangler dev and a real
// agent-runner: sign in, watch a task run (its attempt timeline), see why a task waits and cancel it,
// approve a gate, resolve an escalation.
// Screenshots go to test-artifacts/dashboard/ (git-ignored).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumPath, skipWithout } from "../../scripts/lib/prereqs.mjs";
import { api, ROOT, startRunner, type Api } from "../../scripts/lib/stack.mjs";
import { finished, useStack } from "./helpers.js";

const CHROMIUM = chromiumPath();
/** Under CI=true a missing Chromium fails the run (scripts/lib/prereqs.mjs); elsewhere the file skips, loudly. */
const noChromium = skipWithout("chromium");
const SHOTS = join(ROOT, "test-artifacts/dashboard");
const RUNNER_TIMING = {
  lease_ttl_ms: 5000,
  heartbeat_interval_ms: 500,
  lease_wait_ms: 10_000,
  drain_timeout_ms: 10_000,
  log_level: "info",
};
/** How long the browser waits for something the live refresh (every 2 s) must bring. */
const LIVE_MS = 30_000;

const s = useStack("dashboard");
let profile = "";
let browser: BrowserContext | undefined;
let page: Page;
let runnerApi: Api;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  if (noChromium) return;
  mkdirSync(SHOTS, { recursive: true });
  s.runners.push(
    startRunner({ dir: s.dir, name: "dash-runner", url: s.cp.url, key: s.runnerKey, extra: RUNNER_TIMING }),
  );
  await s.runners[0]!.waitForLog((e) => e.msg === "runner ready");
  runnerApi = api(s.cp.url, s.runnerKey);
  profile = mkdtempSync(join(tmpdir(), "officeos-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1366, height: 768 },
    timeout: 60_000,
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(LIVE_MS);
  // A CSP violation or a script error fails the last test below (a 401 answer to
  // the wrong key is expected, so failed loads are not counted).
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
});

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(noChromium)("dashboard in headless Chromium", () => {
  it("signs in: a wrong key first (message shown), then the admin key", async () => {
    await page.goto(`${s.cp.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/login");
    const admin = s.adminKey;
    const wrong = admin.slice(0, -6) + (admin.endsWith("000000") ? "111111" : "000000");
    await page.fill("#key", wrong);
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent("#login-error")).toContain("That key was not accepted");
    await shot("01-sign-in-wrong-key");
    expect(page.url()).not.toContain(wrong.split(".")[3]!);

    await page.fill("#key", admin);
    await page.click("button[type=submit]");
    await page.waitForURL(`${s.cp.url}/dashboard`);
    expect(await page.textContent("header.top")).toContain("admin");
    // The key is in an HttpOnly cookie: not readable by the page, not in the URL or the HTML.
    expect(await page.evaluate("document.cookie")).toBe("");
    expect(page.url()).not.toContain(admin.split(".")[3]!);
    expect(await page.content()).not.toContain(admin.split(".")[3]!);
    const cookies = await browser!.cookies();
    const session = cookies.find((c) => c.name === "oos_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/dashboard" });
    await shot("02-overview");
  });

  it("watches a task run: it shows up under Running, and its page follows the events through to succeeded", async () => {
    const file = join(s.dir, "watched.log");
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "pipeline",
      input: { steps: 5, file, step_ms: 700 },
    });
    // The overview, already open, picks the task up by itself.
    await page.goto(`${s.cp.url}/dashboard`);
    await page.waitForSelector(`#running a:has-text("${task.id}")`, { timeout: LIVE_MS });
    const row = await page.textContent(`#running tr:has(a:has-text("${task.id}"))`);
    expect(row).toContain("dash-runner");
    await shot("03-running");

    await page.click(`#running a:has-text("${task.id}")`);
    await page.waitForURL(`**/dashboard/tasks/${task.id}`);
    expect(await page.getAttribute("#task-state .badge", "data-state")).not.toBe("succeeded");
    // No reload from here on: the live refresh brings each new event.
    await page.waitForSelector('#events tr[data-event="running"]');
    await page.waitForSelector('#task-state .badge[data-state="succeeded"]', { timeout: 60_000 });
    await page.waitForSelector('#events tr[data-event="succeeded"]');
    expect(JSON.parse((await page.textContent("#task-result")) ?? "null")).toEqual({ steps: 5, sum: 15 });
    expect(await page.textContent("#task-input")).toContain("watched.log");
    const types = await page.$$eval("#events tr[data-event]", (rows) => rows.map((r) => r.getAttribute("data-event")));
    expect(types[0]).toBe("submitted");
    expect(types).toContain("leased");
    expect(types.at(-1)).toBe("succeeded");
    // The timeline: one attempt, on dash-runner, leased, running, succeeded, each time absolute on hover.
    const attempt = '#timeline tr[data-attempt="1"]';
    await page.waitForSelector(`${attempt} .badge[data-state="succeeded"]`);
    expect(await page.textContent(attempt)).toContain("dash-runner");
    const titles = await page.$$eval(`${attempt} time`, (ts) => ts.map((t) => t.getAttribute("title")));
    expect(titles.length).toBeGreaterThanOrEqual(4);
    for (const t of titles) expect(Number.isNaN(Date.parse(t ?? ""))).toBe(false);
    // The log panel: what the agent printed, one line a step (the page is read again: lines are loaded with it).
    await expect
      .poll(async () => (await page.reload(), await page.textContent("#log-panel")), { timeout: 30_000 })
      .toContain("step 5 of 5 done");
    expect(await page.getAttribute('#logs tr:has-text("step 1 of 5 done")', "data-stream")).toBe("stdout");
    await shot("04-task-succeeded");
  });

  it("a task no runner can take says why on its page, and its cancel button cancels it", async () => {
    await s.admin("PUT", "/v1/agents/triage", { capabilities: ["crm-api"] });
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", { agent: "triage", input: {} });
    await page.goto(`${s.cp.url}/dashboard/tasks/${task.id}`);
    // dash-runner neither offers triage nor has crm-api: the reason names the closer miss.
    await page.waitForSelector("#waiting[data-reason]");
    expect(["no_runner_offers_agent", "missing_capability"]).toContain(
      await page.getAttribute("#waiting", "data-reason"),
    );
    expect(await page.textContent("#waiting-message")).toMatch(/triage|crm-api/);
    expect(await page.textContent("body")).toContain("No attempt yet.");
    await page.waitForSelector("#log-panel");
    await shot("11-task-waiting");
    page.once("dialog", (d) => void d.accept());
    await page.click("#cancel-task");
    await page.waitForSelector(".flash.ok");
    expect(await page.textContent(".flash.ok")).toContain(`Cancelled task ${task.id}`);
    await page.waitForSelector('#task-state .badge[data-state="cancelled"]');
    expect(await page.$("#cancel-task")).toBeNull();
    expect((await s.admin<{ task: { state: string } }>("GET", `/v1/tasks/${task.id}`)).task.state).toBe("cancelled");
    await shot("12-task-cancelled");
  });

  it("approves a gate: the request appears live, the decision resumes the task", async () => {
    await s.admin("PUT", "/v1/agents/mailer", { resources: { cpu: 100, memory_mb: 64 } });
    // A runner that serves only `mailer`, driven over the HTTP API as the runner
    // would: it leases the task and stops it at a gate.
    const { runner } = await runnerApi<{ runner: { id: string } }>("POST", "/v1/runners", {
      name: "gatekeeper",
      capacity: { cpu: 1000, memory_mb: 1024 },
      agents: ["mailer"],
    });
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "mailer",
      input: { to: ["a@example.com", "b@example.com", "c@example.com"] },
    });
    const { leases } = await runnerApi<{ leases: { epoch: number; lease_token: string; task: { id: string } }[] }>(
      "POST",
      `/v1/runners/${runner.id}/lease`,
      { max_tasks: 1, wait_ms: 5000 },
    );
    expect(leases.map((l) => l.task.id)).toEqual([task.id]);

    await page.goto(`${s.cp.url}/dashboard/approvals`);
    expect(await page.textContent("#live")).toContain("No tasks waiting for approval");
    const asked = await runnerApi<{ state: string }>(
      "POST",
      `/v1/tasks/${task.id}/approval`,
      { epoch: leases[0]!.epoch, gate: "send-email", message: "Send 3 emails?", details: { count: 3 } },
      { "officeos-lease-token": leases[0]!.lease_token },
    );
    expect(asked.state).toBe("awaiting_approval");
    const card = `section.approval[data-task="${task.id}"]`;
    await page.waitForSelector(card, { timeout: LIVE_MS });
    expect(await page.textContent(card)).toContain("Send 3 emails?");
    await page.fill(`${card} input[name=comment]`, "looks right");
    await shot("05-approval-waiting");
    await page.click(`${card} button[value=approve]`);
    await page.waitForSelector(".flash.ok");
    expect(await page.textContent(".flash.ok")).toContain(`Approved gate send-email of task ${task.id}`);
    expect(await page.textContent("#live")).toContain("No tasks waiting for approval");
    await shot("06-approved");

    const t = (await s.admin<{ task: any }>("GET", `/v1/tasks/${task.id}`)).task;
    expect(t.state).toBe("queued");
    expect(t.approvals["send-email"]).toMatchObject({ decision: "approve", comment: "looks right" });
  });

  it("resolves an escalation with a JSON result", async () => {
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "echo",
      input: { fail: "upstream_down" },
      retry: { max_attempts: 1 },
    });
    const esc = await finished(s.submit, task.id);
    expect(esc.state).toBe("escalated");

    await page.goto(`${s.cp.url}/dashboard/escalations`);
    const card = `section.escalation[data-task="${task.id}"]`;
    await page.waitForSelector(card);
    expect(await page.textContent(card)).toContain("upstream_down");
    // A result that is not JSON is refused with a message, and nothing changes.
    await page.fill(`#result-${task.id}`, "{not json");
    await page.click(`${card} form:has(input[value=resolve]) button[type=submit]`);
    await page.waitForSelector(".flash.error");
    expect(await page.textContent(".flash.error")).toContain("not valid JSON");
    expect((await s.admin<{ task: any }>("GET", `/v1/tasks/${task.id}`)).task.state).toBe("escalated");

    await page.fill(`#result-${task.id}`, '{"resolved_by": "dashboard", "sent": false}');
    await page.fill(`#scomment-${task.id}`, "upstream is down for the day; closing by hand");
    await shot("07-escalation");
    await page.click(`${card} form:has(input[value=resolve]) button[type=submit]`);
    await page.waitForSelector(".flash.ok");
    expect(await page.textContent(".flash.ok")).toContain(`Resolved task ${task.id}`);
    expect(await page.textContent("#live")).toContain("No escalated tasks");
    const t = (await s.admin<{ task: any }>("GET", `/v1/tasks/${task.id}`)).task;
    expect(t.state).toBe("succeeded");
    expect(t.result).toEqual({ resolved_by: "dashboard", sent: false });
    await shot("08-resolved");
  });

  it("shows runners with their resource use and agents with their shares, then signs out", async () => {
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "pipeline",
      input: { steps: 8, file: join(s.dir, "busy.log"), step_ms: 700 },
    });
    await page.goto(`${s.cp.url}/dashboard/runners`);
    // The pipeline agent's 250 millicores show up as allocated on the runner, by live refresh.
    const row = 'tr[data-runner="dash-runner"]';
    await page.waitForSelector(`${row}:has-text("250m / 4000m")`, { timeout: LIVE_MS });
    expect(await page.$$eval(`${row} meter`, (m) => m.map((x) => Number(x.getAttribute("value"))))).toContain(250);
    expect(await page.textContent(row)).toContain("ready");
    await shot("09-runners");
    await page.goto(`${s.cp.url}/dashboard/agents`);
    await page.waitForSelector('#shares tr[data-agent="pipeline"]');
    await shot("10-agents");
    expect((await finished(s.submit, task.id)).state).toBe("succeeded");
    await page.click("header.top button[type=submit]");
    await page.waitForURL("**/dashboard/login?signed_out");
    expect((await browser!.cookies()).find((c) => c.name === "oos_session")).toBeUndefined();
    await page.goto(`${s.cp.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/dashboard/login");
    expect(pageErrors).toEqual([]);
  });
});
