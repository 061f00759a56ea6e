// Checkpoint deltas over the JSON view of an agent's state. Pure.
//
// A delta appends messages, tool calls and reasoning, and replaces cursor,
// app state and metadata. diff() returns null when the new state is not an
// extension of the old one (an earlier message edited, reasoning rewritten,
// app state or metadata removed): then a full checkpoint is due.
import type { AgentStateJson } from "../api/schemas.js";

type Msg = NonNullable<AgentStateJson["messages"]>[number];
type Call = NonNullable<AgentStateJson["tool_calls"]>[number];

export interface StateDeltaJson {
  base_seq: number;
  messages?: Msg[];
  tool_calls?: Call[];
  reasoning?: string;
  cursor?: AgentStateJson["cursor"];
  app_state?: AgentStateJson["app_state"];
  app_state_base64?: string;
  metadata?: Record<string, string>;
}

const sameMsg = (a: Msg, b: Msg): boolean =>
  a.role === b.role &&
  (a.content ?? "") === (b.content ?? "") &&
  (a.name ?? "") === (b.name ?? "") &&
  (a.tool_call_id ?? "") === (b.tool_call_id ?? "");

const sameCall = (a: Call, b: Call): boolean =>
  (a.id ?? "") === (b.id ?? "") &&
  a.name === b.name &&
  (a.arguments ?? "") === (b.arguments ?? "") &&
  (a.result ?? "") === (b.result ?? "") &&
  (a.status ?? "") === (b.status ?? "") &&
  (a.started_at_ms ?? 0) === (b.started_at_ms ?? 0) &&
  (a.ended_at_ms ?? 0) === (b.ended_at_ms ?? 0);

/** The appended tail when `prev` is a prefix of `next`, else null. */
function tail<T>(
  prev: readonly T[] | undefined,
  next: readonly T[] | undefined,
  same: (a: T, b: T) => boolean,
): T[] | null {
  const p = prev ?? [];
  const n = next ?? [];
  if (n.length < p.length) return null;
  for (let i = 0; i < p.length; i++) if (!same(p[i] as T, n[i] as T)) return null;
  return n.slice(p.length);
}

const appStateKey = (s: AgentStateJson): string | null =>
  s.app_state !== undefined
    ? `j${JSON.stringify(s.app_state)}`
    : s.app_state_base64 !== undefined
      ? `b${s.app_state_base64}`
      : null;

const metaKey = (m: Record<string, string> | undefined): string | null =>
  m === undefined || Object.keys(m).length === 0
    ? null
    : JSON.stringify(
        Object.keys(m)
          .sort()
          .map((k) => [k, m[k]]),
      );

export function diffState(prev: AgentStateJson, next: AgentStateJson, baseSeq: number): StateDeltaJson | null {
  const messages = tail(prev.messages, next.messages, sameMsg);
  const calls = tail(prev.tool_calls, next.tool_calls, sameCall);
  const pr = prev.reasoning ?? "";
  const nr = next.reasoning ?? "";
  if (!messages || !calls || !nr.startsWith(pr)) return null;
  const pa = appStateKey(prev);
  const na = appStateKey(next);
  if (pa !== null && na === null) return null;
  const pm = metaKey(prev.metadata);
  const nm = metaKey(next.metadata);
  if (pm !== null && nm === null) return null;
  const d: StateDeltaJson = { base_seq: baseSeq };
  if (messages.length) d.messages = messages;
  if (calls.length) d.tool_calls = calls;
  if (nr.length > pr.length) d.reasoning = nr.slice(pr.length);
  if (next.cursor && JSON.stringify(next.cursor) !== JSON.stringify(prev.cursor)) d.cursor = next.cursor;
  if (na !== pa) {
    if (next.app_state !== undefined) d.app_state = next.app_state;
    else if (next.app_state_base64 !== undefined) d.app_state_base64 = next.app_state_base64;
  }
  if (nm !== pm && next.metadata) d.metadata = next.metadata;
  return d;
}

export function applyDelta(base: AgentStateJson, d: StateDeltaJson): AgentStateJson {
  const out: AgentStateJson = { ...base };
  if (d.messages?.length) out.messages = [...(base.messages ?? []), ...d.messages];
  if (d.tool_calls?.length) out.tool_calls = [...(base.tool_calls ?? []), ...d.tool_calls];
  if (d.reasoning) out.reasoning = (base.reasoning ?? "") + d.reasoning;
  if (d.cursor) out.cursor = d.cursor;
  if (d.app_state !== undefined) {
    out.app_state = d.app_state;
    delete out.app_state_base64;
  } else if (d.app_state_base64 !== undefined) {
    out.app_state_base64 = d.app_state_base64;
    delete out.app_state;
  }
  if (d.metadata) out.metadata = d.metadata;
  return out;
}
