// A local stand-in for Upstash: an HTTP server that speaks Upstash's Redis REST
// protocol in front of a real `redis-server`, so the unchanged `@upstash/redis`
// client (in Node or inside workerd) can talk to a local Redis.
//
// Protocol (checked against @upstash/redis 1.39 `pkg/http.ts` and Upstash's REST docs):
// - `Authorization: Bearer <token>` (or `?_token=<token>`); otherwise 401 {"error":"WRONGPASS ..."}.
// - `POST /` with a JSON array command, e.g. ["SET","k","v","EX",60] → 200 {"result": ...};
//   a Redis error → 400 {"error":"ERR ..."}. Arguments may be strings, numbers or booleans
//   (the client sends numbers unquoted).
// - `POST /pipeline` with an array of commands → 200 [{"result": ...} | {"error": "..."}, ...]
//   (not atomic; one failing command does not stop the others).
// - `POST /multi-exec` → the commands run inside MULTI/EXEC → the same array shape; a
//   transaction Redis discards as a whole (EXECABORT) → 400 {"error": "..."}.
// - `Upstash-Encoding: base64` (the client sends it by default): every string in a result,
//   at any depth, is the base64 of the raw bytes Redis returned, except a top-level "OK"
//   status reply, which stays "OK" (the client special-cases exactly that). Integers and null
//   stay as they are. Without the header strings are UTF-8 text (invalid bytes become U+FFFD).
// - Bodies over 10 MB (Upstash's limit on its smaller plans) → 413.
// - Redis unreachable (or not answering within `commandTimeoutMs`) → 503 {"error": "..."}
//   at once; commands are never queued while the connection is down, and the client keeps
//   reconnecting, so the bridge recovers by itself when Redis comes back.
//
// Commands that would block or change the state of the one shared Redis connection
// (SUBSCRIBE, MONITOR, MULTI/EXEC/WATCH, SELECT, BLPOP, XREAD ... BLOCK, ...) are refused
// with 400: use /multi-exec for transactions.
//
// RESP side: node-redis (`redis` package), speaking RESP2 with bulk strings mapped to
// Buffers so values come back byte for byte.
//
// Run directly: node scripts/redis-bridge.mjs [--port 8079] [--host 127.0.0.1]
//   [--redis redis://127.0.0.1:6379] [--token T]   (token also from UPSTASH_REDIS_REST_TOKEN;
//   generated and printed when neither is given). Serves until SIGINT/SIGTERM.
import { createServer } from "node:http";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, ErrorReply, RESP_TYPES } from "redis";

export const MAX_BODY_BYTES = 10 * 1024 * 1024;

// Commands that would block the shared connection for every other request, or change its
// state (database, subscriptions, transactions, protocol, auth).
const REFUSED = new Set([
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "SYNC",
  "PSYNC",
  "REPLCONF",
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "SELECT",
  "AUTH",
  "HELLO",
  "QUIT",
  "RESET",
  "BLPOP",
  "BRPOP",
  "BRPOPLPUSH",
  "BLMOVE",
  "BLMPOP",
  "BZPOPMIN",
  "BZPOPMAX",
  "BZMPOP",
  "WAIT",
  "WAITAOF",
]);

class HttpError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Failure to reach Redis (as opposed to an error reply from Redis). */
class UnavailableError extends Error {}

/**
 * Turns one JSON command into Redis arguments, or throws a 400.
 * @param {unknown} cmd
 * @returns {string[]}
 */
function toArgs(cmd) {
  if (!Array.isArray(cmd) || cmd.length === 0) throw new HttpError(400, "ERR a command must be a non-empty JSON array");
  const args = cmd.map((a) => {
    // Strings go to Redis as their UTF-8 bytes, untouched. Numbers come from the client's
    // JSON.stringify of a JS number, so String(n) gives back exactly the text it sent.
    if (typeof a === "string") return a;
    if (typeof a === "number" && Number.isFinite(a)) return String(a);
    if (typeof a === "boolean") return String(a);
    throw new HttpError(
      400,
      `ERR command arguments must be strings, numbers or booleans, got ${a === null ? "null" : typeof a}`,
    );
  });
  const name = /** @type {string} */ (args[0]).toUpperCase();
  const blockingRead = (name === "XREAD" || name === "XREADGROUP") && args.some((a) => a.toUpperCase() === "BLOCK");
  if (REFUSED.has(name) || blockingRead) {
    throw new HttpError(
      400,
      `ERR ${name}${blockingRead ? " BLOCK" : ""} is not supported by the local Upstash bridge (it would block or change the shared Redis connection)`,
    );
  }
  return args;
}

