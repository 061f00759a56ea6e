import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AgentStateJson } from "../../src/api/schemas.js";
import { decodeDelta, decodeState, encodeDelta, encodeState } from "../../src/checkpoint/codec.js";
import { applyDelta, diffState } from "../../src/checkpoint/delta.js";

const msg = fc.record({ role: fc.constantFrom("user", "assistant", "tool"), content: fc.string() });
const call = fc.record({
  name: fc.string({ minLength: 1 }),
  arguments: fc.string(),
  status: fc.constantFrom("ok" as const, "error" as const),
});
const state: fc.Arbitrary<AgentStateJson> = fc.record(
  {
    messages: fc.array(msg, { maxLength: 5 }),
    tool_calls: fc.array(call, { maxLength: 3 }),
    reasoning: fc.string({ minLength: 1 }),
    cursor: fc.record({ step: fc.nat(1000), sub_step: fc.nat(3) }),
    app_state: fc.jsonValue(),
    metadata: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.string(), { minKeys: 1, maxKeys: 3 }),
  },
  { requiredKeys: [] },
) as fc.Arbitrary<AgentStateJson>;
/** The next state of an agent: the old one extended, with some replaced fields. */
const step = (s: AgentStateJson) =>
  fc
    .record({
      m: fc.array(msg, { maxLength: 3 }),
      t: fc.array(call, { maxLength: 2 }),
      r: fc.string(),
      c: fc.option(fc.nat(1000)),
      a: fc.option(fc.jsonValue()),
    })
    .map(({ m, t, r, c, a }) => {
      const n: AgentStateJson = {
        ...s,
        messages: [...(s.messages ?? []), ...m],
        tool_calls: [...(s.tool_calls ?? []), ...t],
        reasoning: (s.reasoning ?? "") + r,
      };
      if (c !== null) n.cursor = { step: c, sub_step: 0 };
      if (a !== null) n.app_state = a as AgentStateJson["app_state"];
      return n;
    });

/** What a state looks like after a protobuf round trip (defaults filled, empties dropped). */
const canon = (s: AgentStateJson): AgentStateJson => {
  const d = decodeState(encodeState(s));
  if (d.kind !== "ok") throw new Error(d.message);
  return d.state;
};

describe("checkpoint deltas", () => {
  it("any chain of extensions: folding the deltas (through protobuf) gives back the last state", () => {
    fc.assert(
      fc.property(state, fc.integer({ min: 1, max: 6 }), (s0, n) => {
        const states = [canon(s0)];
        // Build n successive extensions with fast-check's own sampler.
        for (let i = 0; i < n; i++)
          states.push(
            canon(
              fc.sample(step(states[states.length - 1] as AgentStateJson), {
                numRuns: 1,
                seed: i + n,
              })[0] as AgentStateJson,
            ),
          );
        let folded = states[0] as AgentStateJson;
        for (let i = 1; i < states.length; i++) {
          const d = diffState(states[i - 1] as AgentStateJson, states[i] as AgentStateJson, i);
          expect(d).not.toBeNull();
          const wire = decodeDelta(encodeDelta(d!));
          if (wire.kind !== "ok") throw new Error(wire.message);
          expect(wire.delta.base_seq).toBe(i);
          folded = applyDelta(folded, wire.delta);
        }
        expect(canon(folded)).toEqual(states[states.length - 1]);
      }),
      { numRuns: 150 },
    );
  });

  it("an edit of history is not a delta: a full checkpoint is due", () => {
    const a: AgentStateJson = { messages: [{ role: "user", content: "hi" }], reasoning: "abc" };
    expect(diffState(a, { ...a, messages: [{ role: "user", content: "HI" }] }, 1)).toBeNull();
    expect(diffState(a, { ...a, reasoning: "xbc" }, 1)).toBeNull();
    expect(diffState(a, { messages: [] }, 1)).toBeNull();
    expect(diffState({ app_state: 1 }, {}, 1)).toBeNull();
  });

  it("a one-message step costs the message, not the history", () => {
    const history: AgentStateJson = {
      messages: Array.from({ length: 500 }, (_, i) => ({
        role: i % 2 ? "assistant" : "user",
        content: "x".repeat(400),
      })),
    };
    const next = { ...history, messages: [...(history.messages ?? []), { role: "user", content: "one more" }] };
    const d = diffState(history, next, 7)!;
    // full: 500 × ~406 bytes ≈ 200 KB; delta: one short message
    expect(encodeState(next).byteLength).toBeGreaterThan(200_000);
    expect(encodeDelta(d).byteLength).toBeLessThan(32);
  });
});
