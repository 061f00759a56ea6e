// node bench/out/checkpoints.mjs [peer|http] [--quick]   (bundled from bench/checkpoints.ts by scripts/build.mjs)
//
// Checkpoint benchmarks (issue 4). Two parts, each printing one JSON object on
// stdout (progress goes to stderr); bench/run.mjs runs both and merges them into
// bench/results.json under `checkpoints`.
//
// `peer`: in this Node process, no HTTP. A 500-turn conversation saved turn by
//   turn by LangGraph.js's own savers (MemorySaver from
//   @langchain/langgraph-checkpoint, SqliteSaver from
//   @langchain/langgraph-checkpoint-sqlite on a file in a temp dir), each put()
//   carrying the whole message list in channel_values as LangGraph does; beside
//   it the bytes the AgentDO keeps for the same conversation (a full record,
//   then one delta a turn, compacted into a full record as the AgentDO decides,
//   the two newest full records kept with the deltas after them) and the time
//   of our pure diff + encode path.
//
// `http`: through the real HTTP path on local workerd (`wrangler dev`): full
//   checkpoint writes (PUT) and restores (GET) of about 1 KB, 200 KB, 2 MB and
//   10 MB as protobuf, and one-step deltas on a 50 000-token history, each
//   beside the platform floor (bench/floor/worker.js: the same bytes into and out
//   of a bare Durable Object's SQLite storage in 1 MiB chunks), interleaved in
//   rounds so drift on the machine hits both alike. Takes the stack from the
//   environment (OFFICEOS_BENCH_CP_URL, OFFICEOS_BENCH_FLOOR_URL,
//   OFFICEOS_BENCH_RUNNER_KEY, OFFICEOS_BENCH_SUBMIT_KEY), as bench/run.mjs sets
//   it; without them, starts its own control plane and floor under `wrangler dev`.
//
// With no part named, runs both and prints both.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeState, encodeDelta, encodeState, unwrapCheckpoint } from "../src/checkpoint/codec.js";
import { bootstrapTenant, ROOT, startControlPlane } from "../scripts/lib/stack.mjs";
import { seeded as mulberry32 } from "../test/unit/random.js";

import { quick, part, log, now, PROTOBUF, stats, messages, stateOfSize } from "./checkpoints-common.js";
import { peer } from "./checkpoints-peer.js";

// ---- http: the real path on local workerd, beside the floor ----------------

interface Stack {
  cp: string;
  floor: string;
  runnerKey: string;
  submitKey: string;
}

/** One request, its answer read to the last byte; anything but 2xx throws. */
async function req(url: string, init: RequestInit = {}): Promise<{ status: number; body: Uint8Array }> {
  const r = await fetch(url, init);
  const body = new Uint8Array(await r.arrayBuffer());
  if (!r.ok)
    throw new Error(
      `${init.method ?? "GET"} ${url}: HTTP ${r.status} ${new TextDecoder().decode(body.subarray(0, 300))}`,
    );
  return { status: r.status, body };
}

const json = <T>(b: Uint8Array): T => JSON.parse(new TextDecoder().decode(b)) as T;

interface SizeSpec {
  name: string;
  bytes: number;
  /** Samples per operation, over all rounds. */
  n: number;
}

const SIZES: SizeSpec[] = quick
  ? [
      { name: "1 KB", bytes: 1_000, n: 10 },
      { name: "200 KB", bytes: 200_000, n: 5 },
      { name: "2 MB", bytes: 2_000_000, n: 2 },
      { name: "10 MB", bytes: 10_000_000, n: 1 },
    ]
  : [
      { name: "1 KB", bytes: 1_000, n: 400 },
      { name: "200 KB", bytes: 200_000, n: 200 },
      { name: "2 MB", bytes: 2_000_000, n: 80 },
      { name: "10 MB", bytes: 10_000_000, n: 30 },
    ];
const ROUNDS = quick ? 1 : 5;
/** Deltas timed on the 50 000-token history: ten compactions in a full run, one in a quick one. */
const N_DELTAS = quick ? 66 : 640;
const HISTORY_TOKENS = 50_000;

