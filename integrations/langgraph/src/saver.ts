// OfficeOSSaver: a LangGraph.js checkpoint saver whose store is OfficeOS.
//
//   import { OfficeOSSaver } from "officeos/integrations/langgraph";
//   const graph = builder.compile({ checkpointer: OfficeOSSaver.fromEnv() });
//
// Inside an agent process started by an OfficeOS runner (OFFICEOS_RUNTIME_API
// and OFFICEOS_TASK_TOKEN set) it speaks to the runner's runtime API, which
// forwards to the control plane with the task's lease, so a write from a
// replaced lease is refused. Elsewhere it speaks to the control plane directly
// with an API key (scopes: read to read, submit to write).
//
// Only the channels whose version moved are sent with a checkpoint; the
// control plane keeps each (channel, version) value once (see docs/langgraph.md).
import {
  BaseCheckpointSaver,
  TASKS,
  WRITES_IDX_MAP,
  copyCheckpoint,
  getCheckpointId,
  maxChannelVersion,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  type PendingWrite,
  type SerializerProtocol,
} from "@langchain/langgraph-checkpoint";
import type { RunnableConfig } from "@langchain/core/runnables";
import { readFileSync } from "node:fs";

export interface OfficeOSSaverOptions {
  /** Control plane base URL, e.g. https://officeos.example.com (direct mode, with apiKey). */
  url?: string;
  /** A tenant API key: `read` to read, `submit` to write. */
  apiKey?: string;
  /** The runner's runtime API (runner mode, with taskToken); defaults to OFFICEOS_RUNTIME_API. */
  runtimeApi?: string;
  /** The agent process's task token; defaults to the file OFFICEOS_TASK_TOKEN_FILE names, else OFFICEOS_TASK_TOKEN. */
  taskToken?: string;
  /** Where defaults are read from (process.env when absent). */
  env?: Record<string, string | undefined>;
  serde?: SerializerProtocol;
  /** Per request, default 30 000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** A refusal from OfficeOS: status and the error code of its body (e.g. 409 stale_epoch). */
export class OfficeOSSaverError extends Error {
  override readonly name = "OfficeOSSaverError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface TypedValue {
  type: string;
  data: string;
}

interface TupleView {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  checkpoint: TypedValue;
  metadata: TypedValue;
  channel_values: { channel: string; value: TypedValue }[];
  pending_writes: { task_id: string; channel: string; value: TypedValue }[];
}

interface Page {
  checkpoints: TupleView[];
  next_before: string | null;
}

const b64 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));
const TRIES = 3;
/** 429s are waited out this many times (each wait as the answer says, at most MAX_RATE_WAIT_MS). */
const RATE_LIMIT_TRIES = 8;
const MAX_RATE_WAIT_MS = 10_000;

interface Connection {
  base: string;
  /** "/v1" on the control plane; "" on the runtime API, which mirrors the thread routes. */
  prefix: string;
  token: string;
}

