import { performance } from "node:perf_hooks";
import type { AgentStateJson } from "../src/api/schemas.js";
import { encodeState } from "../src/checkpoint/codec.js";
import { seeded as mulberry32 } from "../test/unit/random.js";
export { type Stats, stats } from "./stats.mjs";

export const quick = process.argv.includes("--quick");
export const part = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? "all";
export const log = (s: string) => process.stderr.write(`[checkpoint bench] ${s}\n`);
export const now = () => performance.now();
export const PROTOBUF = "application/x-protobuf";

export type Msg = NonNullable<AgentStateJson["messages"]>[number];

// ---- deterministic content ------------------------------------------------

export const WORDS =
  "the agent runner checkpoint state lease epoch tool call result message user assistant plan step retry order invoice customer search query table row value error fix deploy build test review merge branch commit queue worker durable object storage chunk delta full restore".split(
    " ",
  );

/** About `chars` characters of word salad: no compression anywhere, but not trivially repetitive either. */
export function text(rand: () => number, chars: number): string {
  let s = "";
  while (s.length < chars) s += `${WORDS[Math.floor(rand() * WORDS.length)]} `;
  return s.slice(0, chars);
}

/** Alternating user / assistant messages of about 200 characters (about 50 tokens) each. */
export function messages(rand: () => number, n: number, from = 0): Msg[] {
  return Array.from({ length: n }, (_, i) => ({
    role: (from + i) % 2 === 0 ? "user" : "assistant",
    content: text(rand, 200),
  }));
}

/** A conversation state whose AgentState encoding is about `bytes` long. */
export function stateOfSize(bytes: number, seed: number): AgentStateJson {
  const rand = mulberry32(seed);
  const per = encodeState({ messages: messages(mulberry32(1), 1) }).byteLength;
  const n = Math.max(1, Math.round(bytes / per));
  return { messages: messages(rand, n), cursor: { step: n }, metadata: { bench: "checkpoints" } };
}
