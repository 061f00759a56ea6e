#!/usr/bin/env node
// npm run test:stress -- [--runs N] [--hog K] [--hog-runs LIST] [--ref REV] [--link-modules] [--keep] [--command CMD]
//
// Runs the README's test command N times, each in a fresh clone of this repository at REV (default
// HEAD, so commit first), optionally with K CPU-bound processes spinning beside it for the whole run,
// and reports which tests failed in which run. A flaky test shows up as failing in some runs only.
// See docs/testing.md.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./lib/stack.mjs";
import { failedTests } from "./lib/vitest-output.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    hog: { type: "string", default: "0" },
    "hog-runs": { type: "string" },
    ref: { type: "string", default: "HEAD" },
    "link-modules": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    command: { type: "string", default: "npm test" },
    out: { type: "string", default: join(ROOT, "test-artifacts/stress") },
  },
});
const runs = Number(values.runs);
const hogs = Number(values.hog);
if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number ≥ 1");
if (!Number.isInteger(hogs) || hogs < 0) throw new Error("--hog takes a whole number ≥ 0");
/** Which runs (1-based) get the hog: all of them unless --hog-runs names some, e.g. --hog-runs 3. */
const hogRuns = new Set(
  values["hog-runs"] ? values["hog-runs"].split(",").map(Number) : Array.from({ length: runs }, (_, i) => i + 1),
);

/** Runs a command, teeing its output to `log` and collecting it; resolves with its exit code. */
function sh(cmd, cwd, env, log) {
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", cmd], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    const take = (d) => {
      const s = d.toString();
      text += s;
      log?.(s);
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), text }));
  });
}

function startHog(n) {
  return Array.from({ length: n }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
}

const head = await sh(`git rev-parse ${values.ref}`, ROOT);
const rev = head.text.trim();
if (head.code !== 0) throw new Error(`git rev-parse ${values.ref} failed: ${rev}`);
mkdirSync(values.out, { recursive: true });
const base = mkdtempSync(join(tmpdir(), "officeos-stress-"));
// mkdtemp makes it 0700; agents run as other users and must reach the clone's agent scripts, as in any checkout.
chmodSync(base, 0o755);
const results = [];
console.log(
  `stress: ${runs} run(s) of \`${values.command}\` at ${rev.slice(0, 12)}${hogs ? `, ${hogs} CPU hog(s) in run(s) ${[...hogRuns].join(",")}` : ""}`,
);
try {
  for (let i = 1; i <= runs; i++) {
    const dir = join(base, `run-${i}`);
    const logFile = join(values.out, `run-${i}.log`);
    const chunks = [];
    const log = (s) => chunks.push(s);
    const t0 = Date.now();
    const clone = await sh(
      `git clone --quiet --no-hardlinks "${ROOT}" "${dir}" && git -C "${dir}" checkout --quiet ${rev}`,
      ROOT,
      process.env,
      log,
    );
    if (clone.code !== 0) throw new Error(`clone failed:\n${clone.text}`);
    const install = values["link-modules"]
      ? `cp -al "${join(ROOT, "node_modules")}" node_modules`
      : "npm ci --no-audit --no-fund";
    const inst = await sh(install, dir, process.env, log);
    if (inst.code !== 0) throw new Error(`${install} failed:\n${inst.text}`);
    const hog = hogs > 0 && hogRuns.has(i) ? startHog(hogs) : [];
    const t1 = Date.now();
    // promtool is unpacked into .ci/bin by .ci/run, which a fresh clone has not run: lend it this checkout's.
    const promtool =
      process.env.PROMTOOL ?? (existsSync(join(ROOT, ".ci/bin/promtool")) ? join(ROOT, ".ci/bin/promtool") : undefined);
    const env = {
      ...process.env,
      FORCE_COLOR: "0",
      NO_COLOR: "1",
      WRANGLER_SEND_METRICS: "false",
      ...(promtool ? { PROMTOOL: promtool } : {}),
    };
    const run = await sh(values.command, dir, env, log).finally(() => {
      for (const h of hog) h.kill("SIGKILL");
    });
    const r = {
      run: i,
      hog: hog.length,
      code: run.code,
      install_s: Math.round((t1 - t0) / 1000),
      test_s: Math.round((Date.now() - t1) / 1000),
      failed: failedTests(run.text),
      log: logFile,
    };
    writeFileSync(logFile, chunks.join(""));
    results.push(r);
    console.log(
      `run ${i}: ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} in ${r.test_s} s (+${r.install_s} s clone and install)${r.hog ? `, ${r.hog} hog(s)` : ""}${r.failed.length ? `\n  ${r.failed.join("\n  ")}` : ""}`,
    );
    // A run that failed before any test (a prerequisite, the build, the type check): show why.
    if (r.code !== 0 && r.failed.length === 0)
      console.log(
        run.text
          .trimEnd()
          .split("\n")
          .slice(-12)
          .map((l) => `  | ${l}`)
          .join("\n"),
      );
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
} finally {
  if (!values.keep) rmSync(base, { recursive: true, force: true });
}
const byTest = new Map();
for (const r of results) for (const t of r.failed) byTest.set(t, [...(byTest.get(t) ?? []), r.run]);
const report = { rev, command: values.command, runs: results, failures: Object.fromEntries(byTest) };
writeFileSync(join(values.out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `\n${results.filter((r) => r.code === 0).length}/${runs} runs passed; report in ${join(values.out, "report.json")}`,
);
for (const [t, which] of byTest) console.log(`  ${t}: failed in run(s) ${which.join(", ")}`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
