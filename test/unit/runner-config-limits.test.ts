import { describe, expect, it } from "vitest";
import { parseConfig } from "../../agent-runner/src/config.js";

const base = {
  control_plane: { url: "http://127.0.0.1:8787", key: "oos.k" },
  agents: { echo: { command: ["node", "echo.mjs"] } },
};

describe("runner config: limits, llm, gpus", () => {
  it("defaults: cgroups auto under officeos with 512 pids, GPU discovery on, no LLM upstream", () => {
    const r = parseConfig(base);
    if (r.kind !== "ok") throw new Error(r.message);
    expect(r.config.limits).toEqual({
      cgroups: "auto",
      cgroup_root: "/sys/fs/cgroup",
      cgroup_parent: "officeos",
      pids_max: 512,
    });
    expect(r.config.gpus).toEqual({ discover: true, nvidia_smi: "nvidia-smi", dev_dir: "/dev" });
    expect(r.config.llm).toBeUndefined();
  });

  it("the upstream key may come from the environment; the LLM section is strict", () => {
    const r = parseConfig(
      { ...base, llm: { base_url: "https://api.example.com/v1" } },
      { OFFICEOS_LLM_API_KEY: "sk-1" },
    );
    if (r.kind !== "ok") throw new Error(r.message);
    expect(r.config.llm).toMatchObject({
      base_url: "https://api.example.com/v1",
      api_key: "sk-1",
      default_max_tokens: 1024,
      max_wait_ms: 0,
    });
    const bad = parseConfig({ ...base, llm: { base_url: "https://api.example.com/v1", apikey: "x" } });
    expect(bad.kind).toBe("error");
    if (bad.kind === "error") expect(bad.message).toContain("apikey");
  });

  it("rejects a pids limit too small to start a runtime, and an unknown cgroup mode", () => {
    expect(parseConfig({ ...base, limits: { pids_max: 2 } }).kind).toBe("error");
    expect(parseConfig({ ...base, limits: { cgroups: "v3" } }).kind).toBe("error");
  });
});

describe("sandbox config", () => {
  const base = { control_plane: { url: "http://127.0.0.1:1", key: "k" }, agents: { a: { command: ["true"] } } };
  it("a bare mode string still works; the policy's knobs default to none, 64 MB tmp", () => {
    const r = parseConfig({ ...base, sandbox: "bwrap" });
    if (r.kind !== "ok") throw new Error(r.message);
    expect(r.config.sandbox).toEqual({ mode: "bwrap", ro_paths: [], rw_paths: [], tmp_mb: 64 });
    const d = parseConfig(base);
    expect(d.kind === "ok" && d.config.sandbox.mode).toBe("auto");
  });
  it("ro_paths must be absolute, without . or .. (a clear message, no start)", () => {
    const r = parseConfig({ ...base, sandbox: { mode: "auto", ro_paths: ["/opt/../etc"] } });
    expect(r.kind).toBe("error");
    expect(r.kind === "error" && r.message).toContain("absolute path");
    const ok = parseConfig({ ...base, sandbox: { ro_paths: ["/opt/venv/"] } });
    expect(ok.kind === "ok" && ok.config.sandbox.ro_paths).toEqual(["/opt/venv"]);
    expect(parseConfig({ ...base, sandbox: { mode: "auto", typo: 1 } }).kind).toBe("error");
  });
});
