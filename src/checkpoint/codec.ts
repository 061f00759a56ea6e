// Checkpoint codec: the JSON view of an agent's state <-> protobuf bytes.
// Pure: no I/O. Uses the static generated module (reflection needs eval,
// which workerd forbids).
import protobuf from "protobufjs/minimal.js";
import { officeos } from "../../proto/gen/officeos.js";
import type { AgentStateJson } from "../api/schemas.js";
import type { StateDeltaJson } from "./delta.js";

const pb = officeos.v1;

export type DecodeResult = { kind: "ok"; state: AgentStateJson } | { kind: "error"; message: string };

export function stateToProto(s: AgentStateJson): officeos.v1.AgentState.$Properties {
  const out: officeos.v1.AgentState.$Properties = {};
  if (s.messages)
    out.messages = s.messages.map((m) => ({
      role: m.role,
      content: m.content ?? "",
      name: m.name ?? "",
      toolCallId: m.tool_call_id ?? "",
    }));
  if (s.tool_calls)
    out.toolCalls = s.tool_calls.map((t) => ({
      id: t.id ?? "",
      name: t.name,
      arguments: t.arguments ?? "",
      result: t.result ?? "",
      status: t.status ?? "",
      startedAtMs: t.started_at_ms ?? 0,
      endedAtMs: t.ended_at_ms ?? 0,
    }));
  if (s.reasoning) out.reasoning = s.reasoning;
  if (s.cursor) out.cursor = { step: s.cursor.step, subStep: s.cursor.sub_step ?? 0 };
  if (s.app_state !== undefined) out.appStateJson = JSON.stringify(s.app_state);
  else if (s.app_state_base64 !== undefined) out.appStateBytes = base64ToBytes(s.app_state_base64);
  if (s.metadata) out.metadata = s.metadata;
  return out;
}

/**
 * A plain (Uint8Array) writer. The default `Writer.create()` picks the Node
 * `BufferWriter` whenever `Buffer` exists, and under workerd's nodejs_compat
 * its `Buffer#utf8Write(str, pos)` throws a RangeError for strings of 40+ chars.
 */
const writer = (): protobuf.Writer => new protobuf.Writer();

export function encodeState(s: AgentStateJson): Uint8Array {
  return pb.AgentState.encode(stateToProto(s), writer()).finish();
}

/** Decodes AgentState bytes into the JSON view; malformed bytes are a value, not a throw. */
export function decodeState(bytes: Uint8Array): DecodeResult {
  let m: officeos.v1.AgentState;
  try {
    m = pb.AgentState.decode(bytes);
  } catch (e) {
    return { kind: "error", message: `not an officeos.v1.AgentState: ${(e as Error).message}` };
  }
  return fromProto(m);
}

/** The fields AgentState and StateDelta share, in the JSON view. */
type ProtoStateFields = Pick<
  officeos.v1.AgentState,
  "messages" | "toolCalls" | "reasoning" | "cursor" | "appState" | "appStateJson" | "appStateBytes" | "metadata"
>;

function fromProto(m: ProtoStateFields): DecodeResult {
  const s: AgentStateJson = {};
  if (m.messages.length)
    s.messages = m.messages.map((x) => {
      const msg: NonNullable<AgentStateJson["messages"]>[number] = { role: x.role ?? "", content: x.content ?? "" };
      if (x.name) msg.name = x.name;
      if (x.toolCallId) msg.tool_call_id = x.toolCallId;
      return msg;
    });
  if (m.toolCalls.length)
    s.tool_calls = m.toolCalls.map((t) => {
      const tc: NonNullable<AgentStateJson["tool_calls"]>[number] = { name: t.name ?? "" };
      if (t.id) tc.id = t.id;
      if (t.arguments) tc.arguments = t.arguments;
      if (t.result) tc.result = t.result;
      if (t.status === "pending" || t.status === "ok" || t.status === "error") tc.status = t.status;
      // int64 fields decode as Long objects when long.js is present (in workerd too); a Long zero is truthy.
      const started = Number(t.startedAtMs ?? 0);
      const ended = Number(t.endedAtMs ?? 0);
      if (started) tc.started_at_ms = started;
      if (ended) tc.ended_at_ms = ended;
      return tc;
    });
  if (m.reasoning) s.reasoning = m.reasoning;
  if (m.cursor) s.cursor = { step: m.cursor.step ?? 0, sub_step: m.cursor.subStep ?? 0 };
  if (m.appState === "appStateJson" && m.appStateJson != null) {
    try {
      s.app_state = JSON.parse(m.appStateJson);
    } catch {
      return { kind: "error", message: "app_state_json is not valid JSON" };
    }
  } else if (m.appState === "appStateBytes" && m.appStateBytes != null) {
    s.app_state_base64 = bytesToBase64(m.appStateBytes);
  }
  if (Object.keys(m.metadata).length) s.metadata = { ...m.metadata };
  return { kind: "ok", state: s };
}

