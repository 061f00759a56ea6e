// Starts a throwaway redis-server with the Upstash REST bridge in front of it
// for the Worker tests, plus a small control endpoint so a test running inside
// workerd can kill and restart that Redis.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startRedisBridge } from "../../scripts/redis-bridge.mjs";
import { startRedisServer } from "../unit/redis-server.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisBridgeUrl: string;
    redisBridgeToken: string;
    redisControlUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedisServer();
  const bridge = await startRedisBridge({ redisUrl: redis.url, token: "workers-test-token" });
  const control: Server = createServer((req, res) => {
    const done = (p: Promise<void>) =>
      p.then(
        () => res.end("ok"),
        (e: Error) => ((res.statusCode = 500), res.end(e.message)),
      );
    if (req.url === "/kill") return done(redis.kill());
    if (req.url === "/restart") return done(redis.restart());
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => control.listen(0, "127.0.0.1", () => r()));
  project.provide("redisBridgeUrl", bridge.url);
  project.provide("redisBridgeToken", bridge.token);
  project.provide("redisControlUrl", `http://127.0.0.1:${(control.address() as AddressInfo).port}`);
  return async () => {
    control.close();
    await bridge.close();
    await redis.stop();
  };
}
