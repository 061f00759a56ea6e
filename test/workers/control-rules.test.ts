// Issue 15, control-plane rules written as scope rules (src/durable/tenant/access.ts
// RULES): a runner-bound credential cannot register runners nor create keys; a
// runner key mints only its new runner's credential; a runner audits only tasks
// it holds; per-tenant caps on runners and keys answer 409 naming the cap.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/keys.js";
import type { TenantDO } from "../../src/durable/tenant-do.js";
import {
  advance,
  call,
  expectError,
  fixture,
  newKey,
  ok,
  putAgent,
  submit,
  tenantDO,
  type Fixture,
  type Reply,
} from "./helpers.js";

function expectRule(r: Reply, rule: string): void {
  expectError(r, 403, "forbidden");
  expect(r.body.error.details).toEqual({ rule });
  expect(r.body.error.message).toContain(rule);
}

/** A key's call straight into TenantDO.authed, past the Worker's scope checks: the rules hold there too. */
async function authed(f: Fixture, key: string, method: string, args: unknown[]): Promise<unknown> {
  const [, , keyId, secret] = key.split(".") as [string, string, string, string];
  const hash = await sha256Hex(secret);
  return runInDurableObject(tenantDO(f.admin), (o: TenantDO) => o.authed({ keyId, hash, charge: false }, method, args));
}

async function register(key: string, name = "r"): Promise<{ id: string; credential: string }> {
  const r = await ok(call("POST", "/v1/runners", key, { name, capacity: {} }), 201);
  return { id: r.runner.id, credential: r.credential.key };
}

describe("runner-bound credentials", () => {
  it("cannot register runners nor create keys, through the API or straight at the object", async () => {
    const f = await fixture();
    const { credential } = await register(f.runner);
    expectRule(
      await call("POST", "/v1/runners", credential, { name: "more", capacity: {} }),
      "bound_credential_no_register",
    );
    expectError(await call("POST", "/v1/keys", credential, { scopes: ["runner"] }), 403, "forbidden");
    expect(await authed(f, credential, "registerRunner", [{ name: "x", capacity: {} }])).toMatchObject({
      kind: "error",
      code: "forbidden",
      details: { rule: "bound_credential_no_register" },
    });
    expect(await authed(f, credential, "createKey", ["k1", "0".repeat(64), ["admin"], {}])).toMatchObject({
      kind: "error",
      code: "forbidden",
      details: { rule: "bound_credential_no_keys" },
    });
    const keys = (await ok(call("GET", "/v1/keys", f.admin))).keys as { id: string }[];
    expect(keys.map((k) => k.id)).not.toContain("k1");
  });

  it("a runner key mints only the one credential of a runner it just registered", async () => {
    const f = await fixture();
    const mine = await register(f.runner);
    const other = await register(await newKey(f.admin, ["runner"]), "other");
    const bad = [
      ["k2", "0".repeat(64), ["admin"], {}],
      ["k3", "0".repeat(64), ["runner"], {}],
      ["k4", "0".repeat(64), ["runner"], { runner_id: other.id }],
      // Its own runner already has its credential.
      ["k5", "0".repeat(64), ["runner"], { runner_id: mine.id }],
    ];
    for (const args of bad)
      expect(await authed(f, f.runner, "createKey", args)).toMatchObject({
        kind: "error",
        code: "forbidden",
        details: { rule: "runner_key_own_credential_only" },
      });
  });
});