async function http(stack: Stack): Promise<Record<string, unknown>> {
  const auth = (k: string) => ({ authorization: `Bearer ${k}` });
  const api = async <T>(method: string, path: string, key: string, body: unknown): Promise<T> =>
    json<T>(
      (
        await req(`${stack.cp}${path}`, {
          method,
          headers: { ...auth(key), "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).body,
    );

  // One task (one AgentDO) per size and one for the deltas, all leased by one runner for their epochs.
  const { runner } = await api<{ runner: { id: string } }>("POST", "/v1/runners", stack.runnerKey, {
    name: "bench-checkpoints",
    capacity: { cpu: 1e9, memory_mb: 1e9 },
    lease_ttl_ms: 600_000,
  });
  const names = [...SIZES.map((s) => s.name), "delta"];
  const ids = new Map<string, string>();
  for (const name of names)
    ids.set(
      name,
      (
        await api<{ task: { id: string } }>("POST", "/v1/tasks", stack.submitKey, {
          agent: "echo",
          input: { bench: name },
        })
      ).task.id,
    );
  const epochs = new Map<string, number>();
  /** Lease tokens (issue #7): required on every checkpoint and heartbeat, renewed by each heartbeat. */
  const tokens = new Map<string, string>();
  for (let tries = 0; epochs.size < names.length && tries < 20; tries++) {
    const { leases } = await api<{ leases: { task: { id: string }; epoch: number; lease_token: string }[] }>(
      "POST",
      `/v1/runners/${runner.id}/lease`,
      stack.runnerKey,
      { max_tasks: names.length, wait_ms: 1000 },
    );
    for (const l of leases) epochs.set(l.task.id, l.epoch), tokens.set(l.task.id, l.lease_token);
  }
  if (epochs.size < names.length) throw new Error(`leased ${epochs.size} of ${names.length} bench tasks`);
  const heartbeat = async () => {
    const a = await api<{ lease_tokens?: Record<string, string> }>(
      "POST",
      `/v1/runners/${runner.id}/heartbeat`,
      stack.runnerKey,
      {
        leases: [...ids.values()].map((id) => ({ task_id: id, epoch: epochs.get(id), lease_token: tokens.get(id) })),
      },
    );
    for (const [id, t] of Object.entries(a.lease_tokens ?? {})) tokens.set(id, t);
    return a;
  };

  const putOurs = async (taskId: string, bytes: Uint8Array, kind: "full" | "delta") =>
    json<{ seq: number; kind: "full" | "delta" }>(
      (
        await req(`${stack.cp}/v1/tasks/${taskId}/checkpoint`, {
          method: "PUT",
          headers: {
            ...auth(stack.runnerKey),
            "content-type": PROTOBUF,
            "officeos-epoch": String(epochs.get(taskId)),
            "officeos-lease-token": tokens.get(taskId) ?? "",
            "officeos-checkpoint-kind": kind,
          },
          body: bytes,
        })
      ).body,
    );
  const getOurs = async (taskId: string, identity = false) =>
    (
      await req(`${stack.cp}/v1/tasks/${taskId}/checkpoint`, {
        headers: { ...auth(stack.runnerKey), accept: PROTOBUF, ...(identity ? { "accept-encoding": "identity" } : {}) },
      })
    ).body;
  const putFloor = async (key: string, bytes: Uint8Array) =>
    (await req(`${stack.floor}/blob?k=${encodeURIComponent(key)}`, { method: "PUT", body: bytes })).body;
  const getFloor = async (key: string, identity = false) =>
    (
      await req(
        `${stack.floor}/blob?k=${encodeURIComponent(key)}`,
        identity ? { headers: { "accept-encoding": "identity" } } : {},
      )
    ).body;
  const proxy = async () => (await req(`${stack.floor}/healthz`)).body;
  const time = async (f: () => Promise<unknown>) => {
    const t0 = now();
    await f();
    return now() - t0;
  };

  const proxyMs: number[] = [];
  const sizes: Record<string, unknown>[] = [];
  for (const size of SIZES) {
    const state = stateOfSize(size.bytes, size.bytes);
    const bytes = encodeState(state);
    const taskId = ids.get(size.name) as string;
    const key = `size-${size.bytes}`;
    log(
      `http: full ${size.name} (${bytes.byteLength} B, ${state.messages?.length} messages), ${size.n} of each operation in ${ROUNDS} rounds`,
    );
    // Warm up both sides, and check each answers with the bytes it was given.
    const warm = quick ? 1 : Math.max(2, Math.min(20, Math.round(size.n / 10)));
    for (let i = 0; i < warm; i++) {
      await putOurs(taskId, bytes, "full");
      await putFloor(key, bytes);
      await proxy();
    }
    const back = unwrapCheckpoint(await getOurs(taskId));
    if (back.state.byteLength !== bytes.byteLength || decodeState(back.state).kind !== "ok")
      throw new Error(`${size.name}: our restore is not the state written`);
    const floorBack = await getFloor(key);
    if (floorBack.byteLength !== bytes.byteLength || floorBack[floorBack.length - 1] !== bytes[bytes.length - 1])
      throw new Error(`${size.name}: the floor's read is not the bytes written`);
    for (let i = 0; i < (quick ? 0 : warm); i++) await getOurs(taskId), await getFloor(key);

    const w: number[] = [];
    const fw: number[] = [];
    const r: number[] = [];
    const fr: number[] = [];
    /** Both reads again with Accept-Encoding: identity: without what the runtime's gzip of the answer costs. */
    const ri: number[] = [];
    const fri: number[] = [];
    const per = Math.ceil(size.n / ROUNDS);
    for (let round = 0; round < ROUNDS; round++) {
      await heartbeat();
      for (let i = 0; i < per; i++) w.push(await time(() => putOurs(taskId, bytes, "full")));
      for (let i = 0; i < per; i++) fw.push(await time(() => putFloor(key, bytes)));
      for (let i = 0; i < per; i++) r.push(await time(() => getOurs(taskId)));
      for (let i = 0; i < per; i++) fr.push(await time(() => getFloor(key)));
      for (let i = 0; i < per; i++) ri.push(await time(() => getOurs(taskId, true)));
      for (let i = 0; i < per; i++) fri.push(await time(() => getFloor(key, true)));
      for (let i = 0; i < Math.min(per, 40); i++) proxyMs.push(await time(proxy));
    }
    const row = {
      name: size.name,
      state_bytes: bytes.byteLength,
      messages: state.messages?.length ?? 0,
      write_ms: stats(w),
      floor_write_ms: stats(fw),
      read_ms: stats(r),
      floor_read_ms: stats(fr),
      read_identity_ms: stats(ri),
      floor_read_identity_ms: stats(fri),
      ratio_write_p50: 0,
      ratio_read_p50: 0,
      ratio_read_identity_p50: 0,
    };
    row.ratio_write_p50 = row.write_ms.p50 / row.floor_write_ms.p50;
    row.ratio_read_p50 = row.read_ms.p50 / row.floor_read_ms.p50;
    row.ratio_read_identity_p50 = row.read_identity_ms.p50 / row.floor_read_identity_ms.p50;
    log(
      `http: ${size.name}: write p50 ${row.write_ms.p50.toFixed(2)} ms (floor ${row.floor_write_ms.p50.toFixed(2)}), read p50 ${row.read_ms.p50.toFixed(2)} ms (floor ${row.floor_read_ms.p50.toFixed(2)})`,
    );
    sizes.push(row);
  }

  // One-step deltas on a 50 000-token history (about 4 characters a token: 1 000 messages of 200).
  const taskId = ids.get("delta") as string;
  const history = messages(mulberry32(7), (HISTORY_TOKENS * 4) / 200);
  const base = encodeState({ messages: history, cursor: { step: history.length } });
  log(
    `http: deltas: ${N_DELTAS} one-message deltas on a ${history.length}-message history (${base.byteLength} B full record)`,
  );
  await heartbeat();
  let seq = (await putOurs(taskId, base, "full")).seq;
  const rand = mulberry32(8);
  const dMs: number[] = [];
  const dKinds: ("full" | "delta")[] = [];
  const fdMs: number[] = [];
  let deltaBytes = 0;
  const WARM_DELTAS = quick ? 2 : 20;
  for (let i = 0; i < N_DELTAS + WARM_DELTAS; i++) {
    const d = encodeDelta({
      base_seq: seq,
      messages: messages(rand, 1, history.length + i),
      cursor: { step: history.length + i + 1 },
    });
    deltaBytes += d.byteLength;
    const t0 = now();
    const saved = await putOurs(taskId, d, "delta");
    const dt = now() - t0;
    if (saved.seq !== seq + 1) throw new Error(`delta on ${seq} saved as ${saved.seq}`);
    seq = saved.seq;
    // The floor gets the same bytes, in alternation, so drift hits both alike.
    const ft = await time(() => putFloor("delta", d));
    if (i >= WARM_DELTAS) dMs.push(dt), dKinds.push(saved.kind), fdMs.push(ft);
  }
  const restored = unwrapCheckpoint(await getOurs(taskId));
  const folded = decodeState(restored.state);
  if (folded.kind !== "ok" || folded.state.messages?.length !== history.length + N_DELTAS + WARM_DELTAS)
    throw new Error("deltas: the restored state does not hold every message");
  const compacted = dMs.filter((_, i) => dKinds[i] === "full");
  const plain = dMs.filter((_, i) => dKinds[i] === "delta");
  const delta = {
    history_tokens: HISTORY_TOKENS,
    history_messages: history.length,
    base_full_bytes: base.byteLength,
    final_full_bytes: restored.state.byteLength,
    delta_bytes_mean: deltaBytes / (N_DELTAS + WARM_DELTAS),
    n: N_DELTAS,
    compactions: compacted.length,
    delta_ms: stats(dMs),
    delta_ms_without_compaction: stats(plain),
    delta_ms_compacting: compacted.length ? stats(compacted) : null,
    floor_write_ms: stats(fdMs),
    ratio_p50: 0,
  };
  delta.ratio_p50 = delta.delta_ms.p50 / delta.floor_write_ms.p50;
  log(
    `http: deltas: p50 ${delta.delta_ms.p50.toFixed(2)} ms, p99 ${delta.delta_ms.p99.toFixed(2)} ms (${compacted.length} compacting), floor p50 ${delta.floor_write_ms.p50.toFixed(2)} ms`,
  );
  await api("DELETE", `/v1/runners/${runner.id}`, stack.runnerKey, undefined).catch(() => undefined);

  return {
    method: {
      runtime:
        "wrangler dev (local workerd), SQLite-backed Durable Objects persisted to a temp dir; Node fetch with keep-alive, one request at a time",
      ours: "PUT /v1/tasks/{id}/checkpoint with content-type application/x-protobuf, OfficeOS-Epoch and OfficeOS-Checkpoint-Kind (body = encodeState or encodeDelta); GET with Accept: application/x-protobuf; time from the request to the last byte of the answer",
      floor:
        "bench/floor/worker.js: PUT /blob stores the request body as is in a bare Durable Object's SQLite storage in 1 MiB chunks (replacing the last one), GET /blob reads it back with content-type application/x-protobuf as ours; one object per size, as each task has its own AgentDO",
      encoding:
        "Node's fetch accepts gzip, and wrangler dev gzips application/x-protobuf answers for it, on both sides alike; read_identity_ms and floor_read_identity_ms are the same reads with Accept-Encoding: identity",
      proxy: "GET /healthz on the floor worker: no Durable Object, no storage; what the local proxy costs a request",
      states: "conversations of 200-character messages sized to the encoded AgentState",
      rounds: ROUNDS,
      deltas: `one message (about 200 characters) and the cursor a delta, base_seq = the seq the previous PUT returned; the AgentDO compacts every 64th delta into a full record (answered kind: full), so the all-deltas figures include those; the floor stores the same delta bytes in alternation`,
    },
    proxy_ms: stats(proxyMs),
    sizes,
    delta,
  };
}

// ---- main -----------------------------------------------------------------

function stackFromEnv(): Stack | null {
  const e = process.env;
  if (
    !e.OFFICEOS_BENCH_CP_URL ||
    !e.OFFICEOS_BENCH_FLOOR_URL ||
    !e.OFFICEOS_BENCH_RUNNER_KEY ||
    !e.OFFICEOS_BENCH_SUBMIT_KEY
  )
    return null;
  return {
    cp: e.OFFICEOS_BENCH_CP_URL,
    floor: e.OFFICEOS_BENCH_FLOOR_URL,
    runnerKey: e.OFFICEOS_BENCH_RUNNER_KEY,
    submitKey: e.OFFICEOS_BENCH_SUBMIT_KEY,
  };
}

async function ownStack<T>(f: (s: Stack) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "officeos-bench-cp-"));
  const admin = "bench-operator";
  const floor = await startControlPlane({
    config: join(ROOT, "bench/floor/wrangler.toml"),
    persistTo: join(dir, "floor"),
  });
  try {
    const cp = await startControlPlane({
      persistTo: join(dir, "state"),
      adminToken: admin,
      vars: { OFFICEOS_RATE_RPS: "0", OFFICEOS_RUNNER_RATE_RPS: "0" },
    });
    try {
      const keys = await bootstrapTenant(cp.url, admin, "bench-checkpoints");
      return await f({ cp: cp.url, floor: floor.url, runnerKey: keys.runnerKey, submitKey: keys.submitKey });
    } finally {
      await cp.stop();
    }
  } finally {
    await floor.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (part !== "peer" && part !== "http" && part !== "all")
  throw new Error(`unknown part ${part}: peer, http, or none for both`);
const t0 = now();
const out: Record<string, unknown> = { date: new Date().toISOString(), quick };
if (part === "peer" || part === "all") out.peer = await peer();
if (part === "http" || part === "all") {
  const env = stackFromEnv();
  out.http = env ? await http(env) : await ownStack(http);
}
out.seconds = (now() - t0) / 1000;
process.stdout.write(`${JSON.stringify(out)}\n`);
