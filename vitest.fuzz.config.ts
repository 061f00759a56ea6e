// The API fuzz test (issue #7), inside workerd like test/workers; its own config because it runs long.
import { defineConfig } from "vitest/config";
import { workersPool } from "./vitest.workers.config.js";

export default defineConfig({
  plugins: [workersPool()],
  test: { include: ["test/fuzz/**/*.test.ts"] },
});
