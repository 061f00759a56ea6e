// Folding a checkpoint chain (a full state, then deltas) into one state, and
// deciding when to compact. Pure: records come in as bytes.
import type { AgentStateJson } from "../api/schemas.js";
import { decodeDelta, decodeState } from "./codec.js";
import { applyDelta } from "./delta.js";

export interface ChainRecord {
  seq: number;
  kind: "full" | "delta";
  bytes: Uint8Array | null;
}

export type FoldResult =
  | { kind: "ok"; seq: number; state: AgentStateJson; broken: null }
  /** A record could not be read: the state is the newest intact one before it. */
  | { kind: "ok"; seq: number; state: AgentStateJson; broken: { seq: number; reason: string } }
  | { kind: "empty"; broken: { seq: number; reason: string } | null };

/** Folds records (ascending seq, starting at a full one) until the end or the first unreadable one. */
export function foldChain(records: readonly ChainRecord[]): FoldResult {
  let state: AgentStateJson | null = null;
  let seq = 0;
  for (const r of records) {
    const fail = (reason: string): FoldResult =>
      state
        ? { kind: "ok", seq, state, broken: { seq: r.seq, reason } }
        : { kind: "empty", broken: { seq: r.seq, reason } };
    if (!r.bytes) return fail("blob missing");
    if (r.kind === "full") {
      const d = decodeState(r.bytes);
      if (d.kind === "error") return fail(d.message);
      state = d.state;
    } else {
      if (!state) return fail("delta without a full checkpoint before it");
      const d = decodeDelta(r.bytes);
      if (d.kind === "error") return fail(d.message);
      if (d.delta.base_seq !== seq) return fail(`delta on ${d.delta.base_seq}, chain at ${seq}`);
      state = applyDelta(state, d.delta);
    }
    seq = r.seq;
  }
  return state ? { kind: "ok", seq, state, broken: null } : { kind: "empty", broken: null };
}

export interface CompactionPolicy {
  /** Compact once this many deltas follow the last full checkpoint. */
  maxDeltas: number;
  /** ... or once the deltas add up to this fraction of the full checkpoint's size (and at least minBytes). */
  bytesRatio: number;
  minBytes: number;
}

export const DEFAULT_COMPACTION: CompactionPolicy = { maxDeltas: 64, bytesRatio: 1, minBytes: 64 * 1024 };

export function shouldCompact(
  deltas: number,
  deltaBytes: number,
  fullBytes: number,
  p: CompactionPolicy = DEFAULT_COMPACTION,
): boolean {
  return deltas >= p.maxDeltas || deltaBytes >= Math.max(p.minBytes, fullBytes * p.bytesRatio);
}
