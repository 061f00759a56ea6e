// Helpers for Worker tests: real requests through the Worker (SELF), no mocks.
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import type { TenantDO } from "../../src/durable/tenant-do.js";

export const ADMIN_TOKEN = "test-operator-token";
export const BASE = "http://officeos.test";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

// Lease tokens (issue #7) are required on every call made under a lease. The
// suites written before them exercise other things, so `call` remembers the
// tokens that lease and heartbeat answers hand out and sends the right one
// (by task and epoch) unless the test passes the header itself; an epoch that
// was never leased gets no token. test/workers/iam.test.ts tests tokens head on.
const leaseTokens = new Map<string, string>();
export const LEASE_TOKEN = "officeos-lease-token";

/** The token the lease (task, epoch) was handed, if this test file saw it. */
export function leaseTokenOf(taskId: string, epoch: number): string | undefined {
  return leaseTokens.get(`${taskId}:${epoch}`);
}

function rememberTokens(path: string, sent: unknown, answer: any): void {
  if (/^\/v1\/runners\/[^/]+\/lease$/.test(path) && Array.isArray(answer?.leases))
    for (const l of answer.leases) if (l?.lease_token) leaseTokens.set(`${l.task.id}:${l.epoch}`, l.lease_token);
  if (/^\/v1\/runners\/[^/]+\/heartbeat$/.test(path) && answer?.lease_tokens) {
    const epochs = new Map(((sent as any)?.leases ?? []).map((l: any) => [l.task_id, l.epoch]));
    for (const [task, token] of Object.entries(answer.lease_tokens))
      leaseTokens.set(`${task}:${epochs.get(task)}`, token as string);
  }
}

function withToken(path: string, body: unknown, h: Record<string, string>): unknown {
  const has = Object.keys(h).some((k) => k.toLowerCase() === LEASE_TOKEN);
  const task = /^\/v1\/tasks\/([^/?]+)\/(complete|fail|release|checkpoint|approval)$/.exec(path)?.[1];
  const b = body as any;
  if (!has && task) {
    const epoch =
      b && typeof b === "object" && !(b instanceof Uint8Array)
        ? b.epoch
        : Number(h["officeos-epoch"] ?? h["OfficeOS-Epoch"]);
    const t = leaseTokens.get(`${task}:${epoch}`);
    if (t) h[LEASE_TOKEN] = t;
  }
  if (!has && path === "/v1/quotas/reservations" && b?.task_id) {
    const t = leaseTokens.get(`${b.task_id}:${b.epoch}`);
    if (t) h[LEASE_TOKEN] = t;
  }
  if (!has && path.startsWith("/v1/threads/") && (h["officeos-task-id"] ?? h["OfficeOS-Task-Id"])) {
    const t = leaseTokens.get(
      `${h["officeos-task-id"] ?? h["OfficeOS-Task-Id"]}:${Number(h["officeos-epoch"] ?? h["OfficeOS-Epoch"])}`,
    );
    if (t) h[LEASE_TOKEN] = t;
  }
  if (/^\/v1\/runners\/[^/]+\/report$/.test(path) && Array.isArray(b?.reports))
    return {
      ...b,
      reports: b.reports.map((r: any) =>
        r && typeof r === "object" && r.lease_token === undefined && leaseTokens.has(`${r.task_id}:${r.epoch}`)
          ? { ...r, lease_token: leaseTokens.get(`${r.task_id}:${r.epoch}`) }
          : r,
      ),
    };
  if (/^\/v1\/runners\/[^/]+\/heartbeat$/.test(path) && Array.isArray(b?.leases))
    return {
      ...b,
      leases: b.leases.map((l: any) =>
        l && typeof l === "object" && l.lease_token === undefined && leaseTokens.has(`${l.task_id}:${l.epoch}`)
          ? { ...l, lease_token: leaseTokens.get(`${l.task_id}:${l.epoch}`) }
          : l,
      ),
    };
  return body;
}

