// The thread-checkpoint API behind OfficeOSSaver: channel values stored once
// per (channel, version), large ones in chunks; pending writes kept once per
// (task, idx); scopes; lease fencing of runner writes; bad input → 4xx.
import { Buffer } from "node:buffer";
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  advance,
  call,
  expectError,
  expectIssues,
  fixture,
  lease,
  leasedTask,
  ok,
  putAgent,
  registerRunner,
  submit,
  tenantIdOf,
} from "./helpers.js";

const b64 = (s: string | Uint8Array) => Buffer.from(s).toString("base64");
const fromB64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const v = (s: string) => ({ type: "json", data: b64(s) });

function cp(extra: Record<string, unknown> = {}) {
  return {
    checkpoint: v('{"v":4}'),
    metadata: v('{"source":"loop"}'),
    metadata_json: { source: "loop", step: 1 },
    channel_versions: {},
    ...extra,
  };
}

function threadRows(key: string, thread: string): Promise<{ blobs: number; chunks: number; checkpoints: number }> {
  const stub = env.AGENT.get(env.AGENT.idFromName(`${tenantIdOf(key)}/@thread/${thread}`));
  return runInDurableObject(stub, (_o, state: DurableObjectState) => {
    const n = (t: string) => state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${t}`).one().n;
    return { blobs: n("thread_blobs"), chunks: n("thread_chunks"), checkpoints: n("thread_checkpoints") };
  });
}

describe("thread checkpoints", () => {
  it("stores each channel value once per version, chunks large ones, and assembles checkpoints from them", async () => {
    const f = await fixture();
    // 2.5 MiB: three 1 MiB chunks.
    const big = new Uint8Array(2.5 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) % 251;
    await ok(
      call(
        "PUT",
        "/v1/threads/t1/checkpoints/c1",
        f.submit,
        cp({
          channel_versions: { a: 1, b: 1 },
          blobs: [
            { channel: "a", version: 1, value: v('"one"') },
            { channel: "b", version: 1, value: { type: "bytes", data: b64(big) } },
          ],
        }),
      ),
    );
    // The next checkpoint moves only `a`: `b` is not sent again.
    await ok(
      call(
        "PUT",
        "/v1/threads/t1/checkpoints/c2",
        f.submit,
        cp({
          parent_checkpoint_id: "c1",
          channel_versions: { a: 2, b: 1 },
          blobs: [{ channel: "a", version: 2, value: v('"two"') }],
        }),
      ),
    );
    expect(await threadRows(f.submit, "t1")).toEqual({ blobs: 3, chunks: 3, checkpoints: 2 });

    const c2 = await ok(call("GET", "/v1/threads/t1/checkpoints/c2?checkpoint_ns=", f.read));
    expect(c2.parent_checkpoint_id).toBe("c1");
    const values = Object.fromEntries(
      c2.channel_values.map((c: { channel: string; value: { data: string } }) => [c.channel, c.value.data]),
    );
    expect(atob(values.a)).toBe('"two"');
    expect(Buffer.compare(fromB64(values.b), big)).toBe(0);
    const c1 = await ok(call("GET", "/v1/threads/t1/checkpoints/c1", f.read));
    expect(atob(c1.channel_values.find((c: { channel: string }) => c.channel === "a").value.data)).toBe('"one"');

    const page = await ok(call("GET", "/v1/threads/t1/checkpoints?limit=1", f.read));
    expect(page.checkpoints.map((c: { checkpoint_id: string }) => c.checkpoint_id)).toEqual(["c2"]);
    expect(page.next_before).toBeNull();
    expectError(await call("GET", "/v1/threads/t1/checkpoints/c3", f.read), 404, "not_found");
  }, 60_000); // megabytes through base64 on a shared machine: a budget, not an assertion

  it("keeps a task's write at an index once, replaces special (negative) ones, and orders by task path", async () => {
    const f = await fixture();
    await ok(call("PUT", "/v1/threads/t/checkpoints/c1", f.submit, cp()));
    const w = (task_id: string, task_path: string, writes: unknown[]) =>
      ok(call("PUT", "/v1/threads/t/checkpoints/c1/writes", f.submit, { task_id, task_path, writes }));
    expect(
      await w("b", "~2", [
        { channel: "x", idx: 0, value: v("1") },
        { channel: "__error__", idx: -1, value: v('"first"') },
      ]),
    ).toEqual({ stored: 2 });
    expect(
      await w("b", "~2", [
        { channel: "x", idx: 0, value: v("2") },
        { channel: "__error__", idx: -1, value: v('"second"') },
      ]),
    ).toEqual({ stored: 1 });
    await w("a", "~1", [{ channel: "y", idx: 0, value: v("3") }]);
    const t = await ok(call("GET", "/v1/threads/t/checkpoints/c1", f.read));
    expect(
      t.pending_writes.map((p: { task_id: string; channel: string; value: { data: string } }) => [
        p.task_id,
        p.channel,
        atob(p.value.data),
      ]),
    ).toEqual([
      ["a", "y", "3"],
      ["b", "__error__", '"second"'],
      ["b", "x", "1"],
    ]);
  });

  it("filters by metadata, lists across threads, and deletes a thread", async () => {
    const f = await fixture();
    await ok(
      call(
        "PUT",
        "/v1/threads/t1/checkpoints/c1",
        f.submit,
        cp({ metadata_json: { source: "input", tags: { k: [1] } } }),
      ),
    );
    await ok(call("PUT", "/v1/threads/t2/checkpoints/c2", f.submit, cp()));
    const ids = async (path: string) =>
      (await ok(call("GET", path, f.read))).checkpoints.map(
        (c: { thread_id: string; checkpoint_id: string }) => `${c.thread_id}/${c.checkpoint_id}`,
      );
    expect(await ids("/v1/checkpoints")).toEqual(["t2/c2", "t1/c1"]);
    expect(await ids(`/v1/checkpoints?filter=${encodeURIComponent(JSON.stringify({ tags: { k: [1] } }))}`)).toEqual([
      "t1/c1",
    ]);
    expect(await ids(`/v1/checkpoints?before=c2`)).toEqual(["t1/c1"]);
    expect(await ok(call("DELETE", "/v1/threads/t1", f.submit))).toEqual({ deleted: true });
    expect(await ids("/v1/checkpoints")).toEqual(["t2/c2"]);
    expect(await ids("/v1/threads/t1/checkpoints")).toEqual([]);
  });

  it("answers bad input with 400 and wrong keys with 401/403", async () => {
    const f = await fixture();
    expectIssues(
      await call(
        "PUT",
        "/v1/threads/t/checkpoints/c",
        f.submit,
        cp({ checkpoint: { type: "json", data: "not base64!" } }),
      ),
      "checkpoint.data",
    );
    expectIssues(
      await call("PUT", "/v1/threads/t/checkpoints/c", f.submit, { metadata: v("{}"), channel_versions: {} }),
      "checkpoint",
    );
    expectIssues(await call("PUT", "/v1/threads/t/checkpoints/c", f.submit, cp({ surprise: 1 })));
    expectIssues(
      await call("PUT", "/v1/threads/t/checkpoints/c/writes", f.submit, {
        task_id: "x",
        writes: [{ channel: "a", idx: 0.5, value: v("1") }],
      }),
      "writes.0.idx",
    );
    expectError(await call("GET", "/v1/threads/t/checkpoints?filter=%5B1%5D", f.read), 400, "bad_request");
    expectIssues(await call("GET", "/v1/threads/t/checkpoints?limit=0", f.read), "limit");
    expectError(await call("GET", "/v1/threads/t/checkpoints", null), 401, "unauthorized");
    expectError(await call("PUT", "/v1/threads/t/checkpoints/c", f.read, cp()), 403, "forbidden");
    // A runner key reaches a thread only through a lease it names, reads included; never the tenant-wide list.
    expectError(await call("PUT", "/v1/threads/t/checkpoints/c", f.runner, cp()), 403, "forbidden");
    expectError(await call("DELETE", "/v1/threads/t", f.runner), 403, "forbidden");
    expectError(await call("GET", "/v1/threads/t/checkpoints", f.runner), 403, "forbidden");
    expectError(await call("GET", "/v1/threads/t/checkpoints/c", f.runner), 403, "forbidden");
    expectError(await call("GET", "/v1/checkpoints", f.runner), 403, "forbidden");
  });

  it("refuses another instance's lease before its epoch can raise the thread's floor", async () => {
    const f = await fixture();
    const { runnerId, id, epoch } = await leasedTask(f, "lg");
    const as = (task: string, e: number) => ({ "officeos-task-id": task, "officeos-epoch": String(e) });
    await ok(call("PUT", "/v1/threads/t/checkpoints/c1", f.runner, cp(), as(id, epoch)));

    // A second task (a fresh instance), leased later, has a higher epoch. Before issue 15 its write raised the
    // floor and locked the owner out with stale_epoch; now the thread is not its instance's and it is refused.
    const other = await submit(f, { agent: "lg" });
    const [l2] = await lease(f, runnerId, { max_tasks: 1 });
    expect(l2.task.id).toBe(other.id);
    expect(l2.epoch).toBeGreaterThan(epoch);
    expectError(
      await call(
        "PUT",
        "/v1/threads/t/checkpoints/c2",
        f.runner,
        cp({ parent_checkpoint_id: "c1" }),
        as(other.id, l2.epoch),
      ),
      403,
      "forbidden",
    );
    await ok(call("PUT", "/v1/threads/t/checkpoints/c3", f.runner, cp(), as(id, epoch)));
    await ok(call("PUT", "/v1/threads/t/checkpoints/c3/writes", f.runner, { task_id: "n", writes: [] }, as(id, epoch)));
    expect((await threadRows(f.runner, "t")).checkpoints).toBe(2);
  });

  it("fences runner writes: a lease replaced after expiry is refused", async () => {
    const f = await fixture();
    const as = (task: string, e: number) => ({ "officeos-task-id": task, "officeos-epoch": String(e) });
    await putAgent(f, "solo");
    const r2 = await registerRunner(f, { name: "r2", capacity: {}, lease_ttl_ms: 5_000 });
    const solo = await submit(f, { agent: "solo" });
    const [first] = await lease(f, r2, { max_tasks: 1 });
    await advance(f.admin, 5_001);
    const [second] = await lease(f, r2, { max_tasks: 1 });
    expect(second.task.id).toBe(solo.id);
    expectError(
      await call("PUT", "/v1/threads/s/checkpoints/c1", f.runner, cp(), as(solo.id, first.epoch)),
      409,
      "stale_epoch",
    );
    await ok(call("PUT", "/v1/threads/s/checkpoints/c1", f.runner, cp(), as(solo.id, second.epoch)));
    expect((await threadRows(f.runner, "s")).checkpoints).toBe(1);
  });

  it("is in the OpenAPI document", async () => {
    const doc = await ok(call("GET", "/openapi.json", null));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/threads/{thread_id}/checkpoints/{checkpoint_id}",
        "/v1/threads/{thread_id}/checkpoints/{checkpoint_id}/writes",
        "/v1/threads/{thread_id}/checkpoints",
        "/v1/checkpoints",
        "/v1/threads/{thread_id}",
      ]),
    );
  });
});
