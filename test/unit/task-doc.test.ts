// docs/lifecycle.md's tables are generated from src/task/ (doc.ts): each block
// between `<!-- name:begin -->` and `<!-- name:end -->` must equal the data.
// To regenerate them after changing the table:
//   UPDATE_LIFECYCLE_DOC=1 npx vitest run -c vitest.unit.config.ts test/unit/task-doc.test.ts
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED } from "../../src/task/doc.js";
import { EVENT_KINDS } from "../../src/task/events.js";

const DOC = new URL("../../docs/lifecycle.md", import.meta.url);

function block(name: string): RegExp {
  return new RegExp(`<!-- ${name}:begin -->\\n([\\s\\S]*?)\\n?<!-- ${name}:end -->`);
}

describe("docs/lifecycle.md", () => {
  it("shows the groups, the transition table and the entry rules exactly as the data has them", () => {
    let text = readFileSync(DOC, "utf8");
    if (process.env.UPDATE_LIFECYCLE_DOC === "1") {
      for (const [name, gen] of Object.entries(GENERATED))
        text = text.replace(block(name), () => `<!-- ${name}:begin -->\n${gen()}\n<!-- ${name}:end -->`);
      writeFileSync(DOC, text);
    }
    for (const [name, gen] of Object.entries(GENERATED)) {
      const found = block(name).exec(text);
      expect(found, `docs/lifecycle.md has no ${name}:begin/end block`).not.toBeNull();
      expect(found?.[1], `the ${name} block is out of date; regenerate it (see the top of this test)`).toBe(gen());
    }
  });

  it("describes every event in its events table", () => {
    const text = readFileSync(DOC, "utf8");
    const section = text.slice(text.indexOf("## Events"), text.indexOf("## The transition table"));
    for (const e of EVENT_KINDS) expect(section, e).toContain(`\`${e}\``);
  });
});
