// Spill of large checkpoint blobs to Redis through Upstash's REST API.
//
// @upstash/redis asks for base64 responses and decodes them as UTF-8 text,
// which would corrupt raw bytes: blobs are stored as base64 text. Each chunk
// goes in its own request, under Upstash's 10 MB request limit with base64's
// third added (4 MiB raw → 5.3 MiB text), with a TTL that is the retention.
import { Redis } from "@upstash/redis/cloudflare";
import { bytesToBase64, base64ToBytes } from "./codec.js";

export const SPILL_CHUNK_BYTES = 4 * 1024 * 1024;
/** A Redis call slower than this fails the write (503) rather than hold the agent. */
const CALL_TIMEOUT_MS = 5_000;

export interface SpillConfig {
  url: string;
  token: string;
  ttlSeconds: number;
}

export type SpillResult<T> = { kind: "ok"; value: T } | { kind: "error"; message: string };

/** The client's errors quote the whole command, blob included: keep the reason only. */
const reason = (e: unknown): string =>
  String((e as Error)?.message ?? e)
    .split(", command was:")[0]
    ?.slice(0, 300) ?? "unknown error";

async function timed<T>(p: Promise<T>): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>(
    (_, rej) =>
      (t = setTimeout(() => rej(new Error(`Redis did not answer within ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS)),
  );
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}

export class RedisSpill {
  private readonly redis: Redis;

  constructor(private readonly cfg: SpillConfig) {
    this.redis = new Redis({
      url: cfg.url,
      token: cfg.token,
      automaticDeserialization: false,
      enableAutoPipelining: false,
      retry: { retries: 1, backoff: () => 100 },
    });
  }

  async put(prefix: string, bytes: Uint8Array): Promise<SpillResult<{ chunks: number }>> {
    const chunks = Math.max(1, Math.ceil(bytes.byteLength / SPILL_CHUNK_BYTES));
    try {
      for (let i = 0; i < chunks; i++) {
        const part = bytes.subarray(i * SPILL_CHUNK_BYTES, (i + 1) * SPILL_CHUNK_BYTES);
        await timed(this.redis.set(`${prefix}:${i}`, bytesToBase64(part), { ex: this.cfg.ttlSeconds }));
      }
      return { kind: "ok", value: { chunks } };
    } catch (e) {
      void this.del(prefix, chunks);
      return { kind: "error", message: reason(e) };
    }
  }

  /** The blob, null when a chunk is missing (expired or deleted). */
  async get(prefix: string, chunks: number): Promise<SpillResult<Uint8Array | null>> {
    try {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < chunks; i++) {
        const v = await timed(this.redis.get<string>(`${prefix}:${i}`));
        if (typeof v !== "string") return { kind: "ok", value: null };
        parts.push(base64ToBytes(v));
      }
      const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let off = 0;
      for (const p of parts) out.set(p, off), (off += p.byteLength);
      return { kind: "ok", value: out };
    } catch (e) {
      return { kind: "error", message: reason(e) };
    }
  }

  /**
   * Keeps a blob at least `seconds` longer (EXPIRE … GT never shortens it), or
   * with no expiry at all (null: PERSIST); `rearm` sets the configured TTL again.
   */
  async retain(prefix: string, chunks: number, seconds: number | null | "rearm"): Promise<SpillResult<null>> {
    try {
      for (let i = 0; i < chunks; i++) {
        const key = `${prefix}:${i}`;
        if (seconds === null) await timed(this.redis.persist(key));
        else if (seconds === "rearm") await timed(this.redis.expire(key, this.cfg.ttlSeconds));
        else await timed(this.redis.expire(key, Math.max(1, Math.ceil(seconds)), "GT"));
      }
      return { kind: "ok", value: null };
    } catch (e) {
      return { kind: "error", message: reason(e) };
    }
  }

  async del(prefix: string, chunks: number): Promise<void> {
    try {
      await timed(this.redis.del(...Array.from({ length: chunks }, (_, i) => `${prefix}:${i}`)));
    } catch {
      /* the TTL removes it anyway */
    }
  }
}

export async function sha256Bytes(b: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", b));
  let s = "";
  for (const x of d) s += x.toString(16).padStart(2, "0");
  return s;
}
