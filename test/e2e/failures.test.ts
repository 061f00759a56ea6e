// Issue #18 end to end with a real runner: a deterministic crash is not retried three times; an attempt
// whose LLM gateway has no upstream fails llm_not_configured, not retried; a runner stopped cleanly shows
// `stopped`, and restarted with the same name on the same host it takes its row over.
import { describe, expect, it } from "vitest";
import { startRunner } from "../../scripts/lib/stack.mjs";
import { finished, useStack } from "./helpers.js";

const s = useStack("failures");
const node = process.execPath;
const TIMING = { lease_ttl_ms: 5000, heartbeat_interval_ms: 500, lease_wait_ms: 5000, drain_timeout_ms: 5000 };
/** Calls the runner's LLM gateway (no upstream configured in these tests), prints what it said, exits 1. */
const LLM_CALLER = `
const fs = require("node:fs");
const token = process.env.OFFICEOS_TASK_TOKEN ?? fs.readFileSync(process.env.OFFICEOS_TASK_TOKEN_FILE, "utf8").trim();
fetch(process.env.OFFICEOS_RUNTIME_API + "/llm/v1/chat/completions", {
  method: "POST",
  headers: { authorization: "Bearer " + token, "content-type": "application/json" },
  body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
}).then(async (r) => { console.error("LLM answered " + r.status + " " + (await r.text())); process.exit(1); });
`;

describe("failures that say what they are", () => {
  it("a crash that would only repeat stops early; llm_not_configured is not retried", async () => {
    const fast = { max_attempts: 3, backoff: { initial_ms: 100, max_ms: 100 } };
    await s.admin("PUT", "/v1/agents/broken", { resources: { cpu: 100, memory_mb: 64 }, retry: fast });
    await s.admin("PUT", "/v1/agents/llm-user", { resources: { cpu: 100, memory_mb: 64 }, retry: fast });
    const runner = startRunner({
      dir: s.dir,
      name: "failures-runner",
      url: s.cp.url,
      key: s.runnerKey,
      agents: {
        broken: { command: [node, "-e", "require('left-pad-that-is-not-installed')"] },
        "llm-user": { command: [node, "-e", LLM_CALLER] },
      },
      extra: TIMING,
    });
    s.runners.push(runner);
    await runner.waitForLog((e: { msg?: string }) => e.msg === "runner ready");

    const broken = (await s.submit<any>("POST", "/v1/tasks", { agent: "broken", input: null })).task;
    const b = await finished(s.submit, broken.id);
    // With the stderr tail the first attempt names the missing module; without it the same crash twice ends it.
    expect(b.state).toBe("escalated");
    expect(b.attempts).toBeLessThan(3);
    expect(["module_not_found", "same_error_twice"]).toContain(b.error.details.deterministic);
    expect(b.escalation.reason.details.deterministic).toBe(b.error.details.deterministic);

    const llm = (await s.submit<any>("POST", "/v1/tasks", { agent: "llm-user", input: null })).task;
    const l = await finished(s.submit, llm.id);
    expect(l).toMatchObject({ state: "failed", attempts: 1, error: { code: "llm_not_configured" } });
    expect(l.error.message).toContain("no LLM upstream configured");
    await runner.waitForLog((e: { msg?: string }) => e.msg?.includes("no LLM upstream configured") ?? false);
  });

  it("a runner stopped cleanly shows stopped; restarted under its name it takes its row over", async () => {
    const start = () => startRunner({ dir: s.dir, name: "restarting", url: s.cp.url, key: s.runnerKey, extra: TIMING });
    const first = start();
    await first.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    const mine = async () =>
      (await s.admin<{ runners: { id: string; name: string; state: string }[] }>("GET", "/v1/runners")).runners.filter(
        (r) => r.name === "restarting",
      );
    const [row] = await mine();
    expect(row?.state).toBe("ready");
    await first.stop();
    expect((await mine()).map((r) => [r.id, r.state])).toEqual([[row!.id, "stopped"]]);

    const second = start();
    s.runners.push(second);
    await second.waitForLog((e: { msg?: string }) => e.msg === "runner ready");
    expect((await mine()).map((r) => [r.id, r.state])).toEqual([[row!.id, "ready"]]);
  });
});
