// Acceptance 1 of issue #7: every endpoint of the OpenAPI document × every key
// scope (and no key, and a bad key) × own and other tenant → the expected
// 2xx / 401 / 403 / 404, and no answer to tenant B carries tenant A's data.
// Endpoints come from /openapi.json, so a new route without an entry in SCOPES
// fails this test until someone says who may call it.
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantDO } from "../../src/durable/tenant-do.js";
import {
  ADMIN_TOKEN,
  call,
  fixture,
  LEASE_TOKEN,
  ok,
  putAgent,
  tenantDO,
  type Fixture,
  type Reply,
} from "./helpers.js";

type Scope = "admin" | "submit" | "runner" | "read";
/** Who may call each operation; "public" needs no key, "operator" the operator token. */
const SCOPES: Record<string, Scope[] | "public" | "operator"> = {
  "GET /healthz": "public",
  "GET /livez": "public",
  "GET /readyz": "public",
  "GET /openapi.json": "public",
  "POST /v1/tenants": "operator",
  "POST /v1/keys": ["admin"],
  "GET /v1/keys": ["admin"],
  "DELETE /v1/keys/{id}": ["admin"],
  "GET /v1/audit": ["admin"],
  "POST /v1/audit/events": ["runner"],
  "PUT /v1/agents/{name}": ["admin"],
  "DELETE /v1/agents/{name}": ["admin"],
  "GET /v1/agents": ["read", "submit", "runner"],
  "GET /v1/agents/{name}": ["read", "submit", "runner"],
  "POST /v1/runners": ["runner"],
  "GET /v1/runners": ["read", "runner"],
  "GET /v1/runners/{id}": ["read", "runner"],
  "POST /v1/runners/{id}/lease": ["runner"],
  "POST /v1/runners/{id}/heartbeat": ["runner"],
  "POST /v1/runners/{id}/report": ["runner"],
  "DELETE /v1/runners/{id}": ["runner"],
  "POST /v1/runners/{id}/stopped": ["runner"],
  "POST /v1/runners/{id}/forget": ["runner"],
  "GET /v1/scheduler": ["read", "runner"],
  "POST /v1/tasks": ["submit"],
  "POST /v1/tasks/batch": ["submit"],
  "GET /v1/tasks": ["read", "submit"],
  "GET /v1/tasks/{id}": ["read", "submit", "runner"],
  "POST /v1/tasks/{id}/cancel": ["submit"],
  "POST /v1/tasks/{id}/complete": ["runner"],
  "POST /v1/tasks/{id}/fail": ["runner"],
  "POST /v1/tasks/{id}/release": ["runner"],
  "POST /v1/tasks/{id}/approval": ["runner"],
  "GET /v1/tasks/{id}/events": ["read", "submit"],
  "GET /v1/tasks/{id}/logs": ["read", "submit"],
  "PUT /v1/tasks/{id}/checkpoint": ["runner"],
  "GET /v1/tasks/{id}/checkpoint": ["read", "runner"],
  "GET /v1/tasks/{id}/checkpoints": ["read"],
  "GET /v1/escalations": ["read"],
  "POST /v1/escalations/{task_id}": ["admin"],
  "GET /v1/approvals": ["read"],
  "POST /v1/approvals/{task_id}": ["admin"],
  "GET /metrics": ["read"],
  "GET /v1/quotas": ["read"],
  "PUT /v1/quotas": ["admin"],
  "POST /v1/quotas/reservations": ["runner"],
  "POST /v1/quotas/reservations/{id}/settle": ["runner"],
  "POST /v1/quotas/reservations/{id}/cancel": ["runner"],
  "PUT /v1/threads/{thread_id}/checkpoints/{checkpoint_id}": ["submit", "runner"],
  "PUT /v1/threads/{thread_id}/checkpoints/{checkpoint_id}/writes": ["submit", "runner"],
  "GET /v1/threads/{thread_id}/checkpoints/{checkpoint_id}": ["read", "runner"],
  "GET /v1/threads/{thread_id}/checkpoints": ["read", "runner"],
  "GET /v1/checkpoints": ["read"],
  "DELETE /v1/threads/{thread_id}": ["submit", "runner"],
};

