// npm run deploy:check: bundles the Worker exactly as `wrangler deploy` would
// (--dry-run, into dist/), then prints its size against the Workers limits and
// a locally measured startup time. Fails when the compressed bundle is over the
// plan's limit (OFFICEOS_WORKERS_PLAN=free|paid, default free: the stricter).
//
// Limits (developers.cloudflare.com/workers/platform/limits): Worker size after
// compression 3 MiB on Free, 10 MiB on Paid, 64 MiB before compression; global
// scope must parse and run within 1 s (startup).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist");
const MiB = 1024 * 1024;
const LIMITS = { free: 3 * MiB, paid: 10 * MiB, raw: 64 * MiB, startupMs: 1000 };
const plan = (process.env.OFFICEOS_WORKERS_PLAN ?? "free").toLowerCase();
if (plan !== "free" && plan !== "paid") {
  console.error(`OFFICEOS_WORKERS_PLAN must be free or paid, not "${plan}"`);
  process.exit(2);
}
const env = { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" };

rmSync(OUT, { recursive: true, force: true });
const dry = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"], {
  cwd: ROOT,
  env,
  stdio: ["ignore", "pipe", "pipe"],
  encoding: "utf8",
});
if (dry.status !== 0) {
  process.stderr.write(dry.stdout + dry.stderr);
  console.error("deploy:check: wrangler deploy --dry-run failed");
  process.exit(1);
}
const reported = /Total Upload: ([^\n]+)/.exec(dry.stdout)?.[1]?.trim();

/** What is uploaded: the modules wrangler wrote, without source maps and its README. */
function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return name.endsWith(".map") || name === "README.md" ? [] : [p];
  });
}
const rows = files(OUT).map((p) => {
  const bytes = readFileSync(p);
  return { file: relative(ROOT, p), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
const total = rows.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });

/** Startup: wrangler's local CPU profile of the global scope (indicative; Cloudflare's CPUs differ). */
function startupMs() {
  const profile = join(OUT, "worker-startup.cpuprofile");
  const r = spawnSync("npx", ["wrangler", "check", "startup", "--outfile", profile], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0 || !existsSync(profile)) return undefined;
  const p = JSON.parse(readFileSync(profile, "utf8"));
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
  let us = 0;
  p.samples.forEach((id, i) => {
    if (!idle.has(id)) us += p.timeDeltas[i] ?? 0;
  });
  rmSync(profile, { force: true });
  return us / 1000;
}
const startup = startupMs();

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const pct = (n, of) => `${((100 * n) / of).toFixed(1)}%`;
const table = [
  ["", "raw", "gzip"],
  ...rows.map((r) => [r.file, kib(r.raw), kib(r.gzip)]),
  ["total", kib(total.raw), kib(total.gzip)],
];
const w = [0, 1, 2].map((i) => Math.max(...table.map((r) => r[i].length)));
console.log("Worker bundle (wrangler deploy --dry-run)");
for (const r of table) console.log(`  ${r[0].padEnd(w[0])}  ${r[1].padStart(w[1])}  ${r[2].padStart(w[2])}`);
if (reported) console.log(`  wrangler reports: ${reported}`);
console.log("");
console.log("Workers limits");
const limitRows = [
  ["compressed, Free plan", kib(LIMITS.free), pct(total.gzip, LIMITS.free), total.gzip <= LIMITS.free],
  ["compressed, Paid plan", kib(LIMITS.paid), pct(total.gzip, LIMITS.paid), total.gzip <= LIMITS.paid],
  ["uncompressed", kib(LIMITS.raw), pct(total.raw, LIMITS.raw), total.raw <= LIMITS.raw],
  [
    "startup (local CPU profile)",
    `${LIMITS.startupMs} ms`,
    startup === undefined ? "n/a" : `${startup.toFixed(0)} ms`,
    startup === undefined || startup <= LIMITS.startupMs,
  ],
];
const lw = [0, 1, 2].map((i) => Math.max(...limitRows.map((r) => String(r[i]).length)));
for (const [name, limit, used, fits] of limitRows)
  console.log(
    `  ${String(name).padEnd(lw[0])}  limit ${String(limit).padStart(lw[1])}  used ${String(used).padStart(lw[2])}  ${fits ? "ok" : "OVER"}`,
  );

const limit = LIMITS[plan];
if (total.gzip > limit || total.raw > LIMITS.raw) {
  console.error(
    `\ndeploy:check: the Worker is over the ${plan} plan's size limit (${kib(total.gzip)} compressed; limit ${kib(limit)})`,
  );
  process.exit(1);
}
if (startup !== undefined && startup > LIMITS.startupMs)
  console.warn(
    `\ndeploy:check: startup measured ${startup.toFixed(0)} ms here, over the 1 s limit; measure on Cloudflare before deploying (not failing: local CPUs differ)`,
  );
console.log(`\ndeploy:check: ok for the ${plan} plan`);
