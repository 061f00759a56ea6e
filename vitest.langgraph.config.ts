// LangGraph's own checkpoint-saver conformance suite (@langchain/langgraph-checkpoint-validation)
// against OfficeOSSaver, talking to the real Worker under wrangler dev (started once, in globalSetup).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/langgraph/**/*.test.ts"],
    environment: "node",
    // The validation package's specs use the global describe/it/expect.
    globals: true,
    globalSetup: ["test/langgraph/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
