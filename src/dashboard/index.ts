// The web dashboard at /dashboard: server-rendered pages over the HTTP API
// (called in-process with the signed-in key), a little script for live refresh.
// Not part of the OpenAPI document: these are pages, not API.
//
// Security: the key only ever travels in the session cookie (see session.ts);
// every POST passes hono/csrf (Origin / Sec-Fetch-Site must be this site) and,
// once signed in, must carry the session's CSRF token; hono/secure-headers sets a
// CSP that allows scripts and styles from this origin only (no inline code) and
// forbids framing.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { z } from "zod";
import { getCookie } from "hono/cookie";
import { authenticateKey, hasScope, tenantStub, type Caller } from "../api/context.js";
import { ApiError } from "../api/errors.js";
import type { Agent, Runner, SchedulerView, Task, TaskEvents } from "../api/schemas.js";
import type { Env } from "../env.js";
import { DashApi, type ApiFetch, type ApiResult } from "./api.js";
import { CSS, JS } from "./assets.js";
import {
  csrfToken,
  csrfValid,
  endSession,
  readSession,
  setFlash,
  startSession,
  takeFlash,
  type Session,
} from "./session.js";
import {
  agentsView,
  approvalsView,
  errorPage,
  escalationsView,
  isFinal,
  layout,
  liveRegion,
  loginPage,
  runnersView,
  tasksView,
  taskView,
  type ApprovalItem,
  type EscalationItem,
  type H,
  type Loaded,
  type PageId,
  type QuotaBucket,
  type RunningRow,
  type Viewer,
  type LogLine,
  type CheckpointRecord,
} from "./views.js";

interface Dash {
  api: DashApi;
  viewer: Viewer;
  session: Session;
}
type DashEnv = { Bindings: Env; Variables: { dash: Dash } };
type C = Context<DashEnv>;

const FRAGMENT_HEADER = "x-dashboard-fragment";
/** Running tasks whose last checkpoint time is looked up per page view. */
const CHECKPOINT_LOOKUPS = 40;

const loaded = <T, U = T>(r: ApiResult<T>, map?: (t: T) => U): Loaded<U> =>
  r.ok
    ? { ok: true, data: map ? map(r.data) : (r.data as unknown as U) }
    : { ok: false, message: r.message, code: r.code };

function executionCtx(c: C): ExecutionContext | undefined {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}

/** A same-site path to go back to after an action; anything else goes to the overview. */
function safeBack(v: unknown): string {
  return typeof v === "string" && /^\/dashboard(\/[A-Za-z0-9_-]+)*$/.test(v) ? v : "/dashboard";
}

const TaskIdParam = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/);

