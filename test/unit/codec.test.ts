// checkpoint/codec: JSON view <-> AgentState protobuf, and the AgentCheckpoint wrapper.
import { describe, expect, it } from "vitest";
import { officeos } from "../../proto/gen/officeos.js";
import type { JsonValue } from "../../src/api/errors.js";
import type { AgentStateJson } from "../../src/api/schemas.js";
import {
  base64ToBytes,
  bytesToBase64,
  decodeState,
  encodeState,
  unwrapCheckpoint,
  wrapCheckpoint,
} from "../../src/checkpoint/codec.js";
import { int, pick, seeded, text } from "./random.js";

function roundTrip(s: AgentStateJson): AgentStateJson {
  const d = decodeState(encodeState(s));
  if (d.kind === "error") throw new Error(d.message);
  return d.state;
}

const FULL: AgentStateJson = {
  messages: [
    { role: "user", content: "hi" },
    { role: "assistant", content: "", name: "planner", tool_call_id: "call_1" },
  ],
  tool_calls: [
    {
      id: "call_1",
      name: "sql",
      arguments: '{"q":1}',
      result: "ok",
      status: "error",
      started_at_ms: 1_700_000_000_000,
      ended_at_ms: 1_700_000_000_001,
    },
  ],
  reasoning: "because ✓",
  cursor: { step: 4_294_967_295, sub_step: 3 },
  app_state: { nested: [1, "two", null, { three: true }], n: -1.25 },
  metadata: { framework: "autogen", "": "empty key" },
};

describe("encodeState / decodeState", () => {
  it("round-trips a state with every field set", () => {
    expect(roundTrip(FULL)).toEqual(FULL);
  });

  it("round-trips app_state as JSON, including JSON null and scalars", () => {
    const values: JsonValue[] = [null, 0, "", false, "text", [], {}, { a: { b: [1, 2] } }];
    for (const app_state of values) {
      expect(roundTrip({ app_state })).toEqual({ app_state });
    }
  });

  it("round-trips app_state_base64 as raw bytes", () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const b64 = bytesToBase64(bytes);
    expect(base64ToBytes(b64)).toEqual(bytes);
    expect(roundTrip({ app_state_base64: b64 })).toEqual({ app_state_base64: b64 });
    expect(roundTrip({ app_state_base64: "" })).toEqual({ app_state_base64: "" });
    // On the wire it is the bytes field, not JSON text.
    const m = officeos.v1.AgentState.decode(encodeState({ app_state_base64: "AAEC/w==" }));
    expect(m.appState).toBe("appStateBytes");
    expect(Array.from(m.appStateBytes ?? [])).toEqual([0, 1, 2, 255]);
  });

  it("fills proto3 defaults the JSON left out: message content and cursor sub_step", () => {
    expect(roundTrip({ messages: [{ role: "user" }], cursor: { step: 0 } })).toEqual({
      messages: [{ role: "user", content: "" }],
      cursor: { step: 0, sub_step: 0 },
    });
    expect(encodeState({}).byteLength).toBe(0);
    expect(roundTrip({})).toEqual({});
  });

  it("round-trips long and non-ASCII strings, across the writer's 40 and 128 char thresholds", () => {
    const unit = "é✓\u{1F600}ab"; // 6 UTF-16 units, 10 UTF-8 bytes
    for (const n of [1, 6, 7, 21, 22, 20_000]) {
      const s = unit.repeat(n);
      expect(roundTrip({ reasoning: s, messages: [{ role: "user", content: s }] })).toEqual({
        reasoning: s,
        messages: [{ role: "user", content: s }],
      });
    }
  });

  it("tool calls without times come back without them (int64 zero is not a time)", () => {
    expect(roundTrip({ tool_calls: [{ name: "x" }, { name: "y", started_at_ms: 5 }] })).toEqual({
      tool_calls: [{ name: "x" }, { name: "y", started_at_ms: 5 }],
    });
  });

  it("a string with a lone surrogate encodes to bytes that do not decode", () => {
    // JSON allows "\ud800"; UTF-8 cannot carry it. The checkpoint route relies on this check.
    expect(decodeState(encodeState({ reasoning: "a\ud800b" })).kind).toBe("error");
  });

  it("round-trips seeded random states in their canonical form", () => {
    const seed = 42;
    const r = seeded(seed);
    for (let i = 0; i < 300; i++) {
      const s: AgentStateJson = {};
      if (r() < 0.7)
        s.messages = Array.from({ length: int(r, 1, 4) }, () => ({
          role: pick(r, ["user", "assistant", "tool"]),
          content: text(r, 60),
        }));
      if (r() < 0.5)
        s.tool_calls = Array.from({ length: int(r, 1, 3) }, () => ({
          name: `t${int(r, 0, 9)}`,
          status: pick(r, ["pending", "ok", "error"] as const),
          started_at_ms: int(r, 1, 2 ** 40),
        }));
      if (r() < 0.5) s.reasoning = `${text(r, 200)}x`;
      if (r() < 0.5) s.cursor = { step: int(r, 0, 1000), sub_step: int(r, 0, 10) };
      if (r() < 0.4) s.app_state = { k: text(r, 50), n: int(r, -5, 5), list: [r() < 0.5, null] };
      else if (r() < 0.3)
        s.app_state_base64 = bytesToBase64(Uint8Array.from({ length: int(r, 0, 40) }, () => int(r, 0, 255)));
      expect(roundTrip(s), `seed ${seed} case ${i}`).toEqual(s);
    }
  });

  it("reports garbage as kind error, never a throw", () => {
    const cases = [
      new Uint8Array([0x0a, 0x10]), // messages with 16 bytes promised, none given
      new Uint8Array([0x9f, 0x06, 0x00]), // field 99, wire type 7
      new Uint8Array(Array(11).fill(0xff)), // a varint that never ends
      officeos.v1.AgentState.encode({ appStateJson: "{oops" }).finish(), // app_state_json that is not JSON
    ];
    for (const bytes of cases) {
      const d = decodeState(bytes);
      expect(d.kind).toBe("error");
      if (d.kind === "error") expect(d.message.length).toBeGreaterThan(0);
    }
  });

  it("decodes random bytes without throwing", () => {
    const r = seeded(9);
    for (let i = 0; i < 2_000; i++) {
      const bytes = Uint8Array.from({ length: int(r, 0, 64) }, () => int(r, 0, 255));
      expect(() => decodeState(bytes)).not.toThrow();
    }
  });
});