export async function call<T = any>(
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const h: Record<string, string> = { ...headers };
  const sent = body;
  body = withToken(path, body, h);
  if (key) h.authorization = `Bearer ${key}`;
  let payload: BodyInit | undefined;
  if (body instanceof Uint8Array) payload = body;
  else if (typeof body === "string") payload = body;
  else if (body !== undefined) {
    payload = JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers: h, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  if (res.ok) rememberTokens(path, sent, parsed);
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export async function newTenant(name = "acme"): Promise<string> {
  const r = await call("POST", "/v1/tenants", ADMIN_TOKEN, { name });
  if (r.status !== 201) throw new Error(`tenant: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.api_key as string;
}

export async function newKey(admin: string, scopes: string[]): Promise<string> {
  const r = await call("POST", "/v1/keys", admin, { scopes });
  if (r.status !== 201) throw new Error(`key: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.key as string;
}

export interface Fixture {
  admin: string;
  submit: string;
  runner: string;
  read: string;
}

export async function fixture(): Promise<Fixture> {
  const admin = await newTenant();
  return {
    admin,
    submit: await newKey(admin, ["submit"]),
    runner: await newKey(admin, ["runner"]),
    read: await newKey(admin, ["read"]),
  };
}

export async function ok<T = any>(p: Promise<Reply<T>>, status = 200): Promise<T> {
  const r = await p;
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

// ---- shortcuts shared by the suites below ------------------------------------

/** Asserts the error contract: status, `{error:{code,message}}`, never a 500. */
export function expectError(r: Reply, status: number, code: string): void {
  if (r.status !== status || r.body?.error?.code !== code || typeof r.body?.error?.message !== "string")
    throw new Error(`expected ${status} ${code}, got ${r.status}: ${JSON.stringify(r.body)}`);
}

/** Asserts a 400 whose details are zod issues, one of them at `path` (dot-joined; "" for the root). */
export function expectIssues(r: Reply, path?: string): void {
  expectError(r, 400, "bad_request");
  const details = r.body.error.details as { path: (string | number)[]; message: string }[];
  if (!Array.isArray(details) || details.length === 0)
    throw new Error(`expected zod issues in details: ${JSON.stringify(r.body)}`);
  if (path !== undefined && !details.some((i) => Array.isArray(i.path) && i.path.join(".") === path))
    throw new Error(`expected an issue at "${path}": ${JSON.stringify(details)}`);
}

export async function putAgent(f: Fixture, name: string, spec: Record<string, unknown> = {}): Promise<any> {
  return ok(call("PUT", `/v1/agents/${name}`, f.admin, spec));
}

export async function registerRunner(f: Fixture, body: Record<string, unknown>): Promise<string> {
  const { runner } = await ok(call("POST", "/v1/runners", f.runner, body), 201);
  return runner.id as string;
}

export async function submit(f: Fixture, body: Record<string, unknown>): Promise<any> {
  return (await ok(call("POST", "/v1/tasks", f.submit, body), 201)).task;
}

export async function lease(f: Fixture, runnerId: string, body: Record<string, unknown> = {}): Promise<any[]> {
  return (await ok(call("POST", `/v1/runners/${runnerId}/lease`, f.runner, body))).leases;
}

export async function getTask(f: Fixture, id: string): Promise<any> {
  return (await ok(call("GET", `/v1/tasks/${id}`, f.read))).task;
}

export async function heartbeat(
  f: Fixture,
  runnerId: string,
  leases: { task_id: string; epoch: number }[],
): Promise<any> {
  return ok(call("POST", `/v1/runners/${runnerId}/heartbeat`, f.runner, { leases }));
}

/** The value of one sample line (`name{labels} value`) in Prometheus text; throws when there is none. */
export function metricSample(text: string, line: string): number {
  const m = text.split("\n").find((x) => x.startsWith(`${line} `));
  if (!m) throw new Error(`no sample ${line} in\n${text}`);
  return Number(m.slice(line.length + 1));
}

/** A request whose answer is read as bytes (protobuf). */
export async function callBytes(
  method: string,
  path: string,
  key: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers: { ...headers, authorization: `Bearer ${key}` } });
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
}

/** The tenant id is the second dot-separated part of an API key: `oos.<tenant>.<key id>.<secret>`. */
export function tenantIdOf(key: string): string {
  const id = key.split(".")[1];
  if (!id) throw new Error(`not an API key: ${key}`);
  return id;
}

export function tenantDO(key: string): DurableObjectStub<TenantDO> {
  return env.TENANT.get(env.TENANT.idFromName(tenantIdOf(key)));
}

/** Moves the tenant's clock forward instead of sleeping. */
export async function advance(key: string, ms: number): Promise<void> {
  await runInDurableObject(tenantDO(key), (o: TenantDO) => {
    o.clockOffsetMs += ms;
  });
}

/** Runs the tenant's pending alarm now; true when one was scheduled. */
export function fireAlarm(key: string): Promise<boolean> {
  return runDurableObjectAlarm(tenantDO(key));
}

/** Resolves once `n` long-polls are parked in the tenant's object (a gate, not a sleep). */
export async function parked(key: string, n = 1, timeoutMs = 20_000): Promise<void> {
  // A deadline far above the few milliseconds parking takes, so that a loaded machine passes too.
  const end = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await runInDurableObject(
      tenantDO(key),
      (o: TenantDO) => (o as unknown as { waiters: unknown[] }).waiters.length,
    );
    if (waiting >= n) return;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no ${n} parked long-poll(s) in the tenant object after ${timeoutMs} ms`);
}

/** A task's row read straight from the tenant's storage: no lazy expiry on the way. */
export async function storedTask(
  key: string,
  id: string,
): Promise<{ state: string; attempts: number; epoch: number | null }> {
  const row = await runInDurableObject(
    tenantDO(key),
    (_o: TenantDO, state: DurableObjectState) =>
      state.storage.sql
        .exec<{ state: string; attempts: number; epoch: number | null }>(
          "SELECT state, attempts, epoch FROM tasks WHERE id = ?",
          id,
        )
        .toArray()[0],
  );
  if (!row) throw new Error(`no task ${id} in storage`);
  return { state: row.state, attempts: row.attempts, epoch: row.epoch };
}

/** A registered agent, a runner and one task leased to it: the lease epoch for checkpoint writes. */
export async function leasedTask(
  f: Fixture,
  agent = "chat",
  instance?: string,
): Promise<{ runnerId: string; id: string; epoch: number }> {
  await putAgent(f, agent, {});
  const runnerId = await registerRunner(f, { name: "r", capacity: {} });
  const task = await submit(f, instance ? { agent, instance } : { agent });
  const [l] = await lease(f, runnerId, { max_tasks: 1 });
  return { runnerId, id: task.id as string, epoch: l.epoch as number };
}
