// Checkpoint chains through the API: deltas, their fold, compaction, chunking, fallback.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import protobuf from "protobufjs/minimal.js";
import { officeos } from "../../proto/gen/officeos.js";
import type { AgentDO } from "../../src/durable/agent-do.js";
import { call, fixture, leasedTask, ok, tenantIdOf, type Fixture } from "./helpers.js";

const put = (f: Fixture, id: string, body: unknown) => call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, body);
const latest = async (f: Fixture, id: string) => ok(call("GET", `/v1/tasks/${id}/checkpoint`, f.read));

describe("checkpoint deltas", () => {
  it("folds full + JSON and protobuf deltas into the state", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    expect(
      await ok(
        put(f, id, {
          epoch,
          state: { messages: [{ role: "user", content: "hi" }], reasoning: "a", cursor: { step: 1 } },
        }),
      ),
    ).toEqual({ seq: 1, kind: "full" });
    expect(
      await ok(
        put(f, id, {
          epoch,
          delta: {
            base_seq: 1,
            messages: [{ role: "assistant", content: "hello" }],
            reasoning: "b",
            cursor: { step: 2 },
          },
        }),
      ),
    ).toEqual({ seq: 2, kind: "delta" });
    const bytes = officeos.v1.StateDelta.encode(
      { baseSeq: 2, messages: [{ role: "user", content: "bye" }], appStateJson: '{"n":3}' },
      new protobuf.Writer(),
    ).finish();
    const r = await call("PUT", `/v1/tasks/${id}/checkpoint`, f.runner, bytes, {
      "content-type": "application/x-protobuf",
      "officeos-epoch": String(epoch),
      "officeos-checkpoint-kind": "delta",
    });
    expect(r.body).toEqual({ seq: 3, kind: "delta" });
    const cp = await latest(f, id);
    expect(cp.seq).toBe(3);
    expect(cp.state).toEqual({
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "user", content: "bye" },
      ],
      reasoning: "ab",
      cursor: { step: 2, sub_step: 0 },
      app_state: { n: 3 },
    });
  });

  it("a delta on anything but the latest checkpoint is refused with 409, and nothing changes", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    const noBase = await put(f, id, { epoch, delta: { base_seq: 1, reasoning: "x" } });
    expect(noBase.status).toBe(409);
    expect(noBase.body.error.details).toEqual({ latest_seq: 0 });
    await ok(put(f, id, { epoch, state: { reasoning: "a" } }));
    await ok(put(f, id, { epoch, delta: { base_seq: 1, reasoning: "b" } }));
    const stale = await put(f, id, { epoch, delta: { base_seq: 1, reasoning: "c" } });
    expect(stale.status).toBe(409);
    expect((await latest(f, id)).state).toEqual({ reasoning: "ab" });
  });

  it("needs exactly one of state and delta", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    expect((await put(f, id, { epoch })).status).toBe(400);
    expect((await put(f, id, { epoch, state: {}, delta: { base_seq: 1 } })).status).toBe(400);
  });

  it("compacts a long chain into a full checkpoint and still restores the same state", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    await ok(put(f, id, { epoch, state: { messages: [] } }));
    const kinds: string[] = [];
    for (let i = 0; i < 70; i++)
      kinds.push(
        (await ok(put(f, id, { epoch, delta: { base_seq: i + 1, messages: [{ role: "user", content: `m${i}` }] } })))
          .kind,
      );
    // The 64th delta after the full checkpoint triggers compaction: seq 65 is stored full.
    expect(kinds.indexOf("full")).toBe(63);
    expect(kinds.filter((k) => k === "full")).toHaveLength(1);
    const cp = await latest(f, id);
    expect(cp.seq).toBe(71);
    expect(cp.state.messages.map((m: { content: string }) => m.content)).toEqual(
      Array.from({ length: 70 }, (_, i) => `m${i}`),
    );
  });

  it("stores a checkpoint above the 1 MiB chunk size in chunks and reads it back whole", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    const big = "x".repeat(1_400_000);
    await ok(put(f, id, { epoch, state: { reasoning: big } }));
    const chunks = await runInDurableObject(
      env.AGENT.get(env.AGENT.idFromName(`${tenantIdOf(f.admin)}/${id}`)),
      (_o: AgentDO, s: DurableObjectState) =>
        s.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM checkpoint_chunks WHERE seq = 1").toArray()[0]?.n,
    );
    expect(chunks).toBe(2);
    expect((await latest(f, id)).state.reasoning).toBe(big);
  });

  it("a lost record restores the newest intact state and says which record broke", async () => {
    const f = await fixture();
    const { id, epoch } = await leasedTask(f);
    await ok(put(f, id, { epoch, state: { reasoning: "a" } }));
    await ok(put(f, id, { epoch, delta: { base_seq: 1, reasoning: "b" } }));
    await ok(put(f, id, { epoch, delta: { base_seq: 2, reasoning: "c" } }));
    const restored = await runInDurableObject(
      env.AGENT.get(env.AGENT.idFromName(`${tenantIdOf(f.admin)}/${id}`)),
      async (o: AgentDO, s: DurableObjectState) => {
        s.storage.sql.exec("DELETE FROM checkpoint_chunks WHERE seq = 3");
        const r = await o.latest();
        return r.kind === "ok" ? r.value : null;
      },
    );
    expect(restored?.seq).toBe(2);
    expect(restored?.broken).toEqual({ seq: 3, reason: "blob missing" });
    const view = await latest(f, id);
    expect(view.state).toEqual({ reasoning: "ab" });
    // Whoever reads it is told which record broke.
    expect(view.broken).toEqual({ seq: 3, reason: "blob missing" });
  });
});
