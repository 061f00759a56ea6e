// DRF ties through the HTTP API: agents of equal demand take turns on a
// one-task runner (least recently leased first, src/drf/share.ts), and the
// turn order is stored, so it carries on after the tenant's object is evicted.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, type Fixture, fixture, lease, ok, putAgent, registerRunner, submit, tenantDO } from "./helpers.js";

/** One round: the runner takes one task (the whole runner) and completes it. */
async function round(f: Fixture, runner: string): Promise<string> {
  const got = await lease(f, runner, { max_tasks: 4 });
  expect(got).toHaveLength(1);
  const l = got[0];
  await ok(call("POST", `/v1/tasks/${l.task.id}/complete`, f.runner, { epoch: l.epoch, result: {} }));
  return l.task.agent as string;
}

async function twoAgents(): Promise<{ f: Fixture; runner: string }> {
  const f = await fixture();
  await putAgent(f, "a", { resources: { cpu: 4 } });
  await putAgent(f, "b", { resources: { cpu: 4 } });
  const runner = await registerRunner(f, { name: "r", capacity: { cpu: 4 } });
  // All of a's first: the order is not the queue's.
  for (let i = 0; i < 10; i++) await submit(f, { agent: "a" });
  for (let i = 0; i < 10; i++) await submit(f, { agent: "b" });
  return { f, runner };
}

/** Drops the object's in-memory state the way an eviction does: the next request builds a new instance. */
async function evict(f: Fixture): Promise<void> {
  await runInDurableObject(tenantDO(f.admin), (_o, state: DurableObjectState) => {
    try {
      state.abort("evicted by the test");
    } catch {
      /* abort() throws in the aborted request */
    }
  }).catch(() => {});
}

describe("fair ties through the API", () => {
  it("two agents with the same demand on a one-task runner alternate over ten rounds", async () => {
    const { f, runner } = await twoAgents();
    const got: string[] = [];
    for (let i = 0; i < 10; i++) got.push(await round(f, runner));
    // Neither leased yet: name, a; then b was leased less recently, and so on.
    expect(got).toEqual(["a", "b", "a", "b", "a", "b", "a", "b", "a", "b"]);
  });

  it("the order carries on after the object is evicted and reloaded from storage", async () => {
    const { f, runner } = await twoAgents();
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push(await round(f, runner));
    // a, b, a: b is next. A fresh instance that knew only running counts would say a (the name).
    const before = await runInDurableObject(tenantDO(f.admin), (o) => o);
    await evict(f);
    const after = await runInDurableObject(tenantDO(f.admin), (o) => o);
    expect(after).not.toBe(before);
    for (let i = 0; i < 3; i++) {
      got.push(await round(f, runner));
      await evict(f);
    }
    expect(got).toEqual(["a", "b", "a", "b", "a", "b"]);
  });
});
