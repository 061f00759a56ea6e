import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfig } from "../../agent-runner/src/config.js";

const base = {
  control_plane: { url: "http://127.0.0.1:8787", key: "oos.k" },
  agents: { echo: { command: ["node", "echo.mjs"] } },
};

describe("runner config", () => {
  it("fills defaults and compiles the heartbeat interval from the lease TTL", () => {
    const r = parseConfig({ ...base, lease_ttl_ms: 9000 });
    if (r.kind !== "ok") throw new Error(r.message);
    // 9000 / 3
    expect(r.config.heartbeatIntervalMs).toBe(3000);
    expect(r.config.max_concurrent).toBe(8);
    expect(r.config.runtime_api).toEqual({ host: "127.0.0.1", port: 0 });
    expect(r.config.agents.echo?.env).toEqual({});
  });

  it("rejects a misspelt key instead of ignoring it", () => {
    const r = parseConfig({ ...base, max_concurrency: 4 });
    expect(r.kind).toBe("error");
    if (r.kind === "error") expect(r.message).toContain("max_concurrency");
  });

  it("rejects a heartbeat interval that is not below the lease TTL", () => {
    const r = parseConfig({ ...base, lease_ttl_ms: 3000, heartbeat_interval_ms: 3000 });
    expect(r.kind).toBe("error");
    if (r.kind === "error") expect(r.message).toContain("heartbeat_interval_ms");
  });

  it("takes capacities as the control plane does: whole units for cpu, gpu and *_mb, at most 2^53", () => {
    for (const capacity of [{ cpu: 0.5 }, { memory_mb: 1.5 }, { gpu: 1.1 }, { llm_tpm: 2 ** 53 + 2 }]) {
      const r = parseConfig({ ...base, capacity });
      expect(r.kind).toBe("error");
      if (r.kind === "error") expect(r.message).toContain(`capacity.${Object.keys(capacity)[0]}`);
    }
    const ok = parseConfig({ ...base, capacity: { cpu: 1500, memory_mb: 2048, llm_tpm: 0.5 } });
    expect(ok.kind).toBe("ok");
  });

  it("needs at least one agent and a control plane", () => {
    expect(parseConfig({ ...base, agents: {} }).kind).toBe("error");
    expect(parseConfig({ agents: base.agents }).kind).toBe("error");
  });

  it("lets the environment override the file", () => {
    const r = parseConfig(base, {
      OFFICEOS_URL: "http://10.0.0.1:9",
      OFFICEOS_RUNNER_KEY: "oos.other",
      OFFICEOS_MAX_CONCURRENT: "3",
      OFFICEOS_RUNNER_NAME: "n1",
    });
    if (r.kind !== "ok") throw new Error(r.message);
    expect(r.config.control_plane).toEqual({ url: "http://10.0.0.1:9", key: "oos.other" });
    expect(r.config.max_concurrent).toBe(3);
    expect(r.config.name).toBe("n1");
  });

  it("a bad override is reported like a bad file value", () => {
    const r = parseConfig(base, { OFFICEOS_MAX_CONCURRENT: "many" });
    expect(r.kind).toBe("error");
  });

  it("reads YAML and resolves an agent cwd relative to the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "officeos-cfg-"));
    const path = join(dir, "runner.yaml");
    writeFileSync(
      path,
      "control_plane: { url: 'http://127.0.0.1:1', key: k }\nagents:\n  a: { command: [node], cwd: agents }\n",
    );
    const r = loadConfig(path, {});
    if (r.kind !== "ok") throw new Error(r.message);
    expect(r.config.agents.a?.cwd).toBe(join(dir, "agents"));
  });

  it("names the file when it cannot be read or parsed", () => {
    const missing = loadConfig("/nonexistent/runner.yaml", {});
    expect(missing.kind === "error" && missing.message).toContain("/nonexistent/runner.yaml");
    const dir = mkdtempSync(join(tmpdir(), "officeos-cfg-"));
    writeFileSync(join(dir, "bad.json"), "{");
    const bad = loadConfig(join(dir, "bad.json"), {});
    expect(bad.kind === "error" && bad.message).toContain("cannot parse");
  });
});
