// Issue 15: a spilled checkpoint is kept at least as long as its task may wait.
// The default TTL is longer than the longest park deadline (approval and
// escalation timeouts, at most 30 days) plus a week, and a park longer than
// that (no deadline at all, the default) keeps the blobs without expiry until
// the instance is claimed again, when the normal TTL is set again.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PARK_MAX_MS } from "../../src/api/schemas.js";
import { MIN_SPILL_TTL_S } from "../../src/durable/agent-do.js";
import type { AgentDO } from "../../src/durable/agent-do.js";
import {
  call,
  fixture,
  lease,
  ok,
  putAgent,
  registerRunner,
  submit,
  tenantIdOf,
  type Fixture,
} from "../workers/helpers.js";

const e = env as unknown as { UPSTASH_REDIS_REST_URL: string; UPSTASH_REDIS_REST_TOKEN: string };

async function redis(...cmd: (string | number)[]): Promise<unknown> {
  const r = await fetch(e.UPSTASH_REDIS_REST_URL, {
    method: "POST",
    headers: { authorization: `Bearer ${e.UPSTASH_REDIS_REST_TOKEN}` },
    body: JSON.stringify(cmd),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { result: unknown }).result;
}

async function blobKeys(f: Fixture, instance: string): Promise<string[]> {
  const stub = env.AGENT.get(env.AGENT.idFromName(`${tenantIdOf(f.admin)}/${instance}`));
  const rows = await runInDurableObject(stub, (_o: AgentDO, s: DurableObjectState) =>
    s.storage.sql
      .exec<{ blob: string; chunks: number }>("SELECT blob, chunks FROM checkpoints WHERE blob IS NOT NULL")
      .toArray(),
  );
  return rows.flatMap((r) => Array.from({ length: r.chunks }, (_, i) => `${r.blob}:${i}`));
}

/** The TTL of every key once `done` holds for all of them (the retain runs after the park's answer). */
async function ttlsWhen(keys: string[], done: (ttl: number) => boolean): Promise<number[]> {
  let ttls: number[] = [];
  for (let i = 0; i < 200; i++) {
    ttls = await Promise.all(keys.map(async (k) => Number(await redis("TTL", k))));
    if (ttls.every(done)) return ttls;
  }
  throw new Error(`TTLs never reached the expected value: ${ttls.join(", ")}`);
}

/** A task of `agent` leased, with a checkpoint large enough to spill (the config spills past 64 KiB). */
async function spilledTask(
  f: Fixture,
  agent: string,
): Promise<{ runnerId: string; id: string; epoch: number; keys: string[] }> {
  const runnerId = await registerRunner(f, { name: "r", capacity: {} });
  const task = await submit(f, { agent });
  const [l] = await lease(f, runnerId, { max_tasks: 1 });
  await ok(
    call("PUT", `/v1/tasks/${task.id}/checkpoint`, f.runner, {
      epoch: l.epoch,
      state: { reasoning: "p".repeat(200_000) },
    }),
  );
  const keys = await blobKeys(f, task.instance);
  expect(keys.length).toBeGreaterThan(0);
  return { runnerId, id: task.id, epoch: l.epoch, keys };
}

describe("spilled checkpoints of parked tasks", () => {
  it("outlive the longest park deadline from the moment they are written", async () => {
    expect(MIN_SPILL_TTL_S).toBeGreaterThan(PARK_MAX_MS / 1000);
    const f = await fixture();
    await putAgent(f, "waits-30d", { approvals: { timeout_ms: PARK_MAX_MS } });
    const t = await spilledTask(f, "waits-30d");
    for (const ttl of await ttlsWhen(t.keys, (x) => x > 0)) expect(ttl).toBeGreaterThan(PARK_MAX_MS / 1000);
    // Parked at its gate with the longest deadline there is: still kept past it, with the margin.
    await ok(call("POST", `/v1/tasks/${t.id}/approval`, f.runner, { epoch: t.epoch, gate: "g" }));
    for (const ttl of await ttlsWhen(t.keys, (x) => x > 0)) expect(ttl).toBeGreaterThan(PARK_MAX_MS / 1000 + 24 * 3600);
  });

  it("a park without a deadline keeps them without expiry until the instance runs again", async () => {
    const f = await fixture();
    await putAgent(f, "waits", {});
    const t = await spilledTask(f, "waits");
    await ok(call("POST", `/v1/tasks/${t.id}/approval`, f.runner, { epoch: t.epoch, gate: "g" }));
    // -1: the key has no expiry.
    await ttlsWhen(t.keys, (x) => x === -1);
    // Approved and leased again: the claim sets the normal TTL back.
    await ok(call("POST", `/v1/approvals/${t.id}`, f.admin, { decision: "approve", gate: "g" }));
    const [again] = await lease(f, t.runnerId, { max_tasks: 1 });
    expect(again.task.id).toBe(t.id);
    expect(again.checkpoint.state.reasoning).toHaveLength(200_000);
    for (const ttl of await ttlsWhen(t.keys, (x) => x > 0)) expect(ttl).toBeGreaterThan(MIN_SPILL_TTL_S - 3600);
  });
});
