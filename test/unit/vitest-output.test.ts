// The stress script's reading of vitest output: which tests failed.
import { describe, expect, it } from "vitest";
import { failedTests } from "../../scripts/lib/vitest-output.mjs";

describe("failedTests", () => {
  it("picks the FAIL and × lines naming a test file, with or without colour, once each", () => {
    const out = [
      "\u001b[31m FAIL \u001b[39m test/unit/cgroup.test.ts > cgroup enforcement (cgroup-v1) > a fork bomb stops at the pids limit",
      "   × test/unit/cgroup.test.ts > cgroup enforcement (cgroup-v1) > a fork bomb stops at the pids limit 10234ms",
      " ✓ test/unit/fit.test.ts (9 tests) 162ms",
      " FAIL  test/e2e/chaos.test.ts [ test/e2e/chaos.test.ts ]",
      "FAIL: not a vitest line",
      " Test Files  1 failed | 30 passed (31)",
    ].join("\n");
    expect(failedTests(out)).toEqual([
      "test/e2e/chaos.test.ts",
      "test/unit/cgroup.test.ts > cgroup enforcement (cgroup-v1) > a fork bomb stops at the pids limit",
    ]);
  });

  it("finds nothing in a passing run", () => {
    expect(failedTests(" ✓ test/unit/fit.test.ts (9 tests) 162ms\n Test Files  31 passed (31)\n")).toEqual([]);
  });
});