describe("wrapCheckpoint / unwrapCheckpoint", () => {
  const header = { seq: 12, taskId: "task_0123456789abcdef0123", epoch: 2 ** 40, createdAtMs: 1_776_000_000_000 };

  it("wraps encoded state bytes so the generated AgentCheckpoint decodes them", () => {
    const bytes = wrapCheckpoint(header, encodeState(FULL));
    const m = officeos.v1.AgentCheckpoint.decode(bytes);
    expect(Number(m.seq)).toBe(12);
    expect(m.taskId).toBe(header.taskId);
    expect(Number(m.epoch)).toBe(2 ** 40);
    expect(Number(m.createdAtMs)).toBe(header.createdAtMs);
    expect(m.state?.reasoning).toBe(FULL.reasoning);
    expect(JSON.parse(m.state?.appStateJson ?? "null")).toEqual(FULL.app_state);
  });

  it("unwraps to the same header and a state that decodes to the same JSON", () => {
    const u = unwrapCheckpoint(wrapCheckpoint(header, encodeState(FULL)));
    expect({ seq: u.seq, taskId: u.taskId, epoch: u.epoch, createdAtMs: u.createdAtMs }).toEqual(header);
    expect(decodeState(u.state)).toEqual({ kind: "ok", state: FULL });
  });

  it("wraps an empty state", () => {
    const u = unwrapCheckpoint(wrapCheckpoint(header, new Uint8Array(0)));
    expect(u.seq).toBe(12);
    expect(decodeState(u.state)).toEqual({ kind: "ok", state: {} });
  });
});