describe("runner audit lines", () => {
  it("are taken only about a task the runner holds (or held within the last minute)", async () => {
    const f = await fixture();
    await putAgent(f, "echo");
    const a = await register(f.runner, "a");
    const b = await register(f.runner, "b");
    const t = await submit(f, { agent: "echo" });
    const line = { type: "tool.denied", task_id: t.id, details: { tool: "shell" } };
    // Queued: nobody holds it.
    expectRule(await call("POST", "/v1/audit/events", a.credential, line), "runner_audits_held_tasks");
    const { leases } = await ok(call("POST", `/v1/runners/${a.id}/lease`, a.credential, { max_tasks: 1 }));
    expect(leases[0].task.id).toBe(t.id);
    await ok(call("POST", "/v1/audit/events", a.credential, line), 201);
    // Another runner of the same tenant may not write lines about it.
    expectRule(await call("POST", "/v1/audit/events", b.credential, line), "runner_audits_held_tasks");
    // No task named, or one that does not exist.
    expectRule(
      await call("POST", "/v1/audit/events", a.credential, { type: "tool.denied", details: {} }),
      "runner_audits_held_tasks",
    );
    expectRule(
      await call("POST", "/v1/audit/events", a.credential, { ...line, task_id: "task_nope" }),
      "runner_audits_held_tasks",
    );
    // Finished: a line still in flight is taken for a minute, not after.
    await ok(
      call(
        "POST",
        `/v1/tasks/${t.id}/complete`,
        a.credential,
        { epoch: leases[0].epoch, result: 1 },
        { "officeos-lease-token": leases[0].lease_token },
      ),
    );
    await ok(call("POST", "/v1/audit/events", a.credential, line), 201);
    await advance(f.admin, 61_000);
    expectRule(await call("POST", "/v1/audit/events", a.credential, line), "runner_audits_held_tasks");
    // Admin keys are not runners: their lines are their own business.
    await ok(call("POST", "/v1/audit/events", f.admin, line), 201);
    const { events } = await ok(call("GET", "/v1/audit?type=tool.denied", f.admin));
    expect(events).toHaveLength(3);
  });
});

describe("per-tenant caps", () => {
  it("refuses a runner past OFFICEOS_MAX_RUNNERS and a key past OFFICEOS_MAX_KEYS with 409 naming the cap", async () => {
    const f = await fixture(); // admin, submit, runner and read: four keys
    await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => {
      o.caps = { runners: 2, keys: 5 };
    });
    await register(f.runner, "one");
    await register(f.runner, "two");
    const r = await call("POST", "/v1/runners", f.runner, { name: "three", capacity: {} });
    expectError(r, 409, "conflict");
    expect(r.body.error.message).toContain("OFFICEOS_MAX_RUNNERS");
    expect(r.body.error.details).toEqual({ cap: "OFFICEOS_MAX_RUNNERS", limit: 2 });
    // Runner credentials (two now) do not count against the key cap: one more key fits, then none.
    const fifth = await newKey(f.admin, ["read"]);
    const k = await call("POST", "/v1/keys", f.admin, { scopes: ["read"] });
    expectError(k, 409, "conflict");
    expect(k.body.error.details).toEqual({ cap: "OFFICEOS_MAX_KEYS", limit: 5 });
    // A revoked key frees its place.
    await ok(call("DELETE", `/v1/keys/${fifth.split(".")[2]}`, f.admin));
    await ok(call("POST", "/v1/keys", f.admin, { scopes: ["read"] }), 201);
  });

  it("defaults to 1000 each and reads OFFICEOS_MAX_* when set", async () => {
    const { capsFrom, DEFAULT_CAPS } = await import("../../src/durable/tenant/access.js");
    expect(DEFAULT_CAPS).toEqual({ runners: 1000, keys: 1000 });
    expect(capsFrom({})).toEqual(DEFAULT_CAPS);
    expect(capsFrom({ OFFICEOS_MAX_RUNNERS: "7", OFFICEOS_MAX_KEYS: "9" })).toEqual({ runners: 7, keys: 9 });
    expect(capsFrom({ OFFICEOS_MAX_RUNNERS: "0", OFFICEOS_MAX_KEYS: "x" })).toEqual(DEFAULT_CAPS);
  });
});

describe("the keyed-method table", () => {
  it("names only methods the TenantDO has, and the session calls a key may make", async () => {
    const { KEYED_METHODS } = await import("../../src/durable/tenant/access.js");
    const f = await fixture();
    const missing = await runInDurableObject(tenantDO(f.admin), (o: TenantDO) =>
      [...KEYED_METHODS].filter((m) => typeof (o as unknown as Record<string, unknown>)[m] !== "function"),
    );
    expect(missing).toEqual([]);
    expect(KEYED_METHODS.has("createSession")).toBe(true);
    // Proven by the session id, never reachable with a key alone.
    expect(KEYED_METHODS.has("openSession")).toBe(false);
    expect(KEYED_METHODS.has("endSession")).toBe(false);
  });
});