/**
 * @param {unknown} body
 * @returns {string[][]}
 */
function toCommandList(body) {
  if (!Array.isArray(body) || body.length === 0)
    throw new HttpError(400, "ERR the body must be a non-empty JSON array of commands");
  return body.map(toArgs);
}

/**
 * Converts a RESP2 reply (bulk strings as Buffers, status replies as strings) to JSON.
 * @param {unknown} reply
 * @param {boolean} base64
 * @param {boolean} top
 * @returns {unknown}
 */
function encodeReply(reply, base64, top) {
  if (reply === null || reply === undefined) return null;
  if (typeof reply === "number") return reply;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (typeof reply === "string") {
    // Status replies. The client leaves a top-level "OK" alone; inside an array it would
    // base64-decode it, so there it is encoded like every other string.
    if (!base64 || (top && reply === "OK")) return reply;
    return Buffer.from(reply, "utf8").toString("base64");
  }
  if (Array.isArray(reply)) return reply.map((r) => encodeReply(r, base64, false));
  if (reply instanceof ErrorReply) return encodeReply(reply.message, base64, false); // e.g. inside a Lua table
  return encodeReply(String(reply), base64, false); // not produced by RESP2; kept total
}

/** @param {unknown} e */
function isRedisError(e) {
  return e instanceof ErrorReply;
}

/**
 * @param {{ redisUrl?: string; port?: number; host?: string; token?: string; maxBodyBytes?: number;
 *   commandTimeoutMs?: number; connectTimeoutMs?: number; log?: (msg: string) => void }} [opts]
 */
