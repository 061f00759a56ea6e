// Property: any state, then any chain of full and delta checkpoints (with the
// compactions the AgentDO does on its own), restores to the last state written.
import { env, runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { expect, it } from "vitest";
import type { AgentStateJson } from "../../src/api/schemas.js";
import { decodeState, encodeDelta, encodeState } from "../../src/checkpoint/codec.js";
import { diffState } from "../../src/checkpoint/delta.js";
import type { AgentDO } from "../../src/durable/agent-do.js";

const msg = fc.record({ role: fc.constantFrom("user", "assistant"), content: fc.string({ maxLength: 40 }) });
/** One agent step: extend the conversation, or (rarely) rewrite it, which forces a full checkpoint. */
const extend = fc.record({
  kind: fc.constant("extend" as const),
  add: fc.array(msg, { maxLength: 3 }),
  reason: fc.string({ maxLength: 10 }),
  step: fc.nat(10_000),
  app: fc.option(fc.jsonValue({ maxDepth: 2 })),
});
const rewrite = fc.record({ kind: fc.constant("rewrite" as const), messages: fc.array(msg, { maxLength: 4 }) });
const op = fc.oneof({ weight: 8, arbitrary: extend }, { weight: 1, arbitrary: rewrite });
type Op =
  | { kind: "extend"; add: { role: string; content: string }[]; reason: string; step: number; app: unknown }
  | { kind: "rewrite"; messages: { role: string; content: string }[] };

const canon = (s: AgentStateJson): AgentStateJson => {
  const d = decodeState(encodeState(s));
  if (d.kind !== "ok") throw new Error(d.message);
  return d.state;
};

let instance = 0;

async function replay(ops: fc.Arbitrary<Op[]>, runs: number, mustCompact: boolean): Promise<void> {
  await fc.assert(
    fc.asyncProperty(ops, async (ops) => {
      const stub = env.AGENT.get(env.AGENT.idFromName(`prop/${instance++}`));
      await runInDurableObject(stub, async (o: AgentDO, storage: DurableObjectState) => {
        let state: AgentStateJson = {};
        let seq = 0;
        for (const step of ops) {
          const next: AgentStateJson =
            step.kind === "rewrite"
              ? { ...state, messages: step.messages }
              : {
                  ...state,
                  messages: [...(state.messages ?? []), ...step.add],
                  reasoning: (state.reasoning ?? "") + step.reason,
                  cursor: { step: step.step, sub_step: 0 },
                  ...(step.app === null ? {} : { app_state: step.app as AgentStateJson["app_state"] }),
                };
          const d = seq > 0 ? diffState(state, next, seq) : null;
          const r = await o.put(
            "t",
            1,
            d ? { kind: "delta", baseSeq: seq, bytes: encodeDelta(d) } : { kind: "full", bytes: encodeState(next) },
          );
          if (r.kind !== "ok") throw new Error(`${r.code}: ${r.message}`);
          seq = r.value.seq;
          state = next;
        }
        const restored = await o.latest();
        if (restored.kind !== "ok" || !restored.value) throw new Error("nothing restored");
        expect(restored.value.seq).toBe(seq);
        expect(restored.value.broken).toBeUndefined();
        const got = decodeState(restored.value.state);
        expect(got.kind === "ok" && got.state).toEqual(canon(state));
        if (mustCompact) {
          // A full record past the first one was written by compaction, not by the agent.
          const fulls =
            storage.storage.sql
              .exec<{ n: number }>("SELECT COUNT(*) AS n FROM checkpoints WHERE kind = 'full' AND seq > 1")
              .toArray()[0]?.n ?? 0;
          expect(fulls).toBeGreaterThan(0);
        }
      });
    }),
    { numRuns: runs },
  );
}

it(
  "restores the last state after any chain of full and delta checkpoints",
  () => replay(fc.array(op as fc.Arbitrary<Op>, { minLength: 1, maxLength: 90 }), 40, false),
  120_000,
);

it(
  "long chains are compacted and still restore the last state",
  () => replay(fc.array(extend as fc.Arbitrary<Op>, { minLength: 70, maxLength: 140 }), 8, true),
  120_000,
);
