// Pure cores and runner modules, in Node.
import { configDefaults, defineConfig } from "vitest/config";
import { skipWithout } from "./scripts/lib/prereqs.mjs";

// Without redis-server the bridge's tests skip, loudly; under CI=true that is a failure naming it.
const needsRedis = skipWithout("redis-server") ? ["test/unit/redis-bridge.test.ts"] : [];

export default defineConfig({
  // The SDK workspace package from its source, as tsconfig.json's paths and the esbuild bundles do.
  resolve: { alias: { "@officeos/sdk": new URL("./sdk/typescript/src/index.ts", import.meta.url).pathname } },
  // Deadlines far above what a test needs on a quiet machine: the suites run in parallel on two
  // cores, beside other load; a test that must be quick says so in a benchmark, not here.
  test: {
    include: ["test/unit/**/*.test.ts"],
    exclude: [...configDefaults.exclude, ...needsRedis],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
