// AgentDO's own fence: a write below the instance's epoch floor is refused
// even if it got past the TenantDO check just before a re-lease.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AgentDO } from "../../src/durable/agent-do.js";

const stub = (name: string) => env.AGENT.get(env.AGENT.idFromName(name));
const bytes = (n: number) => new Uint8Array([0x1a, 1, 0x30 + n]); // AgentState { reasoning: "<n>" }
const full = (n: number) => ({ kind: "full" as const, bytes: bytes(n) });

describe("AgentDO epoch floor", () => {
  it("refuses writes from an epoch below the last claim, keeps sequence numbers and the newest state", async () => {
    await runInDurableObject(stub("t/inst-1"), async (o: AgentDO) => {
      expect(await o.claim("task_a", 3)).toEqual({ kind: "ok", value: null });
      expect(await o.put("task_a", 3, full(1))).toEqual({ kind: "ok", value: { seq: 1, kind: "full" } });
      // A new lease (epoch 5) claims the instance; the old one (3) can no longer write.
      const claimed = await o.claim("task_a", 5);
      expect(claimed.kind === "ok" && claimed.value?.seq).toBe(1);
      expect(await o.put("task_a", 3, full(2))).toMatchObject({ kind: "error", code: "stale_epoch" });
      expect(await o.put("task_a", 5, full(3))).toEqual({ kind: "ok", value: { seq: 2, kind: "full" } });
      // A write from a newer epoch raises the floor by itself.
      expect(await o.put("task_a", 7, full(4))).toEqual({ kind: "ok", value: { seq: 3, kind: "full" } });
      expect(await o.put("task_a", 5, full(5))).toMatchObject({ kind: "error", code: "stale_epoch" });
      const latest = await o.latest();
      expect(latest.kind === "ok" && latest.value).toMatchObject({ seq: 3, epoch: 7, state: bytes(4) });
    });
  });

  it("keeps the two newest full checkpoints (each a fallback for the next)", async () => {
    const seqs = await runInDurableObject(stub("t/inst-2"), async (o: AgentDO, state: DurableObjectState) => {
      for (let i = 1; i <= 6; i++) await o.put("task_b", 1, full(i));
      return state.storage.sql
        .exec<{ seq: number }>("SELECT seq FROM checkpoints ORDER BY seq")
        .toArray()
        .map((r) => r.seq);
    });
    expect(seqs).toEqual([5, 6]);
  });
});
