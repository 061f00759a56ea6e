// The dashboard's task page inside workerd (issue #18): why a task waits, the per-attempt timeline,
// the error's stderr tail and the rule that stopped the retries, the log panel ("no logs" when the
// control plane has none), and the cancel button (session form token, the existing cancel API).
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, call, fixture, getTask, lease, leasedTask, ok, putAgent, registerRunner, submit } from "./helpers.js";

async function get(path: string, cookie: string): Promise<{ status: number; text: string }> {
  const res = await SELF.fetch(`${BASE}${path}`, { headers: { cookie }, redirect: "manual" });
  return { status: res.status, text: await res.text() };
}

async function post(path: string, form: Record<string, string>, cookie?: string) {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", origin: BASE };
  if (cookie) headers.cookie = cookie;
  const res = await SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form).toString(),
    redirect: "manual",
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function signIn(key: string): Promise<{ cookie: string; csrf: string }> {
  const r = await post("/dashboard/login", { key });
  expect(r.status).toBe(303);
  const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const page = await get("/dashboard", cookie);
  const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error("no csrf token on the page");
  return { cookie, csrf };
}

describe("the task page", () => {
  it("says why a queued task waits, and its cancel button cancels it", async () => {
    const f = await fixture();
    await putAgent(f, "triage", { capabilities: ["crm-api"] });
    await registerRunner(f, { name: "plain", capacity: {} });
    const task = await submit(f, { agent: "triage" });
    const { cookie, csrf } = await signIn(f.admin);
    const page = await get(`/dashboard/tasks/${task.id}`, cookie);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/id="waiting" data-reason="missing_capability"/);
    expect(page.text).toContain("crm-api");
    expect(page.text).toContain('id="no-logs"');
    expect(page.text).toContain("No attempt yet.");
    expect(page.text).toContain(`action="/dashboard/tasks/${task.id}/cancel"`);

    const done = await post(
      `/dashboard/tasks/${task.id}/cancel`,
      { csrf, back: `/dashboard/tasks/${task.id}` },
      cookie,
    );
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe(`/dashboard/tasks/${task.id}`);
    expect((await getTask(f, task.id)).state).toBe("cancelled");
    // Without the form token: refused, nothing cancelled.
    const other = await submit(f, { agent: "triage" });
    expect((await post(`/dashboard/tasks/${other.id}/cancel`, { csrf: "0".repeat(64) }, cookie)).status).toBe(403);
    expect((await getTask(f, other.id)).state).toBe("queued");
  });

  it("shows each attempt (runner, outcome, the rule that stopped the retries) and the stderr tail", async () => {
    const f = await fixture();
    await putAgent(f, "crash", { retry: { max_attempts: 3, backoff: { initial_ms: 0, max_ms: 0 } } });
    const runnerId = await registerRunner(f, { name: "box-1", capacity: {} });
    const task = await submit(f, { agent: "crash" });
    const error = {
      code: "agent_exited",
      message: "agent exited with code 1 before reporting",
      details: { stderr_tail: ["at main (/work/agent.js:1)", "Error: Cannot find module 'left-pad'"] },
    };
    const [l1] = await lease(f, runnerId);
    await ok(call("POST", `/v1/tasks/${task.id}/fail`, f.runner, { epoch: l1.epoch, error }));
    const { cookie } = await signIn(f.read);
    const page = await get(`/dashboard/tasks/${task.id}`, cookie);
    expect(page.status).toBe(200);
    const timeline = /<table id="timeline">[\s\S]*?<\/table>/.exec(page.text)?.[0] ?? "";
    expect(timeline).toContain('data-attempt="1"');
    expect(timeline).toContain("box-1");
    expect(timeline).toContain('data-state="attempt_failed"');
    expect(timeline).toContain('data-deterministic="module_not_found"');
    // Absolute times on hover.
    expect(timeline).toMatch(/<time datetime="[^"]+" title="\d{4}-\d\d-\d\dT/);
    expect(page.text).toContain('id="task-deterministic"');
    expect(page.text).toMatch(/id="stderr-tail">at main[^<]*\nError: Cannot find module &#39;left-pad&#39;/);
    // A read key sees the buttons disabled (escalated: cancel and retry).
    expect(page.text).toMatch(/id="cancel-task" disabled/);
    expect(page.text).toMatch(/id="retry-task" disabled/);
  });

  it("lists the instance's checkpoint history (seq, kind, size, time), on the API and the page", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f, "writer");
    const put = (body: unknown) => ok(call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, body));
    await put({ epoch, state: { messages: [{ role: "user", content: "hi" }], cursor: { step: 1 } } });
    await put({
      epoch,
      delta: { base_seq: 1, messages: [{ role: "assistant", content: "hello" }], cursor: { step: 2 } },
    });
    const { checkpoints } = await ok(call("GET", `/v1/tasks/${id}/checkpoints`, f.read));
    expect(checkpoints.map((c: { seq: number; kind: string }) => [c.seq, c.kind])).toEqual([
      [2, "delta"],
      [1, "full"],
    ]);
    for (const c of checkpoints) {
      expect(c).toMatchObject({ task_id: id, epoch, size: expect.any(Number) });
      expect(c.size).toBeGreaterThan(0);
      expect(Number.isNaN(Date.parse(c.created_at))).toBe(false);
    }
    expect((await ok(call("GET", `/v1/tasks/${id}/checkpoints?limit=1`, f.read))).checkpoints).toHaveLength(1);
    expect((await call("GET", `/v1/tasks/${id}/checkpoints?limit=0`, f.read)).status).toBe(400);
    expect((await call("GET", "/v1/tasks/task_nope/checkpoints", f.read)).status).toBe(404);
    const { cookie } = await signIn(f.read);
    const page = await get(`/dashboard/tasks/${id}`, cookie);
    const table = /<table id="checkpoints">[\s\S]*?<\/table>/.exec(page.text)?.[0] ?? "";
    expect(table).toMatch(/<td class="num">2<\/td><td>delta<\/td>/);
    expect(table).toMatch(/<td class="num">1<\/td><td>full<\/td>/);
  });
});