export async function startRedisBridge({
  redisUrl = "redis://127.0.0.1:6379",
  port = 0,
  host = "127.0.0.1",
  token,
  maxBodyBytes = MAX_BODY_BYTES,
  commandTimeoutMs = 10_000,
  connectTimeoutMs = 2_000,
  log = () => {},
} = {}) {
  const theToken = token ?? randomBytes(24).toString("base64url");
  const tokenBytes = Buffer.from(theToken, "utf8");

  const client = createClient({
    url: redisUrl,
    RESP: 2, // Upstash answers in RESP2 shapes (flat arrays, integers), not RESP3 maps/doubles
    // Bulk strings as Buffers: bytes are passed through untouched. Status replies stay strings.
    commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } },
    // Fail at once while disconnected instead of queueing commands until Redis returns.
    disableOfflineQueue: true,
    disableClientInfo: true,
    maintNotifications: "disabled",
    socket: {
      connectTimeout: connectTimeoutMs,
      // Keep trying forever, at most a second apart, so the bridge recovers on its own.
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1000),
    },
  });
  let lastErrorLogged = "";
  client.on("error", (/** @type {Error} */ e) => {
    const msg = `${e.name}: ${e.message}`;
    if (msg !== lastErrorLogged) log(`redis-bridge: Redis connection error (${redisUrl}): ${msg}`);
    lastErrorLogged = msg;
  });
  client.on("ready", () => {
    if (lastErrorLogged) log(`redis-bridge: Redis connection to ${redisUrl} is back`);
    lastErrorLogged = "";
  });
  // Resolves once connected; keeps retrying while Redis is down. Start waits for the first
  // connection or the first failure (at most connectTimeoutMs), not longer: until Redis is
  // there the bridge answers 503.
  const connected = client.connect().then(
    () => true,
    () => false,
  );
  await Promise.race([
    connected,
    new Promise((r) => client.once("error", r)),
    new Promise((r) => setTimeout(r, connectTimeoutMs).unref()),
  ]);

  /**
   * Runs `work`, mapping anything that is not a Redis error reply to UnavailableError, and
   * giving up after commandTimeoutMs (the command may still complete in Redis later).
   * @template T
   * @param {() => Promise<T>} work
   * @returns {Promise<T>}
   */
  async function withRedis(work) {
    if (!client.isReady) throw new UnavailableError(`ERR Redis at ${redisUrl} is unavailable`);
    /** @type {NodeJS.Timeout | undefined} */
    let timer;
    const timeout = new Promise((_, rej) => {
      timer = setTimeout(
        () => rej(new UnavailableError(`ERR Redis at ${redisUrl} did not answer within ${commandTimeoutMs} ms`)),
        commandTimeoutMs,
      );
    });
    try {
      return await Promise.race([work(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** @param {unknown} e */
  function asUnavailable(e) {
    if (e instanceof UnavailableError) return e;
    return new UnavailableError(
      `ERR Redis at ${redisUrl} is unavailable: ${e instanceof Error ? e.message : String(e)}`,
    );
  }

  /**
   * @param {string} path
   * @param {unknown} body
   * @param {boolean} base64
   * @returns {Promise<{ status: number; json: unknown }>}
   */
  async function execute(path, body, base64) {
    if (path === "/") {
      const args = toArgs(body);
      try {
        const reply = await withRedis(() => client.sendCommand(args));
        return { status: 200, json: { result: encodeReply(reply, base64, true) } };
      } catch (e) {
        if (isRedisError(e)) return { status: 400, json: { error: /** @type {Error} */ (e).message } };
        throw asUnavailable(e);
      }
    }
    if (path === "/pipeline") {
      const cmds = toCommandList(body);
      // Sent back to back on the one connection (node-redis pipelines them), answered in order.
      const settled = await withRedis(() => Promise.allSettled(cmds.map((args) => client.sendCommand(args))));
      const failed = settled.find((s) => s.status === "rejected" && !isRedisError(s.reason));
      if (failed && failed.status === "rejected") throw asUnavailable(failed.reason);
      return {
        status: 200,
        json: settled.map((s) =>
          s.status === "fulfilled"
            ? { result: encodeReply(s.value, base64, true) }
            : { error: /** @type {Error} */ (s.reason).message },
        ),
      };
    }
    if (path === "/multi-exec") {
      const cmds = toCommandList(body);
      // MULTI, the commands and EXEC are queued in one synchronous step, so nothing else on
      // the shared connection can come between them. Not client.multi(): node-redis sends its
      // EXEC without the type mapping, so bulk strings inside the EXEC reply would be decoded
      // as UTF-8 text and binary values corrupted.
      const chainId = Symbol("multi-exec");
      const settled = await withRedis(() =>
        Promise.allSettled([["MULTI"], ...cmds, ["EXEC"]].map((args) => client.sendCommand(args, { chainId }))),
      );
      const failed = settled.find((s) => s.status === "rejected" && !isRedisError(s.reason));
      if (failed && failed.status === "rejected") throw asUnavailable(failed.reason);
      const exec = /** @type {PromiseSettledResult<unknown>} */ (settled[settled.length - 1]);
      if (exec.status === "rejected") {
        // Discarded as a whole (EXECABORT): report the error that made Redis refuse to queue.
        const cause = settled.slice(0, -1).find((s) => s.status === "rejected") ?? exec;
        return {
          status: 400,
          json: { error: /** @type {Error} */ (/** @type {PromiseRejectedResult} */ (cause).reason).message },
        };
      }
      const replies = exec.value;
      if (!Array.isArray(replies))
        throw new UnavailableError(`ERR unexpected EXEC reply from Redis: ${String(replies)}`);
      return {
        status: 200,
        json: replies.map((r) =>
          r instanceof ErrorReply ? { error: r.message } : { result: encodeReply(r, base64, true) },
        ),
      };
    }
    throw new HttpError(404, `ERR unknown endpoint ${path}: use POST /, /pipeline or /multi-exec`);
  }

  /** @param {import("node:http").IncomingMessage} req */
  function authorized(req, /** @type {URL} */ url) {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    const given = m?.[1] ?? url.searchParams.get("_token") ?? "";
    const g = Buffer.from(given, "utf8");
    return g.length === tokenBytes.length && timingSafeEqual(g, tokenBytes);
  }

  /**
   * Reads the body up to maxBodyBytes. On overflow, rejects with 413 but keeps draining
   * (up to a bound) so the client can finish sending and read the answer.
   * @param {import("node:http").IncomingMessage} req
   * @returns {Promise<Buffer>}
   */
  function readBody(req) {
    return new Promise((res, rej) => {
      /** @type {Buffer[]} */
      const chunks = [];
      let size = 0;
      let over = false;
      req.on("data", (/** @type {Buffer} */ c) => {
        size += c.length;
        if (over) {
          if (size > 4 * maxBodyBytes) req.destroy();
          return;
        }
        if (size > maxBodyBytes) {
          over = true;
          chunks.length = 0;
          rej(new HttpError(413, `ERR max request size exceeded. Limit: ${maxBodyBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => {
        if (!over) res(Buffer.concat(chunks, size));
      });
      req.on("error", rej);
    });
  }

  /**
   * @param {import("node:http").ServerResponse} res
   * @param {number} status
   * @param {unknown} json
   */
  function send(res, status, json) {
    if (res.headersSent) return;
    const body = JSON.stringify(json);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://bridge");
      if (req.method !== "POST") {
        res.setHeader("allow", "POST");
        throw new HttpError(405, "ERR only POST is supported by the local Upstash bridge");
      }
      if (!authorized(req, url)) throw new HttpError(401, "WRONGPASS invalid or missing auth token");
      const declared = Number(req.headers["content-length"] ?? 0);
      if (declared > maxBodyBytes) {
        req.resume(); // drain, so the client can read the 413 instead of a reset connection
        throw new HttpError(413, `ERR max request size exceeded. Limit: ${maxBodyBytes} bytes`);
      }
      const raw = await readBody(req);
      let body;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        throw new HttpError(400, "ERR the body is not valid JSON");
      }
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const path = url.pathname.replace(/\/+$/, "") || "/";
      const { status, json } = await execute(path, body, base64);
      send(res, status, json);
    } catch (e) {
      if (e instanceof HttpError) send(res, e.status, { error: e.message });
      else if (e instanceof UnavailableError) send(res, 503, { error: e.message });
      else {
        log(`redis-bridge: internal error: ${e instanceof Error ? e.stack : String(e)}`);
        send(res, 500, { error: `ERR internal bridge error: ${e instanceof Error ? e.message : String(e)}` });
      }
    }
  });

  await new Promise((res, rej) => {
    server.once("error", rej);
    server.listen(port, host, () => {
      server.off("error", rej);
      res(undefined);
    });
  });
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closed = false;
  return {
    url: `http://${urlHost}:${address.port}`,
    token: theToken,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise((res) => {
        server.close(() => res(undefined));
        server.closeAllConnections();
      });
      client.destroy();
      await connected;
    },
  };
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string>} */
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument ${a}`);
    const key = /** @type {string} */ (m[1]);
    if (key === "help") {
      out.help = "1";
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    out[key] = value;
  }
  return out;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(
      "usage: node scripts/redis-bridge.mjs [--port 8079] [--host 127.0.0.1] [--redis redis://127.0.0.1:6379] [--token T]\n" +
        "The token may also come from UPSTASH_REDIS_REST_TOKEN; without either, one is generated and printed.",
    );
    return;
  }
  for (const k of Object.keys(args)) {
    if (!["port", "host", "redis", "token"].includes(k)) throw new Error(`unknown option --${k}`);
  }
  const token = args.token ?? process.env.UPSTASH_REDIS_REST_TOKEN ?? undefined;
  const port = args.port === undefined ? 8079 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${args.port}`);
  const bridge = await startRedisBridge({
    redisUrl: args.redis ?? "redis://127.0.0.1:6379",
    port,
    host: args.host ?? "127.0.0.1",
    token: token || undefined,
    log: (m) => console.error(m),
  });
  console.log(`UPSTASH_REDIS_REST_URL=${bridge.url}`);
  if (!token) console.log(`UPSTASH_REDIS_REST_TOKEN=${bridge.token}`);
  const stop = () => {
    bridge.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`redis-bridge: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
