// Identity and access (issue #7, acceptance 4 and the parts around it): key
// revocation beats the per-isolate key cache, key expiry, runner keys held to
// their own runner, lease tokens (expired, foreign, stale) and the audit log.
// Per-key rate limits: rate-limits.test.ts.
import { describe, expect, it } from "vitest";
import { keyCacheStats } from "../../src/api/context.js";
import { checkLeaseToken, leaseKey, signLeaseToken } from "../../src/auth/lease-token.js";
import {
  advance,
  call,
  expectError,
  fixture,
  LEASE_TOKEN,
  newKey,
  ok,
  putAgent,
  submit,
  type Fixture,
} from "./helpers.js";

const keyId = (key: string): string => key.split(".")[2] as string;

async function runnerWith(_f: Fixture, key: string, name: string): Promise<{ id: string; credential: string }> {
  const r = await ok(call("POST", "/v1/runners", key, { name, capacity: { cpu: 1000 } }), 201);
  return { id: r.runner.id, credential: r.credential.key };
}

async function leaseOne(key: string, runnerId: string): Promise<{ task_id: string; epoch: number; token: string }> {
  const { leases } = await ok(call("POST", `/v1/runners/${runnerId}/lease`, key, { max_tasks: 1 }));
  expect(leases).toHaveLength(1);
  return { task_id: leases[0].task.id, epoch: leases[0].epoch, token: leases[0].lease_token };
}

describe("keys: revocation and expiry", () => {
  it("a revoked key stops working at once, though this isolate's cache still knows it", async () => {
    const f = await fixture();
    const reader = await newKey(f.admin, ["read"]);
    await ok(call("GET", "/v1/tasks", reader));
    await ok(call("GET", "/v1/tasks", reader)); // now cached
    const hits = keyCacheStats.hits;
    await ok(call("DELETE", `/v1/keys/${keyId(reader)}`, f.admin));
    const r = await call("GET", "/v1/tasks", reader);
    expectError(r, 401, "unauthorized");
    expect(keyCacheStats.hits).toBeGreaterThan(hits); // the refusal came on a cache hit
    // Routes that never reach the TenantDO (thread reads) and the dashboard's session check too.
    expectError(await call("GET", "/v1/threads/t1/checkpoints", reader), 401, "unauthorized");
    const listed = await ok(call("GET", "/v1/keys", f.admin));
    const row = listed.keys.find((k: { id: string }) => k.id === keyId(reader));
    expect(row).toMatchObject({ state: "revoked", scopes: ["read"] });
    expect(JSON.stringify(listed)).not.toContain(reader.split(".")[3]);
  });

  it("a revoked runner key cannot heartbeat or complete the lease it holds", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const runnerKey = await newKey(f.admin, ["runner"]);
    const { id } = await runnerWith(f, runnerKey, "r");
    await submit(f, { agent: "echo" });
    const l = await leaseOne(runnerKey, id);
    await ok(
      call("POST", `/v1/runners/${id}/heartbeat`, runnerKey, {
        leases: [{ task_id: l.task_id, epoch: l.epoch, lease_token: l.token }],
      }),
    );
    await ok(call("DELETE", `/v1/keys/${keyId(runnerKey)}`, f.admin));
    expectError(
      await call("POST", `/v1/runners/${id}/heartbeat`, runnerKey, {
        leases: [{ task_id: l.task_id, epoch: l.epoch, lease_token: l.token }],
      }),
      401,
      "unauthorized",
    );
    expectError(
      await call("POST", `/v1/tasks/${l.task_id}/complete`, runnerKey, { epoch: l.epoch }, { [LEASE_TOKEN]: l.token }),
      401,
      "unauthorized",
    );
    expect((await ok(call("GET", `/v1/tasks/${l.task_id}`, f.read))).task.state).toBe("running");
  });

  it("a key stops at its expiry (the TenantDO's clock rules, not the cache)", async () => {
    const f = await fixture();
    const r = await ok(call("POST", "/v1/keys", f.admin, { scopes: ["read"], expires_in_s: 60 }), 201);
    expect(Date.parse(r.expires_at)).toBeGreaterThan(Date.now());
    await ok(call("GET", "/v1/tasks", r.key));
    await advance(f.admin, 61_000);
    expectError(await call("GET", "/v1/tasks", r.key), 401, "unauthorized");
    const row = (await ok(call("GET", "/v1/keys", f.admin))).keys.find((k: { id: string }) => k.id === r.id);
    expect(row.state).toBe("expired");
    expectError(
      await call("POST", "/v1/keys", f.admin, { scopes: ["read"], expires_at: "2001-01-01T00:00:00Z" }),
      400,
      "bad_request",
    );
    expectError(
      await call("POST", "/v1/keys", f.admin, {
        scopes: ["read"],
        expires_in_s: 5,
        expires_at: "2101-01-01T00:00:00Z",
      }),
      400,
      "bad_request",
    );
  });

  it("only admin keys manage keys; another tenant's key id is not found", async () => {
    const f = await fixture();
    const g = await fixture();
    for (const k of [f.read, f.submit, f.runner]) {
      expectError(await call("GET", "/v1/keys", k), 403, "forbidden");
      expectError(await call("DELETE", `/v1/keys/${keyId(f.read)}`, k), 403, "forbidden");
    }
    expectError(await call("DELETE", `/v1/keys/${keyId(f.read)}`, g.admin), 404, "not_found");
    await ok(call("GET", "/v1/tasks", f.read));
  });
});

