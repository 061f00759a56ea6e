// Per-key rate limits (issue #7): 429 with Retry-After past the burst, buckets per key, runner keys apart.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TenantDO } from "../../src/durable/tenant-do.js";
import { advance, call, expectError, fixture, ok, tenantDO } from "./helpers.js";

describe("rate limits per key", () => {
  it("answer 429 with Retry-After past the burst; runner keys have their own bucket", async () => {
    const f = await fixture();
    await runInDurableObject(tenantDO(f.admin), (o: TenantDO) => {
      o.keyring.limits = { rps: 1, burst: 3, runnerRps: 1, runnerBurst: 5 };
    });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push((await call("GET", "/v1/tasks", f.read)).status);
    expect(seen.slice(0, 3)).toEqual([200, 200, 200]);
    const limited = await call("GET", "/v1/tasks", f.read);
    expectError(limited, 429, "rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another key of the same tenant is not affected; a runner key has the larger bucket.
    await ok(call("GET", "/v1/tasks", f.submit));
    for (let i = 0; i < 5; i++) await ok(call("GET", "/v1/runners", f.runner));
    expectError(await call("GET", "/v1/runners", f.runner), 429, "rate_limited");
    // A refused request changed nothing: the key still works once the bucket refills.
    await advance(f.admin, 5_000);
    await ok(call("GET", "/v1/tasks", f.read));
  });
});
