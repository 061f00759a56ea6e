// Doc tests (issue #19): every shell block of the README and of the tutorial runs, in order, against a real
// `npm start` (its second half, scripts/start.mjs: `npm test` has built already), with a home and a port of
// its own. A page whose example rots fails here, naming the block (test/e2e/doc-blocks.ts has the rules).
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, ROOT, stopProcess } from "../../scripts/lib/stack.mjs";
import { startNpmStart } from "./helpers.js";
import { scriptOf } from "./doc-blocks.js";

/** Output each page must show, beyond every command exiting 0: what the reader is told they will see. */
const PAGES: { page: string; shows: RegExp[] }[] = [
  { page: "README.md", shows: [/local-runner\s+ready/, /"state": "succeeded"/, /succeeded/] },
  { page: "docs/first-agent.md", shows: [/succeeded/, /no_runner_offers_agent: no ready runner offers agent hello/] },
];

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d.toString()));
    child.stderr.on("data", (d) => (out += d.toString()));
    const t = setTimeout(() => void stopProcess(child, 5_000), opts.timeoutMs);
    child.once("exit", (code) => (clearTimeout(t), resolve({ code, out })));
  });
}

describe("doc tests", () => {
  for (const { page, shows } of PAGES)
    it(`every shell block of ${page} runs against npm start`, { timeout: 600_000 }, async () => {
      const doc = scriptOf(page, readFileSync(join(ROOT, page), "utf8"));
      expect(doc.blocks).toBeGreaterThan(0);
      // Under the repo (git-ignored), so a page's agent resolves the workspace's packages as the reader's would.
      mkdirSync(join(ROOT, "test-artifacts/docs"), { recursive: true });
      const dir = mkdtempSync(join(ROOT, "test-artifacts/docs", `${page.replaceAll("/", "_")}-`));
      chmodSync(dir, 0o755);
      const home = mkdtempSync(join(tmpdir(), "oos-doc-"));
      for (const f of doc.files) writeFileSync(join(dir, f.name), f.body, { mode: 0o644 });
      const env = {
        ...process.env,
        HOME: dir,
        // Short: the runner's Unix sockets live under it (108 bytes at most).
        OFFICEOS_HOME: join(home, ".officeos"),
        OFFICEOS_PORT: String(await freePort()),
        OFFICEOS_CONFIG: join(dir, "cli.json"),
      };
      const cp = doc.needsStart ? await startNpmStart(env) : null;
      try {
        const r = await run("bash", ["-c", doc.script], { cwd: dir, env, timeoutMs: 480_000 });
        const all = `${cp?.output() ?? ""}\n${r.out}`;
        expect(r.code, `${page}'s blocks failed (the last "===" line names the block):\n${r.out}`).toBe(0);
        for (const re of shows) expect(all).toMatch(re);
      } finally {
        if (cp) await stopProcess(cp.child);
        rmSync(dir, { recursive: true, force: true });
        rmSync(home, { recursive: true, force: true });
      }
    });
});
