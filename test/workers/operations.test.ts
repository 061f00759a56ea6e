// The operations table (src/durable/tenant/operations.ts) is the one source for
// routing, who may call an operation, runner ownership and audit: it names every
// public method of TenantDO and nothing else, and every keyed call passes its one
// dispatch point (the hook issue #22's per-method request counter uses).
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/auth/keys.js";
import type { TenantDO } from "../../src/durable/tenant-do.js";
import { KEYED_OPERATIONS, OPERATIONS } from "../../src/durable/tenant/operations.js";
import { call, fixture, ok, tenantDO } from "./helpers.js";

/** The methods declared on TenantDO itself (not accessors, not the constructor). */
function ownMethods(o: TenantDO): string[] {
  const proto = Object.getPrototypeOf(o) as object;
  return Object.entries(Object.getOwnPropertyDescriptors(proto))
    .filter(([name, d]) => name !== "constructor" && typeof d.value === "function")
    .map(([name]) => name)
    .sort();
}

describe("the operations table", () => {
  it("has an entry for every public method of TenantDO, and every entry names one", async () => {
    const f = await fixture();
    const methods = await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => ownMethods(o));
    const entries = Object.keys(OPERATIONS).sort();
    expect(methods.filter((m) => !entries.includes(m))).toEqual([]);
    expect(entries.filter((e) => !methods.includes(e))).toEqual([]);
  });

  it("refuses by key an operation it does not mark keyed, naming it", async () => {
    const f = await fixture();
    for (const name of ["init", "authenticate", "openSession", "endSession", "authed", "alarm"])
      expect(KEYED_OPERATIONS.has(name)).toBe(false);
    const [, , keyId = "", secret = ""] = f.admin.split(".");
    const hash = await sha256Hex(secret);
    const r = await runInDurableObject(tenantDO(f.admin), (o: TenantDO) =>
      o.authed({ keyId, hash, charge: false }, "init", ["t", "n", "k", "h"]),
    );
    expect(r).toMatchObject({ kind: "error", code: "forbidden", message: "no such operation: init" });
    const listed = await runInDurableObject(tenantDO(f.admin), (o: TenantDO) =>
      o.authed({ keyId, hash, charge: false }, "listAgents", []),
    );
    expect(listed).toMatchObject({ kind: "ok", value: { kind: "ok" } });
  });

  it("every keyed call passes one dispatch point, which sees the operation's name", async () => {
    const f = await fixture();
    const seen: string[] = [];
    await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => {
      (o as unknown as { dispatch: { onDispatch: (m: string) => void } }).dispatch.onDispatch = (m) => seen.push(m);
    });
    await ok(call("GET", "/v1/agents", f.admin));
    await ok(call("GET", "/v1/runners", f.admin));
    expect(seen).toContain("listAgents");
    expect(seen).toContain("listRunners");
  });

  it("one HTTP request is one dispatch of its operation", async () => {
    const f = await fixture();
    const seen: string[] = [];
    await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => {
      (o as unknown as { dispatch: { onDispatch: (m: string) => void } }).dispatch.onDispatch = (m) => seen.push(m);
    });
    const { keys } = await ok(call("GET", "/v1/keys", f.admin));
    expect(keys.length).toBeGreaterThan(0);
    expect(seen).toEqual(["listKeys"]);
  });
});
