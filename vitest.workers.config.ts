// Worker and Durable Object tests, run inside workerd by the Workers pool.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/** The Worker as wrangler.toml builds it, with the operator token the tests use (vitest.fuzz.config.ts too). */
export const workersPool = () =>
  cloudflareTest({
    main: "./src/worker.ts",
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: { bindings: { OFFICEOS_ADMIN_TOKEN: "test-operator-token" } },
  });

export default defineConfig({
  plugins: [workersPool()],
  test: { include: ["test/workers/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
