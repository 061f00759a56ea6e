// Issue 15, hole 2: a thread belongs to one agent instance. An agent of
// instance A, with its runner's key and its own lease, cannot read, write,
// delete or list a thread of instance B, and cannot move B's epoch floor;
// outside keys (read, submit, admin) keep their access.
import { Buffer } from "node:buffer";
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, fixture, LEASE_TOKEN, ok, putAgent, submit, tenantIdOf, type Fixture } from "./helpers.js";

const v = (s: string) => ({ type: "json", data: Buffer.from(s).toString("base64") });
const cp = (extra: Record<string, unknown> = {}) => ({
  checkpoint: v('{"v":4}'),
  metadata: v("{}"),
  metadata_json: {},
  channel_versions: {},
  ...extra,
});

interface Held {
  task: string;
  epoch: number;
  headers: Record<string, string>;
}

/** What the thread's object holds: its owner, epoch floor and checkpoint ids. */
function threadState(key: string, thread: string): Promise<{ owner: string | null; floor: number; ids: string[] }> {
  const stub = env.AGENT.get(env.AGENT.idFromName(`${tenantIdOf(key)}/@thread/${thread}`));
  return runInDurableObject(stub, (_o, state: DurableObjectState) => {
    const meta = (k: string) =>
      state.storage.sql.exec<{ v: string }>("SELECT v FROM thread_meta WHERE k = ?", k).toArray()[0]?.v ?? null;
    const ids = state.storage.sql
      .exec<{ id: string }>("SELECT id FROM thread_checkpoints ORDER BY id")
      .toArray()
      .map((r) => r.id);
    return { owner: meta("owner"), floor: Number(meta("epoch_floor") ?? "0"), ids };
  });
}

