// Issue #17's size rule: no hand-written source file over 500 lines, and the TenantDO at most 400.
// Generated code (protobuf, the OpenAPI client types, the golden transcript) is exempt.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const SOURCE = /\.(ts|mts|mjs|js|py|sh)$/;
const GENERATED = [/^proto\/gen\//, /^client\/src\/openapi\.d\.ts$/, /^sdk\/python\/src\/officeos\/_types\.py$/];
const LIMITS: Record<string, number> = { "src/durable/tenant-do.ts": 400 };

const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => SOURCE.test(f) && !f.includes("node_modules/") && !f.includes("/dist/") && !f.startsWith("bench/out/"))
  .filter((f) => !GENERATED.some((g) => g.test(f)));

it("no hand-written source file is over 500 lines (tenant-do.ts over 400)", () => {
  expect(files.length).toBeGreaterThan(100);
  const over = files.flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(join(ROOT, f), "utf8");
    } catch {
      return []; // deleted in the work tree, not yet in the index
    }
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    const limit = LIMITS[f] ?? 500;
    return lines > limit ? [`${f}: ${lines} lines (limit ${limit})`] : [];
  });
  expect(over).toEqual([]);
});
