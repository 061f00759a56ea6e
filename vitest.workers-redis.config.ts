// Worker tests with Redis configured: a real redis-server behind the Upstash REST bridge.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { skipWithout } from "./scripts/lib/prereqs.mjs";

// Without redis-server this suite skips, loudly; under CI=true that is a failure naming it.
const noRedis = skipWithout("redis-server");

export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: "./src/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          OFFICEOS_ADMIN_TOKEN: "test-operator-token",
          UPSTASH_REDIS_REST_URL: inject("redisBridgeUrl"),
          UPSTASH_REDIS_REST_TOKEN: inject("redisBridgeToken"),
          REDIS_CONTROL_URL: inject("redisControlUrl"),
          OFFICEOS_SPILL_BYTES: "65536",
        },
      },
    })),
  ],
  test: {
    include: noRedis ? [] : ["test/workers-redis/**/*.test.ts"],
    passWithNoTests: noRedis,
    globalSetup: noRedis ? [] : ["test/workers-redis/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