describe("threads bound to their owner instance", () => {
  let f: Fixture;
  /** The runner's own credential (what POST /v1/runners hands a runner), holding both leases. */
  let cred: string;
  let a: Held;
  let b: Held;

  beforeAll(async () => {
    f = await fixture();
    await putAgent(f, "lg");
    const reg = await ok(call("POST", "/v1/runners", f.runner, { name: "r", capacity: {} }), 201);
    cred = reg.credential.key;
    const runnerId = reg.runner.id as string;
    const leaseFor = async (instance: string): Promise<Held> => {
      const t = await submit(f, { agent: "lg", instance });
      const { leases } = await ok(call("POST", `/v1/runners/${runnerId}/lease`, cred, { max_tasks: 1 }));
      expect(leases[0].task.id).toBe(t.id);
      const l = leases[0];
      return {
        task: t.id,
        epoch: l.epoch,
        headers: { "officeos-task-id": t.id, "officeos-epoch": String(l.epoch), [LEASE_TOKEN]: l.lease_token },
      };
    };
    // B is leased first, so A's epoch is the higher one: the one that used to move B's floor.
    b = await leaseFor("inst-b");
    a = await leaseFor("inst-a");
    expect(a.epoch).toBeGreaterThan(b.epoch);
    await ok(call("PUT", "/v1/threads/tb/checkpoints/c1", cred, cp(), b.headers));
    await ok(
      call(
        "PUT",
        "/v1/threads/tb/checkpoints/c1/writes",
        cred,
        { task_id: "x", writes: [{ channel: "c", idx: 0, value: v("1") }] },
        b.headers,
      ),
    );
    await ok(call("PUT", "/v1/threads/ta/checkpoints/c1", cred, cp(), a.headers));
  });

  it("the first write through a lease claims the thread for the lease's instance", async () => {
    expect(await threadState(f.admin, "tb")).toMatchObject({ owner: "inst-b", floor: b.epoch, ids: ["c1"] });
    expect(await threadState(f.admin, "ta")).toMatchObject({ owner: "inst-a", floor: a.epoch });
    // Its own lease reads it back, one checkpoint and the list.
    expect((await ok(call("GET", "/v1/threads/ta/checkpoints/c1", cred, undefined, a.headers))).checkpoint_id).toBe(
      "c1",
    );
    expect((await ok(call("GET", "/v1/threads/ta/checkpoints", cred, undefined, a.headers))).checkpoints).toHaveLength(
      1,
    );
  });

  it("A's lease cannot read, write, delete or list B's thread, and B's floor does not move", async () => {
    const before = await threadState(f.admin, "tb");
    const refused = [
      await call("GET", "/v1/threads/tb/checkpoints/c1", cred, undefined, a.headers),
      await call("GET", "/v1/threads/tb/checkpoints", cred, undefined, a.headers),
      await call("PUT", "/v1/threads/tb/checkpoints/c2", cred, cp({ parent_checkpoint_id: "c1" }), a.headers),
      await call(
        "PUT",
        "/v1/threads/tb/checkpoints/c1/writes",
        cred,
        { task_id: "y", writes: [{ channel: "c", idx: 1, value: v("2") }] },
        a.headers,
      ),
      await call("DELETE", "/v1/threads/tb", cred, undefined, a.headers),
    ];
    for (const r of refused) {
      expectError(r, 403, "forbidden");
      expect(r.body.error.message).toContain("another agent instance");
      expect(JSON.stringify(r.body)).not.toContain("inst-b");
    }
    // No lease named: refused on reads too, and the tenant-wide list is never a runner's.
    expectError(await call("GET", "/v1/threads/tb/checkpoints", cred), 403, "forbidden");
    expectError(await call("GET", "/v1/threads/tb/checkpoints/c1", cred), 403, "forbidden");
    expectError(await call("GET", "/v1/checkpoints", cred), 403, "forbidden");
    expectError(await call("GET", "/v1/checkpoints", f.runner), 403, "forbidden");
    // A's task id with a made-up token: the lease is not proven.
    expectError(
      await call("GET", "/v1/threads/tb/checkpoints", cred, undefined, { ...a.headers, [LEASE_TOKEN]: "forged" }),
      401,
      "unauthorized",
    );

    const after = await threadState(f.admin, "tb");
    expect(after).toEqual(before);
    expect(after.floor).toBe(b.epoch);
    // The owner is not locked out: its lease still writes (no stale_epoch) and reads.
    await ok(call("PUT", "/v1/threads/tb/checkpoints/c2", cred, cp({ parent_checkpoint_id: "c1" }), b.headers));
    const page = await ok(call("GET", "/v1/threads/tb/checkpoints", cred, undefined, b.headers));
    expect(page.checkpoints.map((c: { checkpoint_id: string }) => c.checkpoint_id)).toEqual(["c2", "c1"]);
  });

  it("a lease cannot claim a thread an outside key wrote, nor take over one its owner deleted", async () => {
    await ok(call("PUT", "/v1/threads/outside/checkpoints/c1", f.submit, cp()));
    expectError(await call("PUT", "/v1/threads/outside/checkpoints/c2", cred, cp(), a.headers), 403, "forbidden");
    expectError(await call("GET", "/v1/threads/outside/checkpoints", cred, undefined, a.headers), 403, "forbidden");
    expect(await threadState(f.admin, "outside")).toMatchObject({ owner: null, floor: 0, ids: ["c1"] });

    await ok(call("PUT", "/v1/threads/gone/checkpoints/c1", cred, cp(), b.headers));
    expect(await ok(call("DELETE", "/v1/threads/gone", cred, undefined, b.headers))).toEqual({ deleted: true });
    expectError(await call("PUT", "/v1/threads/gone/checkpoints/c1", cred, cp(), a.headers), 403, "forbidden");
    expect((await threadState(f.admin, "gone")).owner).toBe("inst-b");
    // An empty thread nobody owns reads as empty through any lease.
    expect((await ok(call("GET", "/v1/threads/fresh/checkpoints", cred, undefined, a.headers))).checkpoints).toEqual(
      [],
    );
  });

  it("outside keys keep their access: read lists and reads, submit writes and deletes any thread", async () => {
    expect((await ok(call("GET", "/v1/threads/tb/checkpoints", f.read))).checkpoints).toHaveLength(2);
    const all = await ok(call("GET", "/v1/checkpoints", f.read));
    expect(all.checkpoints.map((c: { thread_id: string }) => c.thread_id)).toContain("tb");
    await ok(call("PUT", "/v1/threads/ta/checkpoints/c9", f.submit, cp()));
    expect(await ok(call("DELETE", "/v1/threads/ta", f.submit))).toEqual({ deleted: true });
    // An outside delete resets the thread, owner included; the floor stays.
    expect(await threadState(f.admin, "ta")).toMatchObject({ owner: null, floor: a.epoch, ids: [] });
  });
});