/** The task token from the 0600 file the runner names in OFFICEOS_TASK_TOKEN_FILE, when there is one. */
function readTokenFile(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

function connect(o: OfficeOSSaverOptions): Connection {
  const env = o.env ?? process.env;
  const trim = (u: string) => u.replace(/\/+$/, "");
  if (o.url !== undefined || o.apiKey !== undefined) {
    if (!o.url || !o.apiKey) throw new Error("OfficeOSSaver: url and apiKey go together");
    return { base: trim(o.url), prefix: "/v1", token: o.apiKey };
  }
  const runtime = o.runtimeApi ?? env.OFFICEOS_RUNTIME_API;
  const task = o.taskToken ?? readTokenFile(env.OFFICEOS_TASK_TOKEN_FILE) ?? env.OFFICEOS_TASK_TOKEN;
  if (runtime && task) return { base: trim(runtime), prefix: "", token: task };
  if (env.OFFICEOS_URL && env.OFFICEOS_API_KEY)
    return { base: trim(env.OFFICEOS_URL), prefix: "/v1", token: env.OFFICEOS_API_KEY };
  throw new Error(
    "OfficeOSSaver: give url and apiKey, or run under an OfficeOS runner (OFFICEOS_RUNTIME_API, OFFICEOS_TASK_TOKEN_FILE or OFFICEOS_TASK_TOKEN), or set OFFICEOS_URL and OFFICEOS_API_KEY",
  );
}

export class OfficeOSSaver extends BaseCheckpointSaver {
  private readonly conn: Connection;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(options: OfficeOSSaverOptions = {}) {
    super(options.serde);
    this.conn = connect(options);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** Runner mode inside an OfficeOS agent process, else direct mode from OFFICEOS_URL and OFFICEOS_API_KEY. */
  static fromEnv(env: Record<string, string | undefined> = process.env): OfficeOSSaver {
    return new OfficeOSSaver({ env });
  }

  /** Which way this saver talks: through a runner (fenced by its lease) or directly. */
  get mode(): "runner" | "direct" {
    return this.conn.prefix === "" ? "runner" : "direct";
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id as string | undefined;
    if (threadId === undefined || threadId === null || threadId === "") return undefined;
    const ns = (config.configurable?.checkpoint_ns as string | undefined) ?? "";
    const id = getCheckpointId(config);
    let view: TupleView | undefined;
    if (id)
      view = await this.call<TupleView>(
        "GET",
        `/threads/${enc(threadId)}/checkpoints/${enc(id)}`,
        { checkpoint_ns: ns },
        undefined,
        true,
      );
    else
      view = (await this.call<Page>("GET", `/threads/${enc(threadId)}/checkpoints`, { checkpoint_ns: ns, limit: "1" }))
        ?.checkpoints[0];
    return view ? this.tuple(view) : undefined;
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    const { limit, before, filter } = options ?? {};
    if (limit !== undefined && limit <= 0) return;
    const threadId = config.configurable?.thread_id as string | undefined;
    const ns = config.configurable?.checkpoint_ns as string | undefined;
    const clean = Object.fromEntries(Object.entries(filter ?? {}).filter(([, v]) => v !== undefined));
    let cursor = before?.configurable?.checkpoint_id as string | undefined;
    let left = limit;
    const path = threadId ? `/threads/${enc(threadId)}/checkpoints` : "/checkpoints";
    for (;;) {
      const q: Record<string, string> = {};
      if (ns !== undefined && ns !== null) q.checkpoint_ns = ns;
      if (cursor !== undefined) q.before = cursor;
      if (left !== undefined) q.limit = String(left);
      if (Object.keys(clean).length) q.filter = JSON.stringify(clean);
      const page = (await this.call<Page>("GET", path, q)) as Page;
      for (const v of page.checkpoints) {
        yield await this.tuple(v);
        if (left !== undefined && --left <= 0) return;
      }
      if (!page.next_before || page.checkpoints.length === 0) return;
      cursor = page.next_before;
    }
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    if (!config.configurable) throw new Error("OfficeOSSaver.put: config.configurable is missing");
    const threadId = config.configurable.thread_id as string | undefined;
    if (!threadId) throw new Error('OfficeOSSaver.put: config.configurable has no "thread_id"');
    const ns = (config.configurable.checkpoint_ns as string | undefined) ?? "";
    const parent = (config.configurable.checkpoint_id as string | undefined) ?? null;
    const copy = copyCheckpoint(checkpoint);
    const values = (copy.channel_values ?? {}) as Record<string, unknown>;
    // Only the channels whose version moved carry a value; the others are stored already.
    const blobs: { channel: string; version: string | number; value: TypedValue }[] = [];
    for (const [channel, version] of Object.entries(newVersions)) {
      if (!(channel in values)) continue;
      blobs.push({ channel, version, value: await this.dump(values[channel]) });
    }
    const body = {
      checkpoint_ns: ns,
      parent_checkpoint_id: parent,
      checkpoint: await this.dump({ ...copy, channel_values: {} }),
      metadata: await this.dump(metadata),
      metadata_json: plainJson(metadata),
      channel_versions: copy.channel_versions,
      blobs,
    };
    await this.call("PUT", `/threads/${enc(threadId)}/checkpoints/${enc(checkpoint.id)}`, undefined, body);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    if (!config.configurable) throw new Error("OfficeOSSaver.putWrites: config.configurable is missing");
    const threadId = config.configurable.thread_id as string | undefined;
    const checkpointId = config.configurable.checkpoint_id as string | undefined;
    if (!threadId) throw new Error('OfficeOSSaver.putWrites: config.configurable has no "thread_id"');
    if (!checkpointId) throw new Error('OfficeOSSaver.putWrites: config.configurable has no "checkpoint_id"');
    const body = {
      checkpoint_ns: (config.configurable.checkpoint_ns as string | undefined) ?? "",
      task_id: taskId,
      task_path: taskPath ?? "",
      writes: await Promise.all(
        writes.map(async ([channel, value], idx) => ({
          channel,
          idx: WRITES_IDX_MAP[channel] ?? idx,
          value: await this.dump(value),
        })),
      ),
    };
    await this.call("PUT", `/threads/${enc(threadId)}/checkpoints/${enc(checkpointId)}/writes`, undefined, body);
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.call("DELETE", `/threads/${enc(threadId)}`);
  }

  // ---- internals ----

  private async dump(v: unknown): Promise<TypedValue> {
    const [type, bytes] = await this.serde.dumpsTyped(v);
    return { type, data: b64(bytes) };
  }

  private load(v: TypedValue): Promise<unknown> {
    return this.serde.loadsTyped(v.type, unb64(v.data));
  }

  private async tuple(v: TupleView): Promise<CheckpointTuple> {
    const checkpoint = (await this.load(v.checkpoint)) as Checkpoint;
    const values: Record<string, unknown> = {};
    for (const c of v.channel_values) values[c.channel] = await this.load(c.value);
    checkpoint.channel_values = values;
    if (checkpoint.v < 4 && v.parent_checkpoint_id) await this.migratePendingSends(checkpoint, v);
    const pendingWrites: CheckpointPendingWrite[] = [];
    for (const w of v.pending_writes) pendingWrites.push([w.task_id, w.channel, await this.load(w.value)]);
    const t: CheckpointTuple = {
      config: {
        configurable: { thread_id: v.thread_id, checkpoint_ns: v.checkpoint_ns, checkpoint_id: v.checkpoint_id },
      },
      checkpoint,
      metadata: (await this.load(v.metadata)) as CheckpointMetadata,
      pendingWrites,
    };
    if (v.parent_checkpoint_id)
      t.parentConfig = {
        configurable: { thread_id: v.thread_id, checkpoint_ns: v.checkpoint_ns, checkpoint_id: v.parent_checkpoint_id },
      };
    return t;
  }

  /** Checkpoints before format 4 kept pending sends as the parent's TASKS writes; newer ones as a channel. */
  private async migratePendingSends(checkpoint: Checkpoint, v: TupleView): Promise<void> {
    const parent = await this.call<TupleView>(
      "GET",
      `/threads/${enc(v.thread_id)}/checkpoints/${enc(v.parent_checkpoint_id ?? "")}`,
      { checkpoint_ns: v.checkpoint_ns },
      undefined,
      true,
    );
    const sends: unknown[] = [];
    for (const w of parent?.pending_writes ?? []) if (w.channel === TASKS) sends.push(await this.load(w.value));
    checkpoint.channel_values[TASKS] = sends;
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] =
      versions.length > 0 ? maxChannelVersion(...versions) : this.getNextVersion(undefined);
  }

  /** One call; network errors and 503 are retried (every write is idempotent), 429 waited out. 404 is undefined when `missingOk`. */
  private async call<T>(
    method: string,
    path: string,
    query?: Record<string, string>,
    body?: unknown,
    missingOk = false,
  ): Promise<T | undefined> {
    const url = new URL(`${this.conn.base}${this.conn.prefix}${path}`);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let i = 1; ; i++) {
      let res: Response;
      try {
        res = await this.fetchFn(url, { method, headers, body: payload, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        if (i < TRIES) {
          await sleep(200 * i);
          continue;
        }
        throw new OfficeOSSaverError(
          0,
          "unavailable",
          `OfficeOS unreachable at ${url.origin}: ${(e as Error).message}`,
        );
      }
      const text = await res.text();
      if (res.ok) return (text ? JSON.parse(text) : undefined) as T;
      if (res.status === 404 && missingOk) return undefined;
      if (res.status === 503 && i < TRIES) {
        await sleep(200 * i);
        continue;
      }
      // Rate limited (the key's requests per second, issue #7): nothing was done; wait as told.
      if (res.status === 429 && i < RATE_LIMIT_TRIES) {
        await sleep(retryAfterMs(res.headers.get("retry-after"), text));
        continue;
      }
      let err: { code?: string; message?: string } | undefined;
      try {
        err = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
      } catch {
        err = undefined;
      }
      throw new OfficeOSSaverError(
        res.status,
        err?.code ?? "unknown",
        `${method} ${path}: ${err?.message ?? `HTTP ${res.status}`}`,
      );
    }
  }
}

/** How long a 429 asks to wait: its body's `details.retry_after_ms`, else `Retry-After` seconds, else 1 s; capped. */
export function retryAfterMs(header: string | null, body: string): number {
  let ms: number | undefined;
  try {
    const d = (JSON.parse(body) as { error?: { details?: { retry_after_ms?: unknown } } }).error?.details
      ?.retry_after_ms;
    if (typeof d === "number" && Number.isFinite(d)) ms = d;
  } catch {
    ms = undefined;
  }
  if (ms === undefined && header !== null && /^\d+(\.\d+)?$/.test(header.trim())) ms = Number(header) * 1000;
  return Math.min(MAX_RATE_WAIT_MS, Math.max(0, ms ?? 1000));
}

const enc = encodeURIComponent;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Metadata as plain JSON for the server's filters (values JSON cannot hold are left out). */
function plainJson(m: CheckpointMetadata): Record<string, unknown> {
  try {
    const v = JSON.parse(JSON.stringify(m ?? {})) as unknown;
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
