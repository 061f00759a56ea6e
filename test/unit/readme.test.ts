// The README stays a README (issue #19): at most 16 KB, and every link in it and in docs/ reaches a file
// that exists, so moving a page cannot leave a dead link behind.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const pages = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

describe("README and docs", () => {
  it("README.md is at most 16 KB", () => {
    expect(statSync(join(ROOT, "README.md")).size).toBeLessThanOrEqual(16 * 1024);
  });
  it("every relative link of README.md and docs/*.md names a file that exists", () => {
    const dead: string[] = [];
    for (const page of pages) {
      // Links outside code: drop fenced blocks and inline code first.
      const text = readFileSync(join(ROOT, page), "utf8")
        .replace(/^(`{3,}|~{3,})[\s\S]*?^\1/gm, "")
        .replace(/`[^`\n]*`/g, "");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = (m[1] as string).split("#")[0] as string;
        if (!target || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(ROOT, dirname(page), target))) dead.push(`${page} → ${m[1]}`);
      }
    }
    expect(dead).toEqual([]);
  });
});