describe("runner keys act only as their own runner", () => {
  it("cannot lease, heartbeat, drain or report as another runner; the issued credential is bound to its runner", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const k1 = await newKey(f.admin, ["runner"]);
    const k2 = await newKey(f.admin, ["runner"]);
    const r1 = await runnerWith(f, k1, "one");
    const r2 = await runnerWith(f, k2, "two");
    await submit(f, { agent: "echo" });
    const l = await leaseOne(k1, r1.id);

    expectError(await call("POST", `/v1/runners/${r1.id}/lease`, k2, {}), 403, "forbidden");
    expectError(
      await call("POST", `/v1/runners/${r1.id}/heartbeat`, k2, {
        leases: [{ task_id: l.task_id, epoch: l.epoch, lease_token: l.token }],
      }),
      403,
      "forbidden",
    );
    expectError(await call("DELETE", `/v1/runners/${r1.id}`, k2), 403, "forbidden");
    // Even holding runner one's lease token, key two cannot report for it.
    expectError(
      await call("POST", `/v1/tasks/${l.task_id}/complete`, k2, { epoch: l.epoch }, { [LEASE_TOKEN]: l.token }),
      403,
      "forbidden",
    );
    expectError(
      await call(
        "POST",
        `/v1/tasks/${l.task_id}/fail`,
        k2,
        { epoch: l.epoch, error: { code: "x", message: "y" } },
        { [LEASE_TOKEN]: l.token },
      ),
      403,
      "forbidden",
    );
    expectError(
      await call(
        "PUT",
        `/v1/tasks/${l.task_id}/checkpoint`,
        k2,
        { epoch: l.epoch, state: {} },
        { [LEASE_TOKEN]: l.token },
      ),
      403,
      "forbidden",
    );
    // Runner two's own credential: its runner only.
    expectError(await call("POST", `/v1/runners/${r1.id}/lease`, r2.credential, {}), 403, "forbidden");
    expectError(
      await call(
        "POST",
        `/v1/tasks/${l.task_id}/complete`,
        r2.credential,
        { epoch: l.epoch },
        { [LEASE_TOKEN]: l.token },
      ),
      403,
      "forbidden",
    );
    await ok(call("POST", `/v1/runners/${r2.id}/lease`, r2.credential, {}));
    // Runner one's credential works for runner one, like the key that registered it.
    await ok(
      call("POST", `/v1/runners/${r1.id}/heartbeat`, r1.credential, {
        leases: [{ task_id: l.task_id, epoch: l.epoch, lease_token: l.token }],
      }),
    );
    expect(
      (
        await ok(
          call(
            "POST",
            `/v1/tasks/${l.task_id}/complete`,
            r1.credential,
            { epoch: l.epoch, result: 1 },
            { [LEASE_TOKEN]: l.token },
          ),
        )
      ).task.state,
    ).toBe("succeeded");
  });

  it("settles or cancels an LLM reservation only as the runner that took it", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { quota: { llm_tpm: 600, llm_tokens_burst: 1000 } });
    const k1 = await newKey(f.admin, ["runner"]);
    const k2 = await newKey(f.admin, ["runner"]);
    const r1 = await runnerWith(f, k1, "one");
    await runnerWith(f, k2, "two");
    await submit(f, { agent: "echo" });
    const l = await leaseOne(k1, r1.id);
    const reserve = () =>
      call(
        "POST",
        "/v1/quotas/reservations",
        r1.credential,
        { task_id: l.task_id, epoch: l.epoch, tokens: 100 },
        { [LEASE_TOKEN]: l.token },
      );
    const a = await ok(reserve(), 201);
    const b = await ok(reserve(), 201);
    // Another runner's key cannot settle (say, at 0 tokens) or cancel them.
    expectError(
      await call("POST", `/v1/quotas/reservations/${a.reservation_id}/settle`, k2, { usage: { total_tokens: 0 } }),
      403,
      "forbidden",
    );
    expectError(await call("POST", `/v1/quotas/reservations/${b.reservation_id}/cancel`, k2), 403, "forbidden");
    // The runner that took them can, with its credential or the key that registered it.
    expect(
      await ok(
        call("POST", `/v1/quotas/reservations/${a.reservation_id}/settle`, r1.credential, {
          usage: { total_tokens: 80 },
        }),
      ),
    ).toMatchObject({ state: "settled", used: 80 });
    expect(await ok(call("POST", `/v1/quotas/reservations/${b.reservation_id}/cancel`, k1))).toMatchObject({
      state: "cancelled",
    });
    // An unknown reservation is still a 404, whoever asks.
    expectError(await call("POST", "/v1/quotas/reservations/rsv_nope/cancel", k2), 404, "not_found");
  });
});

