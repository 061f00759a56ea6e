// Issue #7, acceptance 2: 10 000 random and malformed requests (bodies,
// headers, paths, methods, keys) across every endpoint of /openapi.json, sent
// through the Worker in workerd. No answer is a 500, every refusal has the
// error shape, and a batch in which every request was refused (or only read)
// leaves the tenant's stored state exactly as it was.
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/worker.js";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { TenantDO } from "../../src/durable/tenant-do.js";
import { BASE, call, fixture, ok, putAgent, tenantDO, type Fixture } from "../workers/helpers.js";

const BATCHES = 100;
const PER_BATCH = 100; // 10 000 requests in all

interface Op {
  method: string;
  path: string;
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

let f: Fixture;
let ops: Op[] = [];
const ids: Record<string, string[]> = {};

/** Every stored row that a request could change (times a refused call may legitimately touch left out). */
async function snapshot(): Promise<string> {
  return runInDurableObject(tenantDO(f.admin), (o: TenantDO) => {
    const sql = (o as unknown as { sql: SqlStorage }).sql;
    const rows = (q: string) => sql.exec(q).toArray();
    return JSON.stringify({
      tasks: rows("SELECT * FROM tasks ORDER BY id"),
      agents: rows("SELECT * FROM agents ORDER BY name"),
      runners: rows(
        "SELECT id, name, capacity, labels, capabilities, agents, draining, taints, held_for, registered_by FROM runners ORDER BY id",
      ),
      keys: rows("SELECT id, hash, scopes, revoked_at, expires_at, runner_id FROM api_keys ORDER BY id"),
      meta: rows("SELECT * FROM meta WHERE k <> 'lease_secret' ORDER BY k"),
      quota: rows("SELECT * FROM quota_reservations ORDER BY id"),
      events: rows("SELECT COUNT(*) AS n FROM task_events"),
      audit: rows("SELECT COUNT(*) AS n FROM audit WHERE type <> 'key.used'"),
    });
  });
}

const nasty = fc.constantFrom(
  "",
  " ",
  "..",
  "%2e%2e",
  "%00",
  "a/b",
  "%2F",
  "🙂",
  "'; DROP TABLE tasks; --",
  "x".repeat(300),
  "\u0000",
  "task_",
  "run_",
  "0",
  "-1",
  "1e9",
  "null",
);

function pathFor(op: Op): fc.Arbitrary<string> {
  const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const value = (name: string) =>
    fc.oneof(fc.constantFrom(...(ids[name] ?? ["x"])), nasty, fc.string({ maxLength: 40 }).map(encodeURIComponent));
  const query = fc.oneof(
    fc.constant(""),
    fc
      .dictionary(
        fc.constantFrom("state", "agent", "limit", "cursor", "after", "type", "filter", "ns", "x"),
        fc.oneof(nasty, fc.string({ maxLength: 20 }), fc.integer().map(String)),
        { maxKeys: 3 },
      )
      .map((q) => `?${new URLSearchParams(q).toString()}`),
  );
  return fc.tuple(fc.tuple(...params.map(value)), query).map(([vals, q]) => {
    let i = 0;
    return op.path.replace(/\{\w+\}/g, () => String(vals[i++] ?? "")) + q;
  });
}

function deep(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

const jsonBody = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) =>
    JSON.stringify({
      epoch: v,
      leases: v,
      agent: v,
      input: v,
      scopes: v,
      state: v,
      result: v,
      tokens: v,
      decision: v,
      action: v,
    }),
  ),
  fc
    .record({ epoch: fc.oneof(fc.integer(), fc.double(), fc.constant(1)), result: fc.jsonValue({ maxDepth: 2 }) })
    .map((v) => JSON.stringify(v)),
  fc.integer({ min: 60, max: 5000 }).map(deep),
  fc.constantFrom(
    "{",
    "[1,2",
    "nul",
    '{"a":1}{"b":2}',
    "\u0000",
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{}}}',
    '{"scopes":["admin","admin","admin","admin","admin"]}',
  ),
  fc.string({ maxLength: 200 }),
);

function requestFor(op: Op): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(op.method) },
        { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS") },
      ),
      path: fc.oneof({ weight: 9, arbitrary: pathFor(op) }, { weight: 1, arbitrary: fc.webPath() }),
      key: fc.constantFrom<keyof Fixture | "none" | "junk" | "forged">(
        "admin",
        "submit",
        "runner",
        "read",
        "none",
        "junk",
        "forged",
      ),
      contentType: fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "application/x-protobuf",
        "text/plain",
        "",
        "multipart/form-data; boundary=x",
      ),
      extra: fc.dictionary(
        fc.constantFrom(
          "officeos-epoch",
          "officeos-lease-token",
          "officeos-task-id",
          "officeos-checkpoint-kind",
          "accept",
          "x-forwarded-for",
        ),
        fc
          .oneof(
            nasty,
            fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
            fc.constantFrom(...(ids.token ?? ["x"]), ...(ids.task_id ?? ["x"]), "1", "2"),
          )
          .filter((v) => /^[\x20-\x7e]*$/.test(v)),
        { maxKeys: 3 },
      ), // (a client cannot send other header bytes)
      body: fc.oneof(
        { weight: 6, arbitrary: jsonBody },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
    })
    .map((r) => {
      const headers: Record<string, string> = { ...r.extra };
      if (r.contentType) headers["content-type"] = r.contentType;
      if (r.key === "junk") headers.authorization = "Bearer oos.nope";
      else if (r.key === "forged") headers.authorization = `Bearer ${f.admin.slice(0, -8)}deadbeef`;
      else if (r.key !== "none") headers.authorization = `Bearer ${f[r.key]}`;
      const method = r.method;
      return { method, path: r.path, headers, body: method === "GET" || method === "HEAD" ? undefined : r.body };
    });
}