const SECRET = "A-ONLY-SECRET-7f3a";
const typed = { type: "json", data: btoa(JSON.stringify({ secret: SECRET })) };

interface World {
  f: Fixture;
  agent: string;
  runner: string;
  /** The credential POST /v1/runners handed that runner (bound to it). */
  credential: string;
}

/** A tenant with an agent, a runner, and data that carries SECRET. */
async function world(tag: string): Promise<World> {
  const f = await fixture();
  await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => {
    o.keyring.limits = { rps: 0, burst: 0, runnerRps: 0, runnerBurst: 0 };
  });
  const agent = `agent-${tag}`;
  await putAgent(f, agent, { tools: ["search"] });
  const { runner, credential } = await ok(
    call("POST", "/v1/runners", f.runner, { name: `runner-${tag}`, capacity: { cpu: 10_000_000 } }),
    201,
  );
  return { f, agent, runner: runner.id, credential: credential.key };
}

let threadSeq = 0;

/** Fresh resources for one request, so that no row depends on what an earlier row did. */
async function target(
  w: World,
  op: string,
): Promise<{ params: Record<string, string>; body?: unknown; headers: Record<string, string> }> {
  const { f } = w;
  const submit = async (extra: Record<string, unknown> = {}) =>
    (await ok(call("POST", "/v1/tasks", f.submit, { agent: w.agent, input: { secret: SECRET }, ...extra }), 201)).task;
  const leaseOne = async () => {
    const t = await submit();
    const { leases } = await ok(call("POST", `/v1/runners/${w.runner}/lease`, f.runner, { max_tasks: 64 }));
    const l = leases.find((x: { task: { id: string } }) => x.task.id === t.id);
    return { id: t.id as string, epoch: l.epoch as number, token: l.lease_token as string };
  };
  const params: Record<string, string> = {
    name: w.agent,
    thread_id: `thread-${w.agent}-${++threadSeq}`,
    checkpoint_id: "cp-1",
  };
  const headers: Record<string, string> = {};
  let body: unknown;
  const [method, path] = op.split(" ") as [string, string];
  if (path.startsWith("/v1/tasks/{id}") || path.startsWith("/v1/quotas/reservations")) {
    if (["complete", "fail", "release", "approval", "checkpoint"].some((s) => path.endsWith(s)) && method !== "GET") {
      const l = await leaseOne();
      params.id = l.id;
      headers[LEASE_TOKEN] = l.token;
      body = { epoch: l.epoch };
      if (path.endsWith("/fail")) body = { epoch: l.epoch, error: { code: "x", message: "y" } };
      if (path.endsWith("/complete")) body = { epoch: l.epoch, result: { secret: SECRET } };
      if (path.endsWith("/approval")) body = { epoch: l.epoch, gate: "g" };
      if (path.endsWith("/checkpoint")) body = { epoch: l.epoch, state: { reasoning: SECRET } };
    } else if (path.startsWith("/v1/quotas/reservations")) {
      const l = await leaseOne();
      headers[LEASE_TOKEN] = l.token;
      body = { task_id: l.id, epoch: l.epoch, tokens: 10 };
      if (path !== "/v1/quotas/reservations") {
        const r = await ok(call("POST", "/v1/quotas/reservations", f.runner, body, { [LEASE_TOKEN]: l.token }), 201);
        delete headers[LEASE_TOKEN]; // settle and cancel name the reservation, not the lease
        params.id = r.reservation_id;
        body = path.endsWith("/settle") ? { usage: { total_tokens: 5 } } : undefined;
      }
    } else {
      const l = await leaseOne();
      params.id = l.id;
      // Something to read back: a checkpoint with the secret.
      await ok(
        call(
          "PUT",
          `/v1/tasks/${l.id}/checkpoint`,
          f.runner,
          { epoch: l.epoch, state: { reasoning: SECRET } },
          { [LEASE_TOKEN]: l.token },
        ),
      );
    }
  } else if (path.startsWith("/v1/runners/{id}")) {
    const { runner } = await ok(call("POST", "/v1/runners", f.runner, { name: "fresh", capacity: { cpu: 1000 } }), 201);
    params.id = runner.id;
    if (path.endsWith("/lease")) body = { max_tasks: 1 };
    if (path.endsWith("/heartbeat")) body = { leases: [] };
    // A report on a task this runner never held: the call itself is allowed (200), its item refused.
    if (path.endsWith("/report")) body = { reports: [{ task_id: "task_none", epoch: 1, outcome: "release" }] };
  } else if (path === "/v1/keys/{id}") {
    params.id = (await ok(call("POST", "/v1/keys", f.admin, { scopes: ["read"] }), 201)).id;
  } else if (path === "/v1/escalations/{task_id}") {
    await ok(
      call("PUT", `/v1/agents/${w.agent}-esc`, f.admin, { retry: { max_attempts: 1, on_exhausted: "escalate" } }),
    );
    const t = await submit({ agent: `${w.agent}-esc` });
    const { leases } = await ok(call("POST", `/v1/runners/${w.runner}/lease`, f.runner, { max_tasks: 64 }));
    const l = leases.find((x: { task: { id: string } }) => x.task.id === t.id);
    await ok(
      call(
        "POST",
        `/v1/tasks/${t.id}/fail`,
        f.runner,
        { epoch: l.epoch, error: { code: "x", message: "y" } },
        { [LEASE_TOKEN]: l.lease_token },
      ),
    );
    params.task_id = t.id;
    body = { action: "resolve", result: 1 };
  } else if (path === "/v1/approvals/{task_id}") {
    params.task_id = (await submit()).id;
    body = { decision: "approve", gate: "g" };
  }
  if (path === "/v1/checkpoints") {
    // A checkpoint to list (an unfenced write with the submit key).
    await ok(
      call("PUT", fill("/v1/threads/{thread_id}/checkpoints/{checkpoint_id}", params), f.submit, {
        checkpoint: typed,
        metadata: typed,
        channel_versions: {},
      }),
    );
  } else if (path.startsWith("/v1/threads/")) {
    // A thread of the lease's instance (its first write claims it), reached through that lease on every
    // route, reads included: a runner key has no other way in (test/workers/threads-owner.test.ts).
    const l = await leaseOne();
    Object.assign(headers, { "officeos-task-id": l.id, "officeos-epoch": String(l.epoch), [LEASE_TOKEN]: l.token });
    await ok(
      call(
        "PUT",
        fill("/v1/threads/{thread_id}/checkpoints/{checkpoint_id}", params),
        f.runner,
        { checkpoint: typed, metadata: typed, channel_versions: {} },
        headers,
      ),
    );
  }
  if (op === "PUT /v1/agents/{name}") body = { tools: ["search"] };
  // An agent of its own to delete: the world's agent serves every other row.
  if (op === "DELETE /v1/agents/{name}") {
    params.name = `${w.agent}-del-${++threadSeq}`;
    await ok(call("PUT", `/v1/agents/${params.name}`, f.admin, {}));
  }
  if (op === "POST /v1/keys") body = { scopes: ["read"] };
  // A runner audits only a task it holds.
  if (op === "POST /v1/audit/events")
    body = { type: "tool.denied", task_id: (await leaseOne()).id, details: { tool: "x" } };
  if (op === "POST /v1/runners") body = { name: "r2", capacity: {} };
  if (op === "POST /v1/tasks") body = { agent: w.agent, input: { secret: SECRET } };
  if (op === "POST /v1/tasks/batch") body = { tasks: [{ agent: w.agent, input: { secret: SECRET } }] };
  // Above what the rows hold at once: every leaseOne leaves a running task behind.
  if (op === "PUT /v1/quotas") body = { concurrent_runs: 10_000 };
  if (op === "POST /v1/tenants") body = { name: "x" };
  if (op === "PUT /v1/threads/{thread_id}/checkpoints/{checkpoint_id}")
    body = { checkpoint: typed, metadata: typed, channel_versions: {} };
  if (op === "PUT /v1/threads/{thread_id}/checkpoints/{checkpoint_id}/writes")
    body = { task_id: "t", writes: [{ channel: "c", idx: 0, value: typed }] };
  return { params, body, headers };
}

