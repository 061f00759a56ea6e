// The CI policy for prerequisites (scripts/lib/prereqs.mjs): under CI=true a missing one fails the
// run, naming it; elsewhere its tests skip, loudly. Checked by hiding redis-server from PATH for the
// real check script and for a real vitest run of the unit config.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { missing, onPath, PREREQS } from "../../scripts/lib/prereqs.mjs";
import { ROOT } from "../../scripts/lib/stack.mjs";

const dirs: string[] = [];

/** A PATH with every command of this one except `hidden`: symlinks, first directory wins, as PATH does. */
function pathWithout(hidden: string): string {
  const dir = mkdtempSync(join(tmpdir(), "officeos-path-"));
  const seen = new Set<string>([hidden]);
  for (const d of (process.env.PATH ?? "").split(delimiter)) {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      if (seen.has(n)) continue;
      seen.add(n);
      symlinkSync(join(d, n), join(dir, n));
    }
  }
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** This process's environment without CI, plus `extra`. */
const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const { CI: _ci, ...rest } = process.env;
  return { ...rest, ...extra };
};

describe("the prerequisite policy", () => {
  it("under CI a missing prerequisite throws, naming it and how to install it; elsewhere it asks to skip", () => {
    expect(() => missing("redis-server", "not on PATH", { CI: "true" })).toThrow(
      /missing prerequisite redis-server: not on PATH[\s\S]*apt-get install -y redis-server/,
    );
    expect(missing("redis-server", "not on PATH", {})).toBe(true);
    expect(missing("redis-server", null, { CI: "true" })).toBe(false);
  });

  it("lists every prerequisite the issue names, each with an install step", () => {
    expect(PREREQS.map((p) => p.name)).toEqual(
      expect.arrayContaining(["redis-server", "chromium", "promtool", "python3", "bwrap", "cgroups"]),
    );
    for (const p of PREREQS) expect(p.install.length).toBeGreaterThan(10);
  });

  it("finds a command on PATH only where it is executable", () => {
    expect(onPath("node")).not.toBeNull();
    expect(onPath("node", "")).toBeNull();
    expect(onPath("definitely-not-a-command-here")).toBeNull();
  });
});

describe.skipIf(onPath("redis-server") === null)("with redis-server hidden from PATH", () => {
  it("the check script fails under CI=true, naming it; without CI it passes and says what will skip", () => {
    const PATH = pathWithout("redis-server");
    const ci = spawnSync(process.execPath, [join(ROOT, "scripts/check-prereqs.mjs")], {
      cwd: ROOT,
      env: env({ PATH, CI: "true" }),
      encoding: "utf8",
    });
    expect(ci.status).toBe(1);
    expect(ci.stdout).toMatch(/^MISSING redis-server: redis-server is not on PATH$/m);
    expect(ci.stderr).toMatch(/CI=true: each is a failure[\s\S]*redis-server[\s\S]*apt-get install -y redis-server/);

    const dev = spawnSync(process.execPath, [join(ROOT, "scripts/check-prereqs.mjs")], {
      cwd: ROOT,
      env: env({ PATH }),
      encoding: "utf8",
    });
    expect(dev.status).toBe(0);
    expect(dev.stderr).toMatch(/will SKIP[\s\S]*redis-server/);
  });

  it("a real vitest run of the unit suite fails under CI=true, naming it", () => {
    const PATH = pathWithout("redis-server");
    const vitest = join(ROOT, "node_modules/vitest/vitest.mjs");
    const args = [vitest, "run", "-c", "vitest.unit.config.ts", "test/unit/stable-stringify.test.ts"];
    const ci = spawnSync(process.execPath, args, { cwd: ROOT, env: env({ PATH, CI: "true" }), encoding: "utf8" });
    expect(ci.status).not.toBe(0);
    expect(ci.stdout + ci.stderr).toMatch(/missing prerequisite redis-server/);
    // Outside CI the same run passes, and says loudly that the bridge's tests are skipped.
    const dev = spawnSync(process.execPath, args, { cwd: ROOT, env: env({ PATH }), encoding: "utf8" });
    expect(dev.status).toBe(0);
    expect(dev.stderr).toMatch(/SKIPPING tests: missing prerequisite redis-server/);
  }, 120_000);
});
