// The agent's isolation wrappers (agent-runner/src/sandbox.ts): the argv they build (pure),
// and the init that stands as pid 1 in the namespace forwarding SIGTERM to the agent.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectIsolation, INIT_SCRIPT, sandboxArgv } from "../../agent-runner/src/sandbox.js";
import { AgentProcess } from "../../agent-runner/src/agent-process.js";

const root = process.getuid?.() === 0;

describe("sandbox argv (pure)", () => {
  it("root: pid namespace, then setpriv to the task's uid with no groups and no_new_privs, then the init", () => {
    const [cmd, args] = sandboxArgv({ kind: "unshare", userns: false }, { drop: { uid: 61000, gid: 61000 } }, "node", [
      "agent.js",
    ]);
    expect(cmd).toBe("unshare");
    expect(args.slice(0, 5)).toEqual(["--pid", "--fork", "--mount-proc", "--kill-child", "--"]);
    expect(args.slice(5, 11)).toEqual([
      "setpriv",
      "--reuid=61000",
      "--regid=61000",
      "--clear-groups",
      "--no-new-privs",
      "--",
    ]);
    expect(args.slice(11)).toEqual(["/bin/sh", "-c", INIT_SCRIPT, "officeos-init", "node", "agent.js"]);
  });

  it("not root: a user namespace too; bwrap hides the task root but for the task's dir; none still sets no_new_privs", () => {
    const [, u] = sandboxArgv({ kind: "unshare", userns: true }, { drop: null }, "a", []);
    expect(u[0]).toBe("--user");
    expect(u).not.toContain("--reuid=0");
    const [b, bargs] = sandboxArgv(
      { kind: "bwrap", userns: true },
      { drop: null, workRoot: "/w/r", workDir: "/w/r/t-1" },
      "a",
      [],
    );
    // bwrap dies of SIGTERM (and would SIGKILL the agent with it): it runs with TERM ignored.
    expect(b).toBe("env");
    expect(bargs.slice(0, 2)).toEqual(["--ignore-signal=TERM,INT,HUP", "bwrap"]);
    expect(bargs.join(" ")).toContain("--tmpfs /w/r");
    expect(bargs.join(" ")).toContain("--bind /w/r/t-1 /w/r/t-1");
    expect(bargs).toContain("--unshare-pid");
    expect(bargs).toContain("--unshare-net");
    expect(bargs).toContain("--unshare-user");
    expect(bargs).toContain("--disable-userns");
    expect(bargs).toContain("env");
    expect(bargs).toContain("--default-signal=TERM,INT,HUP");
    expect(sandboxArgv({ kind: "none", reason: "x" }, { drop: { uid: 7, gid: 8 } }, "a", ["b"])).toEqual([
      "setpriv",
      ["--reuid=7", "--regid=8", "--clear-groups", "--no-new-privs", "--", "a", "b"],
    ]);
  });

  it("maps the init's 128+n exit back to the signal, only under a namespace", () => {
    expect(AgentProcess.exitOf(137, null, { kind: "unshare", userns: false })).toEqual({
      code: null,
      signal: "SIGKILL",
    });
    expect(AgentProcess.exitOf(137, null, { kind: "none", reason: "" })).toEqual({ code: 137, signal: null });
    expect(AgentProcess.exitOf(1, null, { kind: "bwrap", userns: true })).toEqual({ code: 1, signal: null });
  });
});

describe("the init (pid 1 in the namespace)", () => {
  it("forwards SIGTERM to the agent, keeps its stdin, and exits with its status", async () => {
    const dir = mkdtempSync(join(tmpdir(), "officeos-init-"));
    const marker = join(dir, "got-term");
    const agent = `process.stdin.once("data", (d) => require("fs").writeFileSync(${JSON.stringify(join(dir, "stdin"))}, d)); process.on("SIGTERM", () => { require("fs").writeFileSync(${JSON.stringify(marker)}, "1"); process.exit(3); }); setInterval(() => {}, 1000);`;
    const c = spawn("/bin/sh", ["-c", INIT_SCRIPT, "officeos-init", process.execPath, "-e", agent], {
      stdio: ["pipe", "ignore", "ignore"],
    });
    c.stdin.write("hello\n");
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(dir, "stdin")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const code = new Promise<number | null>((r) => c.once("exit", (n) => r(n)));
    c.kill("SIGTERM");
    expect(await code).toBe(3);
    expect(existsSync(marker)).toBe(true);
    expect(statSync(join(dir, "stdin")).size).toBe(6);
  });

  it.skipIf(!root || spawnSync("unshare", ["--version"]).status !== 0)(
    "as root, detection picks a pid namespace here",
    async () => {
      const iso = await detectIsolation("auto", true);
      expect(iso.kind).not.toBe("none");
      // bwrap with the whole policy, the seccomp filter and the forwarder (socat) works here first.
      if (spawnSync("bwrap", ["--version"]).status === 0 && spawnSync("socat", ["-V"]).status === 0)
        expect(iso.kind).toBe("bwrap");
      expect(await detectIsolation("off", true)).toMatchObject({ kind: "none" });
    },
  );
});

describe("runner refuses a readable config as root", () => {
  const bin = join(import.meta.dirname, "../../agent-runner/dist/officeos-runner.mjs");
  it.skipIf(!root || !existsSync(bin))("exits 2 naming the mode", () => {
    const dir = mkdtempSync(join(tmpdir(), "officeos-cfgmode-"));
    const file = join(dir, "r.json");
    writeFileSync(
      file,
      JSON.stringify({
        control_plane: { url: "http://127.0.0.1:9", key: "k" },
        agents: { a: { command: ["true"] } },
        work_dir: join(dir, "w"),
      }),
      { mode: 0o644 },
    );
    const r = spawnSync(process.execPath, [bin, "--config", file], { encoding: "utf8", timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("refusing to start");
    expect(r.stderr).toContain("mode 644");
  });
});