function fill(path: string, params: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_m, k: string) => encodeURIComponent(params[k] ?? "missing"));
}

describe("access matrix from /openapi.json", () => {
  let a: World;
  let b: World;
  let ops: string[];
  /** Everything tenant A made that B must never see. */
  const aIds = new Set<string>();

  beforeAll(async () => {
    a = await world("a");
    b = await world("b");
    const doc = (await call("GET", "/openapi.json", null)).body as { paths: Record<string, Record<string, unknown>> };
    ops = [];
    for (const [p, item] of Object.entries(doc.paths))
      for (const m of Object.keys(item)) ops.push(`${m.toUpperCase()} ${p}`);
    aIds.add(a.runner);
  });

  it("knows who may call every operation in the document", () => {
    expect(ops.length).toBeGreaterThan(40);
    const unknown = ops.filter((op) => !(op in SCOPES));
    expect(unknown, "operations without an entry in SCOPES").toEqual([]);
  });

  it("answers every operation × scope × tenant as expected, and never with another tenant's data", async () => {
    const rows: string[] = [];
    const fail = (msg: string) => rows.push(msg);
    let twoXX = 0;
    let allowedOwn = 0;
    for (const op of ops) {
      const rule = SCOPES[op];
      const [method, path] = op.split(" ") as [string, string];
      if (rule === "public") {
        const r = await call(method, path, null);
        if (r.status !== 200) fail(`${op} public → ${r.status}`);
        continue;
      }
      if (rule === "operator" || rule === undefined) {
        for (const k of [null, a.f.admin]) {
          const r = await call(method, path, k, { name: "x" });
          if (r.status !== 401) fail(`${op} with ${k ? "tenant key" : "no key"} → ${r.status}`);
        }
        if ((await call(method, path, ADMIN_TOKEN, { name: "x" })).status !== 201) fail(`${op} operator → not 201`);
        continue;
      }
      // No key and a forged key: 401.
      {
        const t = await target(a, op);
        const none = await call(method, fill(path, t.params), null, t.body, t.headers);
        if (none.status !== 401) fail(`${op} without a key → ${none.status}`);
        const forged = `oos.${a.f.admin.split(".")[1]}.${a.f.admin.split(".")[2]}.${"0".repeat(64)}`;
        const bad = await call(method, fill(path, t.params), forged, t.body, t.headers);
        if (bad.status !== 401) fail(`${op} with a forged key → ${bad.status}`);
      }
      for (const scope of ["admin", "submit", "runner", "read"] as Scope[]) {
        const allowed = scope === "admin" || rule.includes(scope);
        // Own tenant.
        const t = await target(a, op);
        const own = await call(method, fill(path, t.params), a.f[scope], t.body, t.headers);
        collect(own, aIds);
        if (!allowed && own.status !== 403) fail(`${op} as ${scope} (own) → ${own.status}, want 403`);
        if (allowed) {
          allowedOwn++;
          if (own.status >= 200 && own.status < 300) twoXX++;
          else fail(`${op} as ${scope} (own) → ${own.status} ${JSON.stringify(own.body).slice(0, 200)}`);
        }
        // Other tenant: B's key of the same scope aimed at A's resources.
        // (B's request carries its own marker, so that A's secret can only come from A's data.)
        const bBody =
          t.body === undefined ? undefined : JSON.parse(JSON.stringify(t.body).replaceAll(SECRET, "B-DATA"));
        const other = await call(method, fill(path, t.params), b.f[scope], bBody, t.headers);
        if (other.status >= 500) fail(`${op} as ${scope} (other) → ${other.status}`);
        if (!allowed && other.status !== 403) fail(`${op} as ${scope} (other) → ${other.status}, want 403`);
        if (allowed) {
          // The agent a DELETE names was made in A for that row alone: B has none of that name.
          const hasIds = /\{(id|task_id)\}/.test(path) || op === "DELETE /v1/agents/{name}";
          const leaseBound = LEASE_TOKEN in t.headers;
          // A's lease token does not verify under B's secret (401); A's ids are not found in B (404);
          // thread ids are per tenant, so B reads its own (empty) thread of that name.
          // B's runner holds none of A's tasks, so it may not audit one (B's admin writes its own log as it likes).
          const auditsForeign = op === "POST /v1/audit/events" && scope !== "admin";
          const want = leaseBound
            ? [401]
            : auditsForeign
              ? [403]
              : hasIds
                ? [404]
                : path.includes("{thread_id}")
                  ? [200, 404]
                  : [200, 201];
          if (!want.includes(other.status))
            fail(
              `${op} as ${scope} (other) → ${other.status}, want ${want.join("/")}: ${JSON.stringify(other.body).slice(0, 200)}`,
            );
        }
        const text = JSON.stringify(other.body);
        if (text.includes(SECRET)) fail(`${op} as ${scope} (other) leaked A's data`);
        // An id the request itself named may come back in the error message ("task … not found").
        const asked = fill(path, t.params) + JSON.stringify(t.body ?? null) + JSON.stringify(t.headers);
        for (const id of aIds)
          if (text.includes(id) && !asked.includes(id)) fail(`${op} as ${scope} (other) leaked A's id ${id}`);
      }
    }
    expect(rows).toEqual([]);
    expect(twoXX).toBe(allowedOwn);
  }, 300_000);
});

