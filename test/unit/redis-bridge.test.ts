// The local Upstash REST bridge (scripts/redis-bridge.mjs), driven by the unchanged
// @upstash/redis client against a redis-server of this file's own.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { join } from "node:path";
import { Redis } from "@upstash/redis";
import { createClient, RESP_TYPES } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "../../scripts/lib/stack.mjs";
import { startRedisBridge, type RedisBridge } from "../../scripts/redis-bridge.mjs";
import { startRedisServer, type RedisServer } from "./redis-server.js";

let server: RedisServer;
let bridge: RedisBridge;
// Straight to redis-server over RESP, to check what the bridge really stored.
let direct: ReturnType<typeof openDirect>;

function openDirect(url: string) {
  return createClient({ url, RESP: 2 }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

// The client sends single commands through /pipeline by default (auto-pipelining), through
// POST / without it, and asks for base64 results unless responseEncoding is false.
const variants = {
  "auto-pipelined": { enableAutoPipelining: true },
  "single-command": { enableAutoPipelining: false },
  "no-base64": { enableAutoPipelining: false, responseEncoding: false as const },
};
type Variant = keyof typeof variants;
const VARIANTS = Object.keys(variants) as Variant[];

function upstash(variant: Variant = "auto-pipelined", token = bridge.token): Redis {
  return new Redis({ url: bridge.url, token, enableTelemetry: false, ...variants[variant] });
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(bridge.url + path, {
    method: "POST",
    headers: { authorization: `Bearer ${bridge.token}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function commandCalls(name: string): Promise<number> {
  const info = (await direct.info("commandstats")).toString();
  const m = new RegExp(`^cmdstat_${name}:calls=(\\d+)`, "m").exec(info);
  return m ? Number(m[1]) : 0;
}

beforeAll(async () => {
  server = await startRedisServer();
  bridge = await startRedisBridge({ redisUrl: server.url, token: "test-token" });
  direct = openDirect(server.url);
  direct.on("error", () => {}); // the server is killed on purpose below
  await direct.connect();
}, 20_000);

afterAll(async () => {
  direct?.destroy();
  await bridge?.close();
  await server?.stop();
});

describe("strings", () => {
  it.each(VARIANTS)("set/get round-trips text, stored as its UTF-8 bytes (%s)", async (variant) => {
    const redis = upstash(variant);
    const key = `str:${variant}`;
    const text = 'hello wörld ✓ 😀 "quoted" \\ back';
    expect(await redis.set(key, text)).toBe("OK");
    expect(await redis.get(key)).toBe(text);
    expect(await direct.get(key)).toEqual(Buffer.from(text, "utf8"));
    expect(await redis.get(`missing:${variant}`)).toBeNull();
  });

  it("round-trips base64 text of random binary bytes exactly", async () => {
    const redis = upstash();
    const bytes = randomBytes(64 * 1024);
    const text = bytes.toString("base64");
    await redis.set("bin:b64", text);
    const back = await redis.get<string>("bin:b64");
    expect(back).toBe(text);
    expect(Buffer.from(back!, "base64").equals(bytes)).toBe(true);
    expect((await direct.get("bin:b64"))!.equals(Buffer.from(text, "ascii"))).toBe(true);
  });

  it("returns raw binary bytes base64-encoded exactly, at any depth, on every endpoint", async () => {
    const raw = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(4096)]);
    const b64 = raw.toString("base64");
    await direct.set("bin:raw", raw);
    const enc = { "Upstash-Encoding": "base64" };

    const single = await post("/", ["GET", "bin:raw"], enc);
    expect(single).toEqual({ status: 200, json: { result: b64 } });

    const pipe = await post(
      "/pipeline",
      [
        ["GET", "bin:raw"],
        ["MGET", "bin:raw", "bin:none", "bin:raw"],
        ["STRLEN", "bin:raw"],
      ],
      enc,
    );
    expect(pipe.status).toBe(200);
    expect(pipe.json).toEqual([{ result: b64 }, { result: [b64, null, b64] }, { result: raw.length }]);

    const tx = await post(
      "/multi-exec",
      [
        ["GET", "bin:raw"],
        ["SET", "bin:x", "v"],
      ],
      enc,
    );
    // "OK" stays as it is: the client leaves exactly that one unencoded.
    expect(tx).toEqual({ status: 200, json: [{ result: b64 }, { result: "OK" }] });

    // Other status replies are encoded like any string (the client would garble a bare "string").
    expect((await post("/", ["TYPE", "bin:raw"], enc)).json).toEqual({
      result: Buffer.from("string").toString("base64"),
    });
    // Without the header, strings are UTF-8 text.
    expect((await post("/", ["GET", "bin:x"])).json).toEqual({ result: "v" });
  });

  it("stores and returns a 6 MB value", async () => {
    const redis = upstash();
    const text = randomBytes(4.5 * 1024 * 1024).toString("base64"); // 6 MiB of base64 text
    expect(text.length).toBe(6 * 1024 * 1024);
    await redis.set("big:6mb", text);
    expect(await direct.strLen("big:6mb")).toBe(text.length);
    expect(await redis.get("big:6mb")).toBe(text);
  }, 30_000);

  it("refuses a body over 10 MB with 413, stores nothing, and keeps serving", async () => {
    const text = "x".repeat(10 * 1024 * 1024 + 1);
    const res = await post("/", ["SET", "big:11mb", text]);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/max request size exceeded/);
    await expect(upstash().set("big:11mb", text)).rejects.toThrow(/max request size exceeded/);
    expect(await direct.exists("big:11mb")).toBe(0);
    expect(await upstash().set("after-413", "ok")).toBe("OK");
  }, 30_000);
});

describe("keys", () => {
  it("expire / ttl / persist / expiry in the past", async () => {
    const redis = upstash();
    await redis.set("ttl:a", "v", { ex: 100 });
    const ttl = await redis.ttl("ttl:a");
    expect(ttl).toBeGreaterThan(95);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.expire("ttl:a", 5)).toBe(1);
    expect(await redis.ttl("ttl:a")).toBeLessThanOrEqual(5);
    expect(await redis.persist("ttl:a")).toBe(1);
    expect(await redis.ttl("ttl:a")).toBe(-1);
    expect(await redis.ttl("ttl:missing")).toBe(-2);
    // A deadline already passed removes the key at once.
    expect(await redis.pexpireat("ttl:a", Date.now() - 1000)).toBe(1);
    expect(await redis.get("ttl:a")).toBeNull();
    expect(await direct.exists("ttl:a")).toBe(0);
  });

  it("del removes only what exists and counts it", async () => {
    const redis = upstash();
    await redis.set("del:a", "1");
    await redis.set("del:b", "2");
    await redis.set("del:keep", "3");
    expect(await redis.del("del:a", "del:b", "del:missing")).toBe(2);
    expect(await redis.exists("del:a", "del:b")).toBe(0);
    expect(await redis.get("del:a")).toBeNull();
    expect(await redis.get("del:keep")).toBe(3); // the client JSON-parses "3"
  });
});

describe("pipeline and multi", () => {
  it("pipeline: results in order; errors per command", async () => {
    const redis = upstash("single-command");
    const res = await redis.pipeline().set("p:n", "1").incr("p:n").incrby("p:n", 5).get("p:n").del("p:n").exec();
    expect(res).toEqual(["OK", 2, 7, 7, 1]);
    expect(await direct.exists("p:n")).toBe(0);

    await redis.set("p:s", "text");
    const kept = await redis.pipeline().hget("p:s", "f").get("p:s").exec({ keepErrors: true });
    expect(kept[0]!.error).toMatch(/^WRONGTYPE/);
    expect(kept[1]).toEqual({ error: undefined, result: "text" });
    await expect(redis.pipeline().get("p:s").hget("p:s", "f").exec()).rejects.toThrow(
      /Command 2 \[ hget \] failed: WRONGTYPE/,
    );
  });

  it("multi: runs as one MULTI/EXEC transaction", async () => {
    const redis = upstash("single-command");
    const [multiBefore, execBefore] = [await commandCalls("multi"), await commandCalls("exec")];
    const res = await redis.multi().set("m:n", "5").incr("m:n").get("m:n").exec();
    expect(res).toEqual(["OK", 6, 6]);
    expect(await commandCalls("multi")).toBe(multiBefore + 1);
    expect(await commandCalls("exec")).toBe(execBefore + 1);

    // A command failing at run time does not stop the others, as in Redis.
    const kept = await redis.multi().set("m:s", "x").incr("m:s").get("m:s").exec({ keepErrors: true });
    expect(kept[0]!.result).toBe("OK");
    expect(kept[1]!.error).toMatch(/not an integer/);
    expect(kept[2]!.result).toBe("x");
  });

  it("multi-exec: a transaction Redis discards as a whole is one 400 error and changes nothing", async () => {
    const res = await post("/multi-exec", [["SET", "m:discarded", "1"], ["NOSUCHCOMMAND"]]);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/unknown command/);
    expect(await direct.exists("m:discarded")).toBe(0);
  });
});

describe("errors", () => {
  it.each(VARIANTS)("a Redis error is thrown by the client (%s)", async (variant) => {
    const redis = upstash(variant);
    await redis.set(`e:${variant}`, "text");
    await expect(redis.hget(`e:${variant}`, "f")).rejects.toThrow(
      /WRONGTYPE Operation against a key holding the wrong kind of value/,
    );
    await expect(redis.incr(`e:${variant}`)).rejects.toThrow(/ERR value is not an integer/);
  });

  it("a wrong or missing token is refused with 401", async () => {
    await expect(upstash("auto-pipelined", "wrong-token").get("str:auto-pipelined")).rejects.toThrow(/WRONGPASS/);
    await expect(upstash("single-command", "wrong-token").set("e:wrong", "v")).rejects.toThrow(/WRONGPASS/);
    expect(await direct.exists("e:wrong")).toBe(0);
    const none = await fetch(bridge.url, { method: "POST", body: JSON.stringify(["PING"]) });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "WRONGPASS invalid or missing auth token" });
    // Upstash also takes the token as a query parameter.
    const query = await fetch(`${bridge.url}/?_token=${bridge.token}`, {
      method: "POST",
      body: JSON.stringify(["PING"]),
    });
    expect(await query.json()).toEqual({ result: "PONG" });
  });

  it("malformed requests and connection-bound commands get 400", async () => {
    expect((await post("/", "not json")).status).toBe(400);
    expect((await post("/", [])).status).toBe(400);
    expect((await post("/", ["SET", "k", { nested: true }])).status).toBe(400);
    expect((await post("/pipeline", ["GET", "k"])).status).toBe(400);
    const blocking = await post("/", ["BLPOP", "q", "0"]);
    expect(blocking.status).toBe(400);
    expect(blocking.json.error).toMatch(/BLPOP is not supported/);
    expect((await post("/", ["SUBSCRIBE", "ch"])).status).toBe(400);
    // The shared connection still works afterwards.
    expect(await post("/", ["PING"])).toEqual({ status: 200, json: { result: "PONG" } });
  });
});

describe("Redis going away", () => {
  it("answers 503 within a few seconds while Redis is down, and recovers when it is back", async () => {
    const redis = upstash();
    const single = upstash("single-command");
    await redis.set("down:before", "1");
    await server.kill();

    const started = Date.now();
    await expect(redis.get("down:before")).rejects.toThrow(/unavailable/);
    await expect(single.set("down:during", "x")).rejects.toThrow(/unavailable/);
    // At once, not after the 10 s command timeout (the bound is far above "at once" for a loaded machine).
    expect(Date.now() - started).toBeLessThan(8000);
    const raw = await post("/", ["GET", "down:before"]);
    expect(raw.status).toBe(503);
    expect((await post("/pipeline", [["GET", "a"]])).status).toBe(503);
    expect((await post("/multi-exec", [["GET", "a"]])).status).toBe(503);

    await server.restart();
    const deadline = Date.now() + 10_000;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      recovered = await redis.set("down:after", "back").then(
        () => true,
        () => false,
      );
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(true);
    expect(await single.get("down:after")).toBe("back");
    // A fresh, empty server: what was written before the crash is gone.
    expect(await redis.get("down:before")).toBeNull();
  }, 30_000);
});

describe("starting", () => {
  it("starts while Redis is not there yet, answers 503, and serves once it is", async () => {
    const port = await freePort();
    const started = Date.now();
    // With a 20 s connect timeout, a start that waited for it would take 20 s: a refused connection ends the wait at once.
    const early = await startRedisBridge({ redisUrl: `redis://127.0.0.1:${port}`, connectTimeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    let late: RedisServer | undefined;
    try {
      expect(early.token.length).toBeGreaterThanOrEqual(16); // generated when none is given
      const redis = new Redis({ url: early.url, token: early.token, enableTelemetry: false });
      await expect(redis.get("k")).rejects.toThrow(/unavailable/);
      late = await startRedisServer({ port });
      const deadline = Date.now() + 10_000;
      let ok = false;
      while (!ok && Date.now() < deadline) {
        ok = await redis.set("k", "v").then(
          () => true,
          () => false,
        );
        if (!ok) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ok).toBe(true);
      expect(await redis.get("k")).toBe("v");
    } finally {
      await early.close();
      await late?.stop();
    }
  }, 30_000);

  it("runs as a command: prints its URL, takes the token from the environment, stops on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "scripts/redis-bridge.mjs"), "--port", "0", "--redis", server.url],
      {
        env: { ...process.env, UPSTASH_REDIS_REST_TOKEN: "env-token" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      let out = "";
      const url = await new Promise<string>((res, rej) => {
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /^UPSTASH_REDIS_REST_URL=(\S+)$/m.exec(out);
          if (m) res(m[1]!);
        });
        child.once("exit", (code) => rej(new Error(`exited with ${code}: ${out}`)));
      });
      expect(out).not.toMatch(/UPSTASH_REDIS_REST_TOKEN=/); // given, so not printed
      const redis = new Redis({ url, token: "env-token", enableTelemetry: false });
      expect(await redis.set("cli:k", "from the command")).toBe("OK");
      expect(await direct.get("cli:k")).toEqual(Buffer.from("from the command"));
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});