/**
 * Builds AgentCheckpoint bytes around already-encoded AgentState bytes without
 * decoding them: field 5 (state) is written as a length-delimited blob.
 */
export function wrapCheckpoint(
  h: { seq: number; taskId: string; epoch: number; createdAtMs: number },
  stateBytes: Uint8Array,
): Uint8Array {
  const w = pb.AgentCheckpoint.encode(
    { seq: h.seq, taskId: h.taskId, epoch: h.epoch, createdAtMs: h.createdAtMs },
    writer(),
  );
  w.uint32((5 << 3) | 2).bytes(stateBytes);
  return w.finish();
}

export interface UnwrappedCheckpoint {
  seq: number;
  taskId: string;
  epoch: number;
  createdAtMs: number;
  state: Uint8Array;
}

export function unwrapCheckpoint(bytes: Uint8Array): UnwrappedCheckpoint {
  const m = pb.AgentCheckpoint.decode(bytes);
  const state = m.state ? pb.AgentState.encode(m.state, writer()).finish() : new Uint8Array(0);
  return { seq: Number(m.seq), taskId: m.taskId, epoch: Number(m.epoch), createdAtMs: Number(m.createdAtMs), state };
}

export function bytesToBase64(b: Uint8Array): string {
  return protobuf.util.base64.encode(b, 0, b.length);
}

export function base64ToBytes(s: string): Uint8Array {
  const out = new Uint8Array(protobuf.util.base64.length(s));
  protobuf.util.base64.decode(s, out, 0);
  return out;
}

export type DeltaDecodeResult = { kind: "ok"; delta: StateDeltaJson } | { kind: "error"; message: string };

export function encodeDelta(d: StateDeltaJson): Uint8Array {
  const { base_seq, metadata, ...fields } = d;
  const p: officeos.v1.StateDelta.$Properties = { ...stateToProto(fields), baseSeq: base_seq };
  if (metadata) {
    p.metadata = metadata;
    p.metadataSet = true;
  }
  return pb.StateDelta.encode(p, writer()).finish();
}

export function decodeDelta(bytes: Uint8Array): DeltaDecodeResult {
  let m: officeos.v1.StateDelta;
  try {
    m = pb.StateDelta.decode(bytes);
  } catch (e) {
    return { kind: "error", message: `not an officeos.v1.StateDelta: ${(e as Error).message}` };
  }
  // Decoded messages keep defaults on the prototype: pass fields, not a spread.
  const r = fromProto({
    messages: m.messages,
    toolCalls: m.toolCalls,
    reasoning: m.reasoning,
    cursor: m.cursor,
    appState: m.appState,
    appStateJson: m.appStateJson,
    appStateBytes: m.appStateBytes,
    metadata: {},
  } as ProtoStateFields);
  if (r.kind === "error") return r;
  const { metadata: _unused, ...rest } = r.state;
  const delta: StateDeltaJson = { base_seq: Number(m.baseSeq ?? 0), ...rest };
  if (m.metadataSet) delta.metadata = { ...m.metadata };
  return { kind: "ok", delta };
}