describe("control-plane rules for runner keys (issue 15)", () => {
  it("a runner-bound credential cannot register runners, create keys, or audit a task it does not hold", async () => {
    const w = await world("rules");
    const rule = async (r: Promise<Reply>, name: string) => {
      const got = await r;
      expect(got.status, JSON.stringify(got.body)).toBe(403);
      expect(got.body.error).toMatchObject({ code: "forbidden", details: { rule: name } });
      expect(got.body.error.message).toContain(name);
    };
    await rule(
      call("POST", "/v1/runners", w.credential, { name: "second", capacity: {} }),
      "bound_credential_no_register",
    );
    // POST /v1/keys is an admin route: the scope check refuses first, the rule stands behind it.
    expect((await call("POST", "/v1/keys", w.credential, { scopes: ["runner"] })).status).toBe(403);
    const t = (await ok(call("POST", "/v1/tasks", w.f.submit, { agent: w.agent, input: {} }), 201)).task;
    await rule(
      call("POST", "/v1/audit/events", w.credential, { type: "tool.called", task_id: t.id, details: { tool: "x" } }),
      "runner_audits_held_tasks",
    );
    await rule(
      call("POST", "/v1/audit/events", w.credential, { type: "tool.called", details: { tool: "x" } }),
      "runner_audits_held_tasks",
    );
    // Once it holds the task, the same line is accepted.
    const { leases } = await ok(call("POST", `/v1/runners/${w.runner}/lease`, w.credential, { max_tasks: 8 }));
    expect(leases.map((l: { task: { id: string } }) => l.task.id)).toContain(t.id);
    await ok(
      call("POST", "/v1/audit/events", w.credential, { type: "tool.called", task_id: t.id, details: { tool: "x" } }),
      201,
    );
  }, 60_000);
});

/** Remembers ids that tenant A's answers carry (tasks, runners, keys), to look for them in B's. */
function collect(r: Reply, ids: Set<string>): void {
  const text = JSON.stringify(r.body ?? "");
  for (const m of text.matchAll(/"(task_[0-9a-f]{20}|run_[0-9a-f]{16}|lease_[0-9a-f]{16}|res_[0-9a-z_]+)"/g))
    if (m[1]) ids.add(m[1]);
}