const slow: { ms: number; what: string }[] = [];
async function send(r: FuzzRequest): Promise<{ status: number; text: string; contentType: string }> {
  const t0 = Date.now();
  try {
    return await send0(r);
  } finally {
    slow.push({
      ms: Date.now() - t0,
      what: `${r.method} ${r.path.slice(0, 80)} ${typeof r.body === "string" ? r.body.slice(0, 60) : ""}`,
    });
  }
}
async function send0(r: FuzzRequest): Promise<{ status: number; text: string; contentType: string }> {
  // The Worker's own fetch handler, in this workerd isolate with its real bindings (the
  // SELF service binding adds a hop per request that 10 000 requests cannot afford here).
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}${r.path.startsWith("/") ? r.path : `/${r.path}`}`, {
      method: r.method,
      headers: r.headers,
      body: r.body,
    }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, text: await res.text(), contentType: res.headers.get("content-type") ?? "" };
}

describe("API fuzz", () => {
  beforeAll(async () => {
    f = await fixture();
    await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => {
      o.keyring.limits = { rps: 0, burst: 0, runnerRps: 0, runnerBurst: 0 };
    });
    await putAgent(f, "fz", { tools: ["t"] });
    const { runner } = await ok(
      call("POST", "/v1/runners", f.runner, { name: "fz", capacity: { cpu: 1000 }, lease_ttl_ms: 600_000 }),
      201,
    );
    const tasks = [];
    for (let i = 0; i < 3; i++)
      tasks.push((await ok(call("POST", "/v1/tasks", f.submit, { agent: "fz", input: { i } }), 201)).task.id);
    const { leases } = await ok(call("POST", `/v1/runners/${runner.id}/lease`, f.runner, { max_tasks: 1 }));
    ids.id = [...tasks, runner.id];
    ids.task_id = tasks;
    ids.name = ["fz", "nope"];
    ids.thread_id = ["th1"];
    ids.checkpoint_id = ["cp1"];
    // A real lease token shows up now and then, so that some calls get past it.
    ids.token = [leases[0].lease_token];
    const doc = (await call("GET", "/openapi.json", null)).body as { paths: Record<string, Record<string, unknown>> };
    ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => ({ method: m.toUpperCase(), path })),
    );
    ops.push({ method: "GET", path: "/dashboard" }, { method: "POST", path: "/dashboard/login" });
    expect(ops.length).toBeGreaterThan(40);
  });

  it(`${BATCHES * PER_BATCH} requests: no 500, refusals in the error shape, refused requests change nothing`, async () => {
    const anyRequest = fc.constantFrom(...ops).chain(requestFor);
    let compared = 0;
    let sent = 0;
    const statuses = new Map<number, number>();
    let baseline = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.array(anyRequest, { minLength: PER_BATCH, maxLength: PER_BATCH }), async (batch) => {
        const answers = await Promise.all(batch.map(send));
        sent += batch.length;
        let mutated = false;
        answers.forEach((a, i) => {
          const r = batch[i] as FuzzRequest;
          statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
          if (a.status >= 500) throw new Error(`${r.method} ${r.path} → ${a.status}: ${a.text.slice(0, 300)}`);
          if (a.status < 400 && r.method !== "GET" && r.method !== "HEAD") mutated = true;
          if (a.status >= 400 && a.contentType.includes("json")) {
            const body = JSON.parse(a.text) as { error?: { code?: unknown; message?: unknown } };
            if (typeof body.error?.code !== "string" || typeof body.error?.message !== "string")
              throw new Error(`${r.method} ${r.path} → ${a.status} without the error shape: ${a.text.slice(0, 200)}`);
          }
        });
        const now = await snapshot();
        if (!mutated) {
          compared++;
          if (now !== baseline)
            throw new Error(
              `state changed in a batch where every write was refused: ${JSON.stringify(batch.filter((_, i) => (answers[i]?.status ?? 0) < 400 && batch[i]?.method !== "GET").map((r) => `${r.method} ${r.path}`))}`,
            );
        }
        baseline = now;
      }),
      { numRuns: BATCHES, endOnFailure: true, seed: Number(process.env.FUZZ_SEED ?? 7) },
    );
    expect(sent).toBeGreaterThanOrEqual(10_000);
    // Most batches are all refusals or reads, so the no-change check ran on them.
    expect(compared).toBeGreaterThan(BATCHES / 2);
    console.log(JSON.stringify({ slowest: slow.sort((a, b) => b.ms - a.ms).slice(0, 3) }));
    console.log(
      JSON.stringify({ sent, compared, statuses: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])) }),
    );
  }, 900_000);
});