export function createDashboard(apiFetch: ApiFetch): Hono<DashEnv> {
  const d = new Hono<DashEnv>();

  d.use(
    "/dashboard/*",
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      xFrameOptions: "DENY",
      referrerPolicy: "no-referrer",
      crossOriginResourcePolicy: "same-origin",
    }),
  );
  d.use("/dashboard/*", csrf());
  d.use("/dashboard/*", async (c, next) => {
    await next();
    if (!c.req.path.startsWith("/dashboard/assets/")) c.header("Cache-Control", "no-store");
  });

  d.onError((err, c) => {
    // Cross-site POSTs (hono/csrf) and anything unexpected: a page, never a stack.
    const status = err instanceof ApiError ? err.status : err instanceof HTTPException ? err.status : 500;
    const message =
      status === 403
        ? "This request came from another site, or without a valid form token, and was refused."
        : err instanceof ApiError
          ? err.message
          : "The dashboard could not show this page.";
    if (status >= 500)
      console.error(JSON.stringify({ level: "error", msg: "dashboard error", path: c.req.path, err: String(err) }));
    return c.html(errorPage(status, message), status as 500);
  });

  // ---- public: assets and sign-in -------------------------------------------------

  d.get("/dashboard/assets/app.css", (c) =>
    c.body(CSS, 200, { "content-type": "text/css; charset=utf-8", "cache-control": "public, max-age=300" }),
  );
  d.get("/dashboard/assets/app.js", (c) =>
    c.body(JS, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }),
  );

  d.get("/dashboard/login", async (c) => {
    const s = await readSession(c);
    if (s && (await signedInCaller(c, s))) return c.redirect("/dashboard", 303);
    const q = c.req.query();
    const info = q.signed_out !== undefined ? "Signed out." : undefined;
    const error =
      q.expired !== undefined ? "Your session ended (the key is no longer accepted). Sign in again." : undefined;
    return c.html(loginPage({ ...(info ? { info } : {}), ...(error ? { error } : {}) }));
  });

  d.post("/dashboard/login", async (c) => {
    const form = await c.req.parseBody();
    const key = typeof form.key === "string" ? form.key.trim() : "";
    if (!key) return c.html(loginPage({ error: "Enter an API key." }), 400);
    let caller: Caller;
    try {
      caller = await authenticateKey(c.env, key);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const error =
        e.message === "malformed API key"
          ? "That is not an OfficeOS API key (they look like oos.<tenant>.<key id>.<secret>)."
          : "That key was not accepted: it is unknown, revoked or expired.";
      return c.html(loginPage({ error }), 401);
    }
    const scopes = caller.scopes;
    if (!hasScope(scopes, "read"))
      return c.html(
        loginPage({ error: `This key has the ${scopes.join(", ")} scope; the dashboard needs a read or admin key.` }),
        403,
      );
    await startSession(c, caller, key);
    return c.redirect("/dashboard", 303);
  });

  // ---- everything else needs a session ----------------------------------------------

  const signedIn: MiddlewareHandler<DashEnv> = async (c, next) => {
    const s = await readSession(c);
    const caller = s ? await signedInCaller(c, s) : null;
    const hadCookie =
      getCookie(c, new URL(c.req.url).protocol === "https:" ? "__Host-oos_session" : "oos_session") !== undefined;
    if (!s || !caller) {
      // Unknown, ended or expired session, or its key no longer accepted: the session goes, server-side too.
      if (hadCookie) await endSession(c, s);
      if (c.req.header(FRAGMENT_HEADER)) return c.text("signed out", 401);
      return c.redirect(hadCookie ? "/dashboard/login?expired" : "/dashboard/login", 303);
    }
    const origin = new URL(c.req.url).origin;
    const tenantName = await tenantStub(c.env, caller.tenantId)
      .tenantName()
      .catch(() => null);
    const viewer: Viewer = {
      tenantId: caller.tenantId,
      ...(tenantName ? { tenantName } : {}),
      keyId: caller.keyId,
      scopes: caller.scopes,
      canAct: hasScope(caller.scopes, "admin"),
      csrf: await csrfToken(s),
    };
    c.set("dash", { api: new DashApi(apiFetch, c.env, executionCtx(c), origin, s.key), viewer, session: s });
    if (c.req.method === "POST") {
      const form = await c.req.parseBody();
      if (!(await csrfValid(s, form.csrf)))
        return c.html(
          errorPage(403, "This form has expired or did not come from this dashboard. Reload the page and try again."),
          403,
        );
    }
    await next();
  };
  d.use("/dashboard/*", async (c, next) =>
    c.req.path === "/dashboard/login" || c.req.path.startsWith("/dashboard/assets/") ? next() : signedIn(c, next),
  );

  d.post("/dashboard/logout", async (c) => {
    await endSession(c, c.get("dash").session);
    return c.redirect("/dashboard/login?signed_out", 303);
  });

  /** The whole page, or only its live region when the refresh script asks. */
  async function render(c: C, page: PageId, title: string, content: H, final = false): Promise<Response> {
    if (c.req.header(FRAGMENT_HEADER)) return c.html(liveRegion(content, final), 200, { Vary: FRAGMENT_HEADER });
    const { api, viewer } = c.get("dash");
    const [ap, es] = await Promise.all([
      api.get<{ approvals: unknown[] }>("/v1/approvals"),
      api.get<{ escalations: unknown[] }>("/v1/escalations"),
    ]);
    const counts = {
      ...(ap.ok ? { approvals: ap.data.approvals.length } : {}),
      ...(es.ok ? { escalations: es.data.escalations.length } : {}),
    };
    return c.html(layout({ title, page, viewer, flash: takeFlash(c), counts, body: liveRegion(content, final) }), 200, {
      Vary: FRAGMENT_HEADER,
    });
  }

  const overview = async (c: C) => {
    const { api } = c.get("dash");
    const now = Date.now();
    const [queued, retry, leased, running, recent, scheduler, runners] = await Promise.all([
      api.get<{ tasks: Task[] }>("/v1/tasks?state=queued&limit=500"),
      api.get<{ tasks: Task[] }>("/v1/tasks?state=retry_wait&limit=500"),
      api.get<{ tasks: Task[] }>("/v1/tasks?state=leased&limit=200"),
      api.get<{ tasks: Task[] }>("/v1/tasks?state=running&limit=200"),
      api.get<{ tasks: Task[] }>("/v1/tasks?limit=15"),
      api.get<SchedulerView>("/v1/scheduler"),
      api.get<{ runners: Runner[] }>("/v1/runners"),
    ]);
    const queue: Loaded<Task[]> = !queued.ok
      ? loaded(queued)
      : !retry.ok
        ? loaded(retry)
        : { ok: true, data: [...queued.data.tasks, ...retry.data.tasks] };
    let active: Loaded<RunningRow[]>;
    if (!leased.ok) active = loaded(leased);
    else if (!running.ok) active = loaded(running);
    else {
      const names = new Map((runners.ok ? runners.data.runners : []).map((r) => [r.id, r.name]));
      const tasks = [...running.data.tasks, ...leased.data.tasks];
      const times = await Promise.all(
        tasks.map(async (t, i) => {
          if (i >= CHECKPOINT_LOOKUPS || t.checkpoint_seq === undefined) return undefined;
          const cp = await api.get<{ created_at: string }>(`/v1/tasks/${encodeURIComponent(t.id)}/checkpoint`);
          return cp.ok ? cp.data.created_at : undefined;
        }),
      );
      active = {
        ok: true,
        data: tasks.map((task, i) => {
          const row: RunningRow = { task };
          const name = task.runner_id !== undefined ? names.get(task.runner_id) : undefined;
          if (name !== undefined) row.runnerName = name;
          const at = times[i];
          if (at !== undefined) row.checkpointAt = at;
          return row;
        }),
      };
    }
    return render(
      c,
      "tasks",
      "Tasks",
      tasksView({ now, queue, running: active, recent: loaded(recent, (r) => r.tasks), scheduler: loaded(scheduler) }),
    );
  };
  d.get("/dashboard", overview);
  d.get("/dashboard/", overview);

  d.get("/dashboard/tasks/:id", async (c) => {
    const id = TaskIdParam.safeParse(c.req.param("id"));
    if (!id.success) return c.html(errorPage(404, "No such task."), 404);
    const { api, viewer } = c.get("dash");
    const path = `/v1/tasks/${encodeURIComponent(id.data)}`;
    const [task, events, checkpoint, runners, logs, history] = await Promise.all([
      api.get<{ task: Task }>(path),
      api.get<TaskEvents>(`${path}/events?limit=1000`),
      api.get<{ seq: number; created_at: string; state: unknown }>(`${path}/checkpoint`),
      api.get<{ runners: Runner[] }>("/v1/runners"),
      api.get<{ lines: LogLine[] }>(`${path}/logs?limit=500`),
      api.get<{ checkpoints: CheckpointRecord[] }>(`${path}/checkpoints?limit=20`),
    ]);
    if (!task.ok) {
      if (task.status === 404) return c.html(errorPage(404, `No task "${id.data}" in this tenant.`), 404);
      return render(c, "task", "Task", loadErrorBlock("the task", task));
    }
    const t = task.data.task;
    const runnerName =
      t.runner_id !== undefined && runners.ok
        ? runners.data.runners.find((r) => r.id === t.runner_id)?.name
        : undefined;
    const cp: Loaded<{ seq: number; created_at: string; state: unknown } | null> = checkpoint.ok
      ? { ok: true, data: checkpoint.data }
      : checkpoint.status === 404
        ? { ok: true, data: null }
        : loaded(checkpoint);
    // No logs route (404, or a task with none): the panel says "no logs".
    const logLines: Loaded<LogLine[]> | null = logs.ok
      ? { ok: true, data: Array.isArray(logs.data?.lines) ? logs.data.lines : [] }
      : logs.status === 404
        ? null
        : loaded(logs);
    const view = taskView({
      now: Date.now(),
      viewer,
      task: t,
      events: loaded(events, (e) => e.events),
      checkpoint: cp,
      runnerNames: new Map(runners.ok ? runners.data.runners.map((r) => [r.id, r.name] as const) : []),
      logs: logLines,
      checkpoints: history.ok
        ? { ok: true, data: history.data.checkpoints }
        : history.status === 404
          ? null
          : loaded(history),
      ...(runnerName !== undefined ? { runnerName } : {}),
    });
    return render(c, "task", `Task ${t.id}`, view, isFinal(t));
  });

  d.get("/dashboard/approvals", async (c) => {
    const { api, viewer } = c.get("dash");
    const r = await api.get<{ approvals: ApprovalItem[] }>("/v1/approvals");
    return render(
      c,
      "approvals",
      "Approvals",
      approvalsView({ now: Date.now(), viewer, approvals: loaded(r, (x) => x.approvals) }),
    );
  });

  d.get("/dashboard/escalations", async (c) => {
    const { api, viewer } = c.get("dash");
    const r = await api.get<{ escalations: EscalationItem[] }>("/v1/escalations");
    return render(
      c,
      "escalations",
      "Escalations",
      escalationsView({ now: Date.now(), viewer, escalations: loaded(r, (x) => x.escalations) }),
    );
  });

  d.get("/dashboard/runners", async (c) => {
    const r = await c.get("dash").api.get<{ runners: Runner[] }>("/v1/runners");
    return render(c, "runners", "Runners", runnersView({ now: Date.now(), runners: loaded(r, (x) => x.runners) }));
  });

  d.get("/dashboard/agents", async (c) => {
    const { api } = c.get("dash");
    const [scheduler, agents, quotas] = await Promise.all([
      api.get<SchedulerView>("/v1/scheduler"),
      api.get<{ agents: Agent[] }>("/v1/agents"),
      api.get<{ buckets?: QuotaBucket[] }>("/v1/quotas"),
    ]);
    // Quotas are shown only where the control plane has them (404: not built or not enabled).
    const q: Loaded<QuotaBucket[]> | null = quotas.ok
      ? { ok: true, data: Array.isArray(quotas.data?.buckets) ? quotas.data.buckets : [] }
      : quotas.status === 404
        ? null
        : loaded(quotas);
    return render(
      c,
      "agents",
      "Agents",
      agentsView({ now: Date.now(), scheduler: loaded(scheduler), agents: loaded(agents, (x) => x.agents), quotas: q }),
    );
  });

  // ---- actions (admin keys; the API enforces it, the pages disable the buttons) -------------

  const ApprovalForm = z.object({
    decision: z.enum(["approve", "reject"]),
    comment: z.string().max(4096).optional(),
    gate: z.string().min(1).max(256).optional(),
  });

  d.post("/dashboard/approvals/:id", async (c) => {
    const form = await c.req.parseBody();
    const back = safeBack(form.back);
    const id = TaskIdParam.safeParse(c.req.param("id"));
    const f = ApprovalForm.safeParse({
      decision: form.decision,
      comment: nonEmpty(form.comment),
      gate: nonEmpty(form.gate),
    });
    if (!id.success || !f.success)
      return flashBack(c, back, "error", "That form was incomplete: choose approve or reject.");
    const body = {
      decision: f.data.decision,
      ...(f.data.comment ? { comment: f.data.comment } : {}),
      ...(f.data.gate ? { gate: f.data.gate } : {}),
    };
    const r = await c.get("dash").api.post<{ task: Task }>(`/v1/approvals/${encodeURIComponent(id.data)}`, body);
    if (!r.ok)
      return flashBack(c, back, "error", `Could not ${f.data.decision} task ${id.data}: ${r.message} (${r.code}).`);
    return flashBack(
      c,
      back,
      "ok",
      `${f.data.decision === "approve" ? "Approved" : "Rejected"} gate ${f.data.gate ?? ""} of task ${id.data}; it is now ${r.data.task.state}.`,
    );
  });

  d.post("/dashboard/tasks/:id/cancel", async (c) => {
    const form = await c.req.parseBody();
    const back = safeBack(form.back);
    const id = TaskIdParam.safeParse(c.req.param("id"));
    if (!id.success) return flashBack(c, back, "error", "No such task.");
    const r = await c.get("dash").api.post<{ task: Task }>(`/v1/tasks/${encodeURIComponent(id.data)}/cancel`, {});
    if (!r.ok) return flashBack(c, back, "error", `Could not cancel task ${id.data}: ${r.message} (${r.code}).`);
    return flashBack(c, back, "ok", `Cancelled task ${id.data}; it is now ${r.data.task.state}.`);
  });

  d.post("/dashboard/escalations/:id", async (c) => {
    const form = await c.req.parseBody();
    const back = safeBack(form.back);
    const id = TaskIdParam.safeParse(c.req.param("id"));
    const action = z.enum(["retry", "resolve", "cancel"]).safeParse(form.action);
    if (!id.success || !action.success) return flashBack(c, back, "error", "That form was incomplete.");
    const body: Record<string, unknown> = { action: action.data };
    const comment = nonEmpty(form.comment);
    if (comment) body.comment = comment;
    if (action.data === "retry" && nonEmpty(form.input) !== undefined) {
      const input = parseJson(form.input as string);
      if (!input.ok) return flashBack(c, back, "error", `The retry input is not valid JSON: ${input.message}`);
      body.input = input.value;
    }
    if (action.data === "resolve") {
      const raw = nonEmpty(form.result);
      if (raw === undefined)
        return flashBack(c, back, "error", 'Resolving needs a result (JSON), for instance {"done": true}.');
      const result = parseJson(raw);
      if (!result.ok) return flashBack(c, back, "error", `The result is not valid JSON: ${result.message}`);
      body.result = result.value;
    }
    const r = await c.get("dash").api.post<{ task: Task }>(`/v1/escalations/${encodeURIComponent(id.data)}`, body);
    const verb = { retry: "retry", resolve: "resolve", cancel: "cancel" }[action.data];
    if (!r.ok) return flashBack(c, back, "error", `Could not ${verb} task ${id.data}: ${r.message} (${r.code}).`);
    const done = { retry: "Retrying", resolve: "Resolved", cancel: "Cancelled" }[action.data];
    return flashBack(c, back, "ok", `${done} task ${id.data}; it is now ${r.data.task.state}.`);
  });

  d.all("/dashboard/*", (c) => c.html(errorPage(404, "There is no such dashboard page."), 404));
  return d;
}

async function signedInCaller(c: C, s: Session) {
  try {
    const caller = await authenticateKey(c.env, s.key);
    return hasScope(caller.scopes, "read") ? caller : null;
  } catch (e) {
    if (e instanceof ApiError) return null;
    throw e;
  }
}

function loadErrorBlock(what: string, r: { message: string; code: string }): H {
  return html`<p class="error" role="alert">Could not load ${what}: ${r.message} (${r.code})</p>`;
}

function nonEmpty(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function flashBack(c: C, back: string, kind: "ok" | "error", text: string): Response {
  setFlash(c, { kind, text });
  return c.redirect(back, 303);
}
