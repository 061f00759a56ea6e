// The doc tests' reading of a Markdown page (test/e2e/docs.test.ts): its fenced blocks, and the one bash
// script its shell blocks make. Pure, so the rules below are tested alone (test/unit/doc-blocks.test.ts).
//
// The rules, which the pages follow:
// - ```sh (or bash, shell) blocks run, in order, as one bash script with `set -euo pipefail`, so a
//   variable set in one block is there in the next; each block is announced, so a failure names it.
// - A block whose info string names a file (```ts title=hello.ts) is written to that file first.
// - `npm ci` and `npm test` lines are skipped (the suite runs inside `npm test`, after `npm ci`);
//   `npm start` is the harness's to start and stop (the page's reader leaves it running in another
//   terminal), so its line is skipped too and `needsStart` says it was there.
// - `.officeos/` becomes `$OFFICEOS_HOME/`: each page gets a home and port of its own.

export interface Block {
  lang: string;
  /** The `title=` of the info string: the file the block is written to. */
  title: string | null;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

const SHELL = new Set(["sh", "bash", "shell"]);
const SKIPPED = /^\s*npm (ci|test|start)\b/;

export function blocksOf(markdown: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const [, indent, fence, lang, rest] = open as unknown as [string, string, string, string, string];
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j] as string;
      const t = l.trim();
      if (t.length >= fence.length && t[0] === fence[0] && /^(`+|~+)$/.test(t)) break;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l);
    }
    const title = /\btitle=("?)([^"\s]+)\1/.exec(rest)?.[2] ?? null;
    out.push({ lang: lang.toLowerCase(), title, body: body.join("\n"), line: i + 1 });
    i = j;
  }
  return out;
}

export interface Script {
  script: string;
  files: { name: string; body: string }[];
  needsStart: boolean;
  /** How many shell blocks it runs. */
  blocks: number;
}

export function scriptOf(page: string, markdown: string): Script {
  const blocks = blocksOf(markdown);
  const files = blocks.filter((b) => b.title !== null).map((b) => ({ name: b.title as string, body: `${b.body}\n` }));
  let needsStart = false;
  const parts = ["set -euo pipefail"];
  let n = 0;
  for (const b of blocks) {
    if (!SHELL.has(b.lang) || b.title !== null) continue;
    n++;
    parts.push(`echo "=== ${page}:${b.line}" >&2`);
    for (const l of b.body.split("\n")) {
      if (SKIPPED.test(l)) {
        if (/^\s*npm start\b/.test(l)) needsStart = true;
        continue;
      }
      parts.push(l.replaceAll(".officeos/", "$OFFICEOS_HOME/"));
    }
  }
  return { script: `${parts.join("\n")}\n`, files, needsStart, blocks: n };
}
