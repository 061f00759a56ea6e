// Types for redis-bridge.mjs: a local server speaking Upstash's Redis REST protocol in front of
// a real redis-server, for @upstash/redis in Node and inside workerd.

/** Upstash's request-size limit on its smaller plans; larger bodies get 413. */
export const MAX_BODY_BYTES: number;

export interface RedisBridgeOptions {
  /** Where the real Redis listens. Default redis://127.0.0.1:6379. */
  redisUrl?: string;
  /** HTTP port; 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Bearer token clients must send; generated when omitted (read it from the result). */
  token?: string;
  /** Default MAX_BODY_BYTES (10 MB). */
  maxBodyBytes?: number;
  /** A request Redis has not answered within this long gets 503. Default 10 000. */
  commandTimeoutMs?: number;
  /** TCP connect timeout to Redis, and how long start waits for the first connection. Default 2 000. */
  connectTimeoutMs?: number;
  /** Connection errors and recoveries (once per change). Default: silent. */
  log?: (msg: string) => void;
}

export interface RedisBridge {
  /** e.g. http://127.0.0.1:41234 — pass as `url` to `new Redis({ url, token })`. */
  url: string;
  token: string;
  /** Stops the HTTP server and the Redis connection. */
  close(): Promise<void>;
}

export function startRedisBridge(opts?: RedisBridgeOptions): Promise<RedisBridge>;