describe("lease tokens", () => {
  async function setup(): Promise<{
    f: Fixture;
    runner: string;
    l: { task_id: string; epoch: number; token: string };
  }> {
    const f = await fixture();
    await putAgent(f, "echo");
    const { id } = await runnerWith(f, f.runner, "r");
    await submit(f, { agent: "echo" });
    return { f, runner: id, l: await leaseOne(f.runner, id) };
  }

  it("a token from an expired lease is refused, before and after the task is leased again", async () => {
    const { f, runner, l } = await setup();
    await advance(f.admin, 31_000); // past the 30 s lease
    const again = await call(
      "POST",
      `/v1/tasks/${l.task_id}/complete`,
      f.runner,
      { epoch: l.epoch },
      { [LEASE_TOKEN]: l.token },
    );
    expectError(again, 409, "stale_epoch");
    const fresh = await leaseOne(f.runner, runner);
    expect(fresh.epoch).toBeGreaterThan(l.epoch);
    // The old token with the new epoch: it proves another lease.
    expectError(
      await call(
        "POST",
        `/v1/tasks/${l.task_id}/complete`,
        f.runner,
        { epoch: fresh.epoch },
        { [LEASE_TOKEN]: l.token },
      ),
      409,
      "stale_epoch",
    );
    expectError(
      await call(
        "PUT",
        `/v1/tasks/${l.task_id}/checkpoint`,
        f.runner,
        { epoch: l.epoch, state: {} },
        { [LEASE_TOKEN]: l.token },
      ),
      409,
      "stale_epoch",
    );
    // A heartbeat with the old lease does not extend anything and says stop.
    const hb = await ok(
      call("POST", `/v1/runners/${runner}/heartbeat`, f.runner, {
        leases: [{ task_id: l.task_id, epoch: l.epoch, lease_token: l.token }],
      }),
    );
    expect(hb.cancel).toEqual([l.task_id]);
    expect(hb.lease_tokens).toEqual({});
    await ok(
      call(
        "POST",
        `/v1/tasks/${l.task_id}/complete`,
        f.runner,
        { epoch: fresh.epoch, result: 1 },
        { [LEASE_TOKEN]: fresh.token },
      ),
    );
  });

  it("is required, must be genuine, and must name this task", async () => {
    const { f, runner, l } = await setup();
    await submit(f, { agent: "echo" });
    const other = await leaseOne(f.runner, runner);
    const path = `/v1/tasks/${l.task_id}/complete`;
    expectError(await call("POST", path, f.runner, { epoch: l.epoch }, { [LEASE_TOKEN]: "" }), 401, "unauthorized");
    expectError(
      await call("POST", path, f.runner, { epoch: l.epoch }, { [LEASE_TOKEN]: `${l.token.slice(0, -4)}AAAA` }),
      401,
      "unauthorized",
    );
    expectError(
      await call("POST", path, f.runner, { epoch: l.epoch }, { [LEASE_TOKEN]: other.token }),
      403,
      "forbidden",
    );
    // A token signed for another tenant (its own secret) does not verify here.
    const g = await fixture();
    const foreign = await signLeaseToken(await leaseKey("ab".repeat(32)), {
      t: g.admin.split(".")[1] as string,
      k: l.task_id,
      e: l.epoch,
      x: Date.now() + 60_000,
    });
    expectError(
      await call("POST", path, f.runner, { epoch: l.epoch }, { [LEASE_TOKEN]: foreign }),
      401,
      "unauthorized",
    );
    // A heartbeat without the token does not extend that lease.
    const hb = await ok(
      call("POST", `/v1/runners/${runner}/heartbeat`, f.runner, {
        leases: [
          { task_id: l.task_id, epoch: l.epoch, lease_token: "" },
          { task_id: other.task_id, epoch: other.epoch, lease_token: other.token },
        ],
      }),
    );
    expect(hb.cancel).toEqual([l.task_id]);
    expect(Object.keys(hb.lease_tokens)).toEqual([other.task_id]);
    expect((await ok(call("GET", `/v1/tasks/${l.task_id}`, f.read))).task.state).toBe("leased");
    // The token from the heartbeat answer works.
    await ok(
      call(
        "POST",
        `/v1/tasks/${other.task_id}/complete`,
        f.runner,
        { epoch: other.epoch },
        { [LEASE_TOKEN]: hb.lease_tokens[other.task_id] },
      ),
    );
  });

  it("a token past its own expiry is refused (pure check, time passed in)", async () => {
    const key = await leaseKey("cd".repeat(32));
    const token = await signLeaseToken(key, { t: "t1", k: "task_1", e: 3, x: 1_000 });
    expect(await checkLeaseToken(key, token, { tenant: "t1", task: "task_1", epoch: 3 }, 999)).toMatchObject({
      kind: "ok",
    });
    expect(await checkLeaseToken(key, token, { tenant: "t1", task: "task_1", epoch: 3 }, 1_000)).toMatchObject({
      kind: "error",
      status: 401,
    });
    expect(await checkLeaseToken(key, token, { tenant: "t2", task: "task_1", epoch: 3 }, 0)).toMatchObject({
      kind: "error",
      status: 403,
    });
    expect(await checkLeaseToken(key, token, { tenant: "t1", task: "task_1", epoch: 4 }, 0)).toMatchObject({
      kind: "error",
      status: 409,
    });
    expect(
      await checkLeaseToken(await leaseKey("ce".repeat(32)), token, { tenant: "t1", task: "task_1", epoch: 3 }, 0),
    ).toMatchObject({ kind: "error", status: 401 });
  });
});

