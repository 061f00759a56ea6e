// The checkpoint bench's `peer` part (see bench/checkpoints.ts): LangGraph.js's own savers in this
// process beside the records the AgentDO keeps for the same conversation.
import { mkdtempSync, rmSync, statSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySaver, uuid6, type Checkpoint, type CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { AgentStateJson } from "../src/api/schemas.js";
import { encodeDelta, encodeState } from "../src/checkpoint/codec.js";
import { diffState } from "../src/checkpoint/delta.js";
import { foldChain, shouldCompact, type ChainRecord } from "../src/checkpoint/chain.js";
import { seeded as mulberry32 } from "../test/unit/random.js";

import { quick, log, now, stats, text } from "./checkpoints-common.js";

// ---- peer: LangGraph.js savers, in process --------------------------------

export interface PeerCurvePoint {
  turn: number;
  /** Bytes of the serialized checkpoints the saver holds (metadata not counted). */
  memory_saver_bytes: number;
  /** SUM(length(checkpoint)) over SqliteSaver's table. */
  sqlite_saver_bytes: number;
  /** The database file plus its WAL on disk. */
  sqlite_file_bytes: number;
  /** Bytes of the records the AgentDO keeps: two full records and the deltas after them. */
  ours_bytes: number;
  ours_records: { full: number; delta: number };
  ratio_memory_over_ours: number;
  ratio_sqlite_over_ours: number;
}

export interface SqliteDb {
  prepare(sql: string): { get(...args: unknown[]): unknown };
  close(): void;
}

export async function peer(): Promise<Record<string, unknown>> {
  const TURNS = quick ? 100 : 500;
  const MARKS = (quick ? [10, 50, 100] : [50, 100, 250, 500]).filter((t) => t <= TURNS);
  const require = createRequire(import.meta.url);
  const versions = Object.fromEntries(
    [
      "@langchain/langgraph-checkpoint",
      "@langchain/langgraph-checkpoint-sqlite",
      "@langchain/core",
      "better-sqlite3",
    ].map((p) => [p, (require(`${p}/package.json`) as { version: string }).version]),
  );
  log(`peer: ${TURNS} turns, LangGraph savers ${JSON.stringify(versions)}`);
  const dir = mkdtempSync(join(tmpdir(), "officeos-bench-lg-"));
  const dbPath = join(dir, "checkpoints.sqlite");
  const memory = new MemorySaver();
  const sqlite = SqliteSaver.fromConnString(dbPath);
  const db = sqlite.db as unknown as SqliteDb;
  const fileBytes = () => [dbPath, `${dbPath}-wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
  const memoryBytes = () => {
    let n = 0;
    // storage[thread][namespace][checkpoint id] = [serialized checkpoint, serialized metadata, parent id]
    for (const ns of Object.values(memory.storage))
      for (const byId of Object.values(ns)) for (const [cp] of Object.values(byId)) n += cp.byteLength;
    return n;
  };

  const rand = mulberry32(42);
  const thread = "bench-thread";
  const lgMessages: BaseMessage[] = [];
  let memParent: string | undefined;
  let sqlParent: string | undefined;
  const memMs: number[] = [];
  const sqlMs: number[] = [];

  // Ours: the runner's diff + encode, and the AgentDO's chain as it keeps it.
  type Rec = ChainRecord & { bytes: Uint8Array };
  let chain: Rec[] = [];
  let prev: AgentStateJson | null = null;
  let seq = 0;
  const oursMs: number[] = [];
  const compactMs: number[] = [];
  const ourState: AgentStateJson = { messages: [] };

  const curve: PeerCurvePoint[] = [];
  try {
    for (let turn = 1; turn <= TURNS; turn++) {
      const user = text(rand, 200);
      const answer = text(rand, 200);

      // LangGraph: messagesStateReducer gives every message an id; the loop saves the whole channel every step.
      lgMessages.push(
        new HumanMessage({ content: user, id: crypto.randomUUID() }),
        new AIMessage({ content: answer, id: crypto.randomUUID() }),
      );
      const checkpoint = (): Checkpoint => ({
        v: 4,
        id: uuid6(-1),
        ts: new Date().toISOString(),
        channel_values: { messages: lgMessages.slice() },
        channel_versions: { messages: turn },
        versions_seen: { agent: { messages: turn } },
      });
      const metadata: CheckpointMetadata = { source: "loop", step: turn, parents: {} };
      let t0 = now();
      const m = await memory.put(
        { configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: memParent } },
        checkpoint(),
        metadata,
      );
      memMs.push(now() - t0);
      memParent = m.configurable?.checkpoint_id as string;
      t0 = now();
      const s = await sqlite.put(
        { configurable: { thread_id: thread, checkpoint_ns: "", checkpoint_id: sqlParent } },
        checkpoint(),
        metadata,
      );
      sqlMs.push(now() - t0);
      sqlParent = s.configurable?.checkpoint_id as string;

      // Ours: the state the agent hands the runner; the runner diffs against the last one it sent.
      ourState.messages = [
        ...(ourState.messages ?? []),
        { role: "user", content: user },
        { role: "assistant", content: answer },
      ];
      ourState.cursor = { step: turn };
      const next: AgentStateJson = { ...ourState };
      t0 = now();
      const d = prev ? diffState(prev, next, seq) : null;
      const bytes = d ? encodeDelta(d) : encodeState(next);
      oursMs.push(now() - t0);
      if (prev && !d) throw new Error("a conversation turn must be an extension");
      seq++;
      chain.push({ seq, kind: d ? "delta" : "full", bytes });
      prev = next;
      // The AgentDO: compaction past 64 deltas (or as many bytes as the full record), then pruning.
      const lastFull = chain.map((r) => r.kind).lastIndexOf("full");
      const full = chain[lastFull] as Rec;
      const deltas = chain.slice(lastFull + 1);
      if (
        d &&
        shouldCompact(
          deltas.length,
          deltas.reduce((n, r) => n + r.bytes.byteLength, 0),
          full.bytes.byteLength,
        )
      ) {
        const c0 = now();
        const folded = foldChain(chain.slice(lastFull));
        if (folded.kind !== "ok" || folded.broken || folded.seq !== seq) throw new Error("our chain does not fold");
        const compacted = encodeState(folded.state);
        compactMs.push(now() - c0);
        chain[chain.length - 1] = { seq, kind: "full", bytes: compacted };
        const fulls = chain.filter((r) => r.kind === "full");
        const keep = fulls[fulls.length - 2];
        if (keep) chain = chain.filter((r) => r.seq >= keep.seq);
      }

      if (MARKS.includes(turn)) {
        const lgSqlite = Number(
          (db.prepare("SELECT SUM(length(checkpoint)) AS b FROM checkpoints").get() as { b: number }).b,
        );
        const ours = chain.reduce((n, r) => n + r.bytes.byteLength, 0);
        const p: PeerCurvePoint = {
          turn,
          memory_saver_bytes: memoryBytes(),
          sqlite_saver_bytes: lgSqlite,
          sqlite_file_bytes: fileBytes(),
          ours_bytes: ours,
          ours_records: {
            full: chain.filter((r) => r.kind === "full").length,
            delta: chain.filter((r) => r.kind === "delta").length,
          },
          ratio_memory_over_ours: 0,
          ratio_sqlite_over_ours: lgSqlite / ours,
        };
        p.ratio_memory_over_ours = p.memory_saver_bytes / ours;
        curve.push(p);
        log(
          `peer: turn ${turn}: MemorySaver ${p.memory_saver_bytes} B, SqliteSaver ${lgSqlite} B (file ${p.sqlite_file_bytes} B), ours ${ours} B`,
        );
      }
    }
    // The chain we kept must restore the conversation exactly.
    const folded = foldChain(chain.slice(chain.map((r) => r.kind).lastIndexOf("full")));
    if (
      folded.kind !== "ok" ||
      JSON.stringify(folded.state.messages) !== JSON.stringify(ourState.messages) ||
      folded.state.cursor?.step !== TURNS
    )
      throw new Error("our kept chain does not restore the conversation");
    const restored = await sqlite.getTuple({ configurable: { thread_id: thread } });
    const n = (restored?.checkpoint.channel_values as { messages?: unknown[] } | undefined)?.messages?.length;
    if (n !== 2 * TURNS) throw new Error(`SqliteSaver restored ${n} messages, expected ${2 * TURNS}`);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const tail = (a: number[]) => stats(a.slice(-Math.max(1, Math.floor(a.length / 10))));
  const last = curve[curve.length - 1] as PeerCurvePoint;
  const per = (bytes: number, msgs: number) => bytes / msgs;
  return {
    turns: TURNS,
    message_chars: 200,
    versions,
    method: {
      conversation: "one user and one assistant message of 200 characters a turn; one checkpoint a turn on every side",
      langgraph:
        "saver.put() with a v4 checkpoint whose channel_values.messages is the whole list of HumanMessage/AIMessage (with ids, as messagesStateReducer assigns them); metadata {source:'loop'}; no putWrites. A compiled graph writes 2-3 checkpoints a turn (input, each node) plus writes, so this understates LangGraph's bytes",
      memory_saver_bytes: "sum of the serialized checkpoints in MemorySaver.storage (metadata not counted)",
      sqlite_saver_bytes:
        "SELECT SUM(length(checkpoint)) FROM checkpoints; sqlite_file_bytes is the database file plus its WAL",
      ours: "the first state as encodeState, then one encodeDelta a turn (diffState against the previous state); compaction into encodeState of the folded chain when shouldCompact() says so (64 deltas, or the deltas weigh as much as the full record), keeping the two newest full records and the deltas after them; sum of record bytes (row overhead not counted)",
      ours_ms:
        "diffState + encodeDelta (encodeState for the first), what the runner does per checkpoint; compaction (fold + encodeState, AgentDO side) timed apart",
    },
    curve,
    bytes_per_message_at_last_turn: {
      // What one message costs in one stored copy: theirs is JSON of a LangChain message, ours a protobuf Message.
      langgraph_serialized: per(last.memory_saver_bytes, (2 * TURNS * (TURNS + 1)) / 2),
      ours_full_record: (() => {
        const f = chain.find((r) => r.kind === "full");
        return f ? f.bytes.byteLength / 2 / f.seq : null;
      })(),
    },
    put_ms: { memory_saver: stats(memMs), sqlite_saver: stats(sqlMs), ours: stats(oursMs) },
    put_ms_last_tenth: { memory_saver: tail(memMs), sqlite_saver: tail(sqlMs), ours: tail(oursMs) },
    ours_compaction_ms: compactMs.length ? stats(compactMs) : null,
    ratio_at_last_turn: {
      memory_saver_over_ours: last.ratio_memory_over_ours,
      sqlite_saver_over_ours: last.ratio_sqlite_over_ours,
    },
  };
}
