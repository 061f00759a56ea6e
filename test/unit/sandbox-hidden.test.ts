// An agent installed where the sandbox hides the host (/tmp, /home, /root, /run, the work dir) sees its
// own directory and nothing beside it: the runner says so at start, naming sandbox.ro_paths, instead of
// leaving the task to fail with "Cannot find module" (agent-runner/src/sandbox-bwrap.ts hiddenByPolicy,
// sandbox-setup.ts warnHiddenAgents).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig, type RunnerConfig } from "../../agent-runner/src/config.js";
import { hiddenByPolicy } from "../../agent-runner/src/sandbox-bwrap.js";
import { policyOf, warnHiddenAgents } from "../../agent-runner/src/sandbox-setup.js";

const policy = { roPaths: ["/tmp/agents/shared"], rwPaths: ["/home/out"], tmpMb: 16, hideFiles: [] };

describe("hiddenByPolicy", () => {
  it("names the paths under /tmp, /var/tmp, /dev/shm, /home, /root, /run and the work root", () => {
    const paths = [
      "/tmp/a",
      "/var/tmp/b",
      "/dev/shm/c",
      "/home/u/agent",
      "/root/x",
      "/run/y",
      "/var/run/z",
      "/srv/w/t",
    ];
    expect(hiddenByPolicy(policy, "/srv/w", paths)).toEqual(paths);
  });
  it("leaves what the host shows, and what ro_paths or rw_paths bring back", () => {
    const paths = ["/opt/agent", "/usr/lib/node", "/tmp/agents/shared/bin", "/home/out", "/srv/other"];
    expect(hiddenByPolicy(policy, "/srv/w", paths)).toEqual([]);
  });
  it("does not take a prefix of a name for its parent", () => {
    expect(hiddenByPolicy(policy, "/srv/w", ["/tmpfoo/a", "/homework", "/srv/w2"])).toEqual([]);
  });
});

describe("warnHiddenAgents", () => {
  it("warns once for each agent whose command lies in a hidden place, naming sandbox.ro_paths", () => {
    const dir = mkdtempSync("/tmp/officeos-hidden-");
    try {
      mkdirSync(join(dir, "app"));
      writeFileSync(join(dir, "app", "agent.mjs"), "");
      const parsed = parseConfig({
        control_plane: { url: "http://127.0.0.1:1", key: "k" },
        work_dir: "/srv/officeos-work",
        agents: {
          hidden: { command: ["/usr/bin/node", join(dir, "app", "agent.mjs")] },
          shown: { command: ["/usr/bin/node", "/usr/lib/x.mjs"], cwd: "/opt" },
        },
      });
      if (parsed.kind !== "ok") throw new Error(parsed.message);
      const cfg: RunnerConfig = parsed.config;
      const warned: { obj: Record<string, unknown>; msg: string }[] = [];
      warnHiddenAgents(cfg, policyOf(cfg), {
        warn: (obj: Record<string, unknown>, msg: string) => warned.push({ obj, msg }),
      } as never);
      expect(warned).toHaveLength(1);
      expect(warned[0]?.obj).toEqual({ agent: "hidden", bound: [join(dir, "app")] });
      expect(warned[0]?.msg).toMatch(/sandbox\.ro_paths/);
      const named = { ...cfg, sandbox: { ...cfg.sandbox, ro_paths: [dir] } };
      const again: unknown[] = [];
      warnHiddenAgents(named, policyOf(named), { warn: (o: unknown) => again.push(o) } as never);
      expect(again).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