describe("audit log", () => {
  it("records keys created, used (per minute) and revoked, agent and quota changes, approvals, escalations and denied tools", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { tools: ["search"] });
    await ok(call("PUT", "/v1/quotas", f.admin, { concurrent_runs: 5 }));
    const temp = await newKey(f.admin, ["read"]);
    await ok(call("GET", "/v1/tasks", temp));
    await ok(call("GET", "/v1/tasks", temp));
    await ok(call("DELETE", `/v1/keys/${keyId(temp)}`, f.admin));
    const task = await submit(f, { agent: "echo" });
    await ok(call("POST", `/v1/approvals/${task.id}`, f.admin, { decision: "approve", gate: "g1" }));
    // A runner audits only a task it holds: lease it first.
    const rid = (await ok(call("POST", "/v1/runners", f.runner, { name: "r", capacity: {} }), 201)).runner.id;
    expect((await ok(call("POST", `/v1/runners/${rid}/lease`, f.runner, { max_tasks: 1 }))).leases[0].task.id).toBe(
      task.id,
    );
    await ok(
      call("POST", "/v1/audit/events", f.runner, {
        type: "tool.denied",
        task_id: task.id,
        details: { tool: "shell", agent: "echo" },
      }),
      201,
    );
    expectError(await call("POST", "/v1/audit/events", f.runner, { type: "key.revoked" }), 400, "bad_request");
    expectError(await call("POST", "/v1/audit/events", f.read, { type: "tool.denied" }), 403, "forbidden");
    expectError(await call("GET", "/v1/audit", f.read), 403, "forbidden");

    const { events } = await ok(call("GET", "/v1/audit?limit=500", f.admin));
    const admin = `key:${keyId(f.admin)}`;
    const types = events.map((e: { type: string }) => e.type);
    for (const t of [
      "key.created",
      "key.revoked",
      "key.used",
      "agent.put",
      "quota.put",
      "approval.decision",
      "tool.denied",
    ])
      expect(types).toContain(t);
    expect(events.find((e: any) => e.type === "agent.put")).toMatchObject({ actor: admin, subject: "echo" });
    expect(events.find((e: any) => e.type === "key.revoked")).toMatchObject({ actor: admin, subject: keyId(temp) });
    expect(events.find((e: any) => e.type === "approval.decision")).toMatchObject({
      actor: admin,
      subject: task.id,
      details: { decision: "approve", gate: "g1" },
    });
    expect(events.find((e: any) => e.type === "tool.denied")).toMatchObject({
      actor: `key:${keyId(f.runner)}`,
      subject: task.id,
      details: { tool: "shell" },
    });
    const used = events.find((e: any) => e.type === "key.used" && e.subject === keyId(temp));
    expect(used.details).toMatchObject({ scopes: ["read"], requests: 2 });
    // Filter and paging.
    const created = await ok(call("GET", "/v1/audit?type=key.created&limit=2", f.admin));
    expect(created.events).toHaveLength(2);
    expect(created.events.every((e: { type: string }) => e.type === "key.created")).toBe(true);
    const next = await ok(call("GET", `/v1/audit?type=key.created&limit=2&cursor=${created.next_cursor}`, f.admin));
    expect(next.events[0].seq).toBeLessThan(created.events[1].seq);
    expectError(await call("GET", "/v1/audit?type=nope", f.admin), 400, "bad_request");
  });

  it("records escalation actions with the acting key", async () => {
    const f = await fixture();
    await putAgent(f, "echo", { retry: { max_attempts: 1, on_exhausted: "escalate" } });
    const { id } = await runnerWith(f, f.runner, "r");
    await submit(f, { agent: "echo" });
    const l = await leaseOne(f.runner, id);
    await ok(
      call(
        "POST",
        `/v1/tasks/${l.task_id}/fail`,
        f.runner,
        { epoch: l.epoch, error: { code: "x", message: "y" } },
        { [LEASE_TOKEN]: l.token },
      ),
    );
    expect((await ok(call("GET", `/v1/tasks/${l.task_id}`, f.read))).task.state).toBe("escalated");
    await ok(call("POST", `/v1/escalations/${l.task_id}`, f.admin, { action: "cancel", comment: "not needed" }));
    const { events } = await ok(call("GET", "/v1/audit?type=escalation.action", f.admin));
    expect(events[0]).toMatchObject({
      actor: `key:${keyId(f.admin)}`,
      subject: l.task_id,
      details: { action: "cancel", comment: "not needed" },
    });
  });
});
