// Token quotas end to end: the real Worker under wrangler dev, a real runner,
// the llm-agent example as real child processes, and a fake OpenAI-compatible
// upstream speaking the real wire format.
//
// Arithmetic (rates of 6 tokens a minute, so refill is negligible over the test):
// each call reserves estimate + max_tokens = 16 + 40 = 56 tokens
//   (estimate: {"role":"user","content":"hello"} is 33 chars → ⌈33/4⌉ + 4 + 3 = 16),
// and is settled to its real usage, 20 + 10 = 30 tokens.
// A call is granted while the level is ≥ 56; after k calls the level is burst − 30k.
//   agent a, burst 200: 200, 170, 140, 110, 80 → 5 granted, then 50 < 56.
//   agent b, burst 300: 300 … 60 (k = 8) → 9 granted, then 30 < 56.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES, startRunner } from "../../scripts/lib/stack.mjs";
import { startFakeOpenAi, type FakeOpenAi } from "./fake-openai.js";
import { finished, useStack } from "./helpers.js";

const s = useStack("llm");
const KEY = "sk-upstream-secret-0123456789";
let upstream: FakeOpenAi;

beforeAll(async () => {
  upstream = await startFakeOpenAi(KEY);
});
afterAll(async () => {
  await upstream?.close();
});

describe("LLM token quota end to end", () => {
  it("holds each agent to its own token bucket; the upstream sees exactly the granted calls; agents never see the key", async () => {
    await s.admin("PUT", "/v1/agents/llm-a", {
      resources: { cpu: 100, memory_mb: 256 },
      quota: { llm_tpm: 6, llm_tokens_burst: 200 },
    });
    await s.admin("PUT", "/v1/agents/llm-b", {
      resources: { cpu: 100, memory_mb: 256 },
      quota: { llm_tpm: 6, llm_tokens_burst: 300 },
    });
    const command = [process.execPath, join(EXAMPLES, "llm-agent.mjs")];
    const runner = startRunner({
      dir: s.dir,
      name: "llm-runner",
      url: s.cp.url,
      key: s.runnerKey,
      agents: { "llm-a": { command }, "llm-b": { command } },
      extra: { llm: { base_url: upstream.url, default_model: "fake-model" }, log_level: "info" },
      env: { OFFICEOS_LLM_API_KEY: KEY },
    });
    s.runners.push(runner);
    await runner.waitForLog((e: any) => e.msg === "runner ready");
    const input = { prompt: "hello", max_tokens: 40, wait_on_429: false, look_for: KEY };
    const a = (
      await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
        agent: "llm-a",
        input: { ...input, calls: 8, stream: "alternate" },
      })
    ).task;
    const b = (
      await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
        agent: "llm-b",
        input: { ...input, calls: 12, stream: true },
      })
    ).task;
    const ta = await finished(s.submit, a.id);
    const tb = await finished(s.submit, b.id);
    expect(ta.state).toBe("succeeded");
    expect(tb.state).toBe("succeeded");
    expect(ta.result).toMatchObject({ granted: 5, throttled: 3, tokens: 5 * 30, chars: 5 * 30, env_has_secret: false });
    expect(tb.result).toMatchObject({ granted: 9, throttled: 3, tokens: 9 * 30, env_has_secret: false });
    // A refusal carried Retry-After: the 6 missing tokens come back at 6 a minute.
    expect(ta.result.min_retry_after_ms).toBeGreaterThanOrEqual(1000);
    // The runner's upstream settings are nowhere in the agent's environment.
    expect(ta.result.env_keys.filter((k: string) => k.includes("LLM"))).toEqual([]);
    // Exactly the granted calls reached the upstream, all with the runner's key, streamed ones asking for usage.
    expect(upstream.calls.length).toBe(5 + 9);
    for (const c of upstream.calls) {
      expect(c.authorization).toBe(`Bearer ${KEY}`);
      expect(c.body.max_tokens).toBe(40);
      if (c.body.stream) expect(c.body.stream_options?.include_usage).toBe(true);
    }
    expect(upstream.calls.filter((c) => c.body.stream).length).toBe(2 + 9);
    // The buckets say the same.
    const q = await s.submit<any>("GET", "/v1/quotas");
    const bucket = (key: string) =>
      q.buckets.find((x: any) => x.scope === "agent" && x.key === key && x.kind === "llm_tokens");
    expect(bucket("llm-a")).toMatchObject({ rate_per_minute: 6, burst: 200, throttled: 3, granted: 150 });
    expect(bucket("llm-b")).toMatchObject({ burst: 300, throttled: 3, granted: 270 });
    expect(bucket("llm-a").level).toBeLessThan(56);
  });
});
