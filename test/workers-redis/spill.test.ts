// Spill to Redis through the Upstash REST bridge: above the threshold a record
// goes to Redis (base64, chunked, TTL), the AgentDO keeps pointer, size and
// SHA-256; restore checks the hash; Redis down → 503 and nothing changes.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentDO } from "../../src/durable/agent-do.js";
import { call, fixture, leasedTask, ok, tenantIdOf, type Fixture } from "../workers/helpers.js";

const controlUrl = (env as unknown as { REDIS_CONTROL_URL: string }).REDIS_CONTROL_URL;

const put = (f: Fixture, id: string, body: unknown) => call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, body);
const agentDO = (f: Fixture, id: string) => env.AGENT.get(env.AGENT.idFromName(`${tenantIdOf(f.admin)}/${id}`));
const rows = (f: Fixture, id: string) =>
  runInDurableObject(agentDO(f, id), (_o: AgentDO, s: DurableObjectState) =>
    s.storage.sql
      .exec<{ seq: number; blob: string | null; chunks: number; sha256: string | null; size: number }>(
        "SELECT seq, blob, chunks, sha256, size FROM checkpoints ORDER BY seq",
      )
      .toArray(),
  );

describe("spill to Redis", () => {
  it("keeps small records inline and spills large ones, with size and SHA-256, and restores them", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    await ok(put(f, id, { epoch, state: { reasoning: "small" } }));
    const big = "y".repeat(300_000);
    await ok(put(f, id, { epoch, state: { reasoning: big } }));
    const [small, large] = await rows(f, id);
    expect(small?.blob).toBeNull();
    expect(large?.blob).toMatch(/^officeos:cp:/);
    expect(large?.chunks).toBe(1);
    expect(large?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(large?.size).toBeGreaterThan(300_000);
    expect((await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read))).state.reasoning).toBe(big);
  });

  it("a corrupt blob fails its hash: the newest intact checkpoint restores", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    await ok(put(f, id, { epoch, state: { reasoning: "z".repeat(100_000) } }));
    await ok(put(f, id, { epoch, state: { reasoning: "w".repeat(100_000) } }));
    const [, second] = await rows(f, id);
    // Overwrite the spilled blob behind the AgentDO's back, through the same REST protocol.
    const e = env as unknown as { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };
    const r = await fetch(e.UPSTASH_REDIS_REST_URL, {
      method: "POST",
      headers: { authorization: `Bearer ${e.UPSTASH_REDIS_REST_TOKEN}` },
      body: JSON.stringify(["SET", `${second?.blob}:0`, "Y29ycnVwdA=="]),
    });
    expect(r.status).toBe(200);
    const cp = await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read));
    expect(cp.seq).toBe(1);
    expect(cp.state.reasoning).toBe("z".repeat(100_000));
  });

  it("Redis down: a large write fails with 503 and the previous checkpoint still restores; back up, writes succeed", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    await ok(put(f, id, { epoch, state: { reasoning: "before" } }));
    expect((await fetch(`${controlUrl}/kill`)).status).toBe(200);
    try {
      const r = await put(f, id, { epoch, state: { reasoning: "q".repeat(200_000) } });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("unavailable");
      expect(r.body.error.message.length).toBeLessThan(400);
      expect((await rows(f, id)).map((x) => x.seq)).toEqual([1]);
      expect((await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read))).state).toEqual({ reasoning: "before" });
    } finally {
      expect((await fetch(`${controlUrl}/restart`)).status).toBe(200);
    }
    // The bridge reconnects within about a second; the first writes after may still see 503.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++)
      status = (await put(f, id, { epoch, state: { reasoning: "q".repeat(200_000) } })).status;
    expect(status).toBe(200);
    expect((await ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read))).seq).toBe(2);
  });
});
