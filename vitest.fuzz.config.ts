// The API fuzz test (issue #7), inside workerd like test/workers; its own config because it runs long.
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
  test: { include: ["test/fuzz/**/*.test.ts"] },
});
