// The doc tests' rules (test/e2e/doc-blocks.ts): which blocks run, in what order, with what skipped.
import { describe, expect, it } from "vitest";
import { blocksOf, scriptOf } from "../e2e/doc-blocks.js";

const page = [
  "# Title",
  "```sh",
  "npm ci",
  "npm start        # leave it running",
  "```",
  "text",
  "```ts title=hello.ts",
  'console.log("hi");',
  "```",
  "  ```bash",
  "  source .officeos/env",
  "  X=1",
  "  ```",
  "```",
  "officeos dev hello.ts   # no language: shown, not run",
  "```",
  "````sh",
  "echo '```'",
  "````",
  "```json",
  "{}",
  "```",
].join("\n");

describe("blocksOf", () => {
  it("finds every fenced block with its language, title, body and line, indented or not", () => {
    const b = blocksOf(page);
    expect(b.map((x) => [x.lang, x.title, x.line])).toEqual([
      ["sh", null, 2],
      ["ts", "hello.ts", 7],
      ["bash", null, 10],
      ["", null, 14],
      ["sh", null, 17],
      ["json", null, 20],
    ]);
    expect(b[2]?.body).toBe("source .officeos/env\nX=1");
    expect(b[4]?.body).toBe("echo '```'");
  });
});

describe("scriptOf", () => {
  it("runs the shell blocks in order, skips npm ci/start/test, and points .officeos/ at the page's home", () => {
    const s = scriptOf("README.md", page);
    expect(s.needsStart).toBe(true);
    expect(s.blocks).toBe(3);
    expect(s.files).toEqual([{ name: "hello.ts", body: 'console.log("hi");\n' }]);
    expect(s.script).toBe(
      [
        "set -euo pipefail",
        'echo "=== README.md:2" >&2',
        'echo "=== README.md:10" >&2',
        "source $OFFICEOS_HOME/env",
        "X=1",
        'echo "=== README.md:17" >&2',
        "echo '```'",
        "",
      ].join("\n"),
    );
  });
  it("does not start the control plane for a page that never runs npm start", () => {
    expect(scriptOf("a.md", "```sh\necho hi\n```\n").needsStart).toBe(false);
  });
});
