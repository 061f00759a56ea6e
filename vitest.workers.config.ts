// Worker and Durable Object tests, run inside workerd by the Workers pool.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./src/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: { bindings: { OFFICEOS_ADMIN_TOKEN: "test-operator-token" } },
    }),
  ],
  test: { include: ["test/workers/**/*.test.ts"] },
});
