// Python agent frameworks under a real runner, each in its own virtualenv (their dependency trees clash), each
// against the fake OpenAI-compatible upstream through the runner's gateway, their tokens charged to the agent's
// quota: an OpenAI Agents SDK agent with a function tool (the Responses API, its conversation in the instance's
// checkpoints), and a CrewAI crew (chat completions through LiteLLM).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, afterAll, describe, expect, it } from "vitest";
import { skipWithout } from "../../scripts/lib/prereqs.mjs";
import { ROOT, startRunner } from "../../scripts/lib/stack.mjs";
import { ensureVenv } from "../../scripts/test-python.mjs";
import { COMPLETION_TOKENS, PROMPT_TOKENS, startFakeOpenAi, type FakeOpenAi } from "./fake-openai.js";
import { finished, useStack } from "./helpers.js";

const noPython = skipWithout("python3") || skipWithout("python3-venv");
// Made before the stack starts: pip blocks this process, which would stall the control plane's connections.
const agentsPython = noPython ? "" : ensureVenv("openai-agents");
const crewPython = noPython ? "" : ensureVenv("crewai");
const s = useStack("python-frameworks");
const LLM_KEY = "sk-upstream-frameworks";
const EXAMPLES = join(ROOT, "sdk/python/examples");
const AUDIT = join(ROOT, "test/e2e/python/audit_connect.py");
/** Every name lookup and connection the agent made (audit_connect.py); each must be the runner, on loopback. */
const connections = (agent: string) =>
  readdirSync(s.dir)
    .filter((f) => f.startsWith(`${agent}.connections.`))
    .flatMap((f) => readFileSync(join(s.dir, f), "utf8").trim().split("\n").filter(Boolean));
const elsewhere = (agent: string) => connections(agent).filter((l) => !/'(127\.0\.0\.1|localhost)'/.test(l));

let llm: FakeOpenAi;
beforeAll(async () => {
  if (noPython) return;
  llm = await startFakeOpenAi(LLM_KEY);
  await s.admin("PUT", "/v1/agents/py-openai-agents", {
    resources: { cpu: 250, memory_mb: 512 },
    quota: { llm_tpm: 600, llm_tokens_burst: 5000 },
  });
  await s.admin("PUT", "/v1/agents/py-crewai", {
    resources: { cpu: 250, memory_mb: 768 },
    quota: { llm_tpm: 600, llm_tokens_burst: 5000 },
  });
  const runner = startRunner({
    dir: s.dir,
    name: "py-frameworks",
    url: s.cp.url,
    key: s.runnerKey,
    agents: {
      "py-openai-agents": {
        command: [
          agentsPython,
          AUDIT,
          join(s.dir, "py-openai-agents.connections"),
          join(EXAMPLES, "openai_agents_agent.py"),
        ],
      },
      "py-crewai": {
        command: [crewPython, AUDIT, join(s.dir, "py-crewai.connections"), join(EXAMPLES, "crewai_crew.py")],
      },
    },
    extra: { lease_wait_ms: 5000, llm: { base_url: llm.url, api_key: LLM_KEY, default_max_tokens: 64 } },
    log: (l: string) => process.env.PY_DEBUG && console.log(l),
  });
  s.runners.push(runner);
  await runner.waitForLog((e) => e.msg === "runner ready");
});
afterAll(async () => {
  await llm?.close();
});

async function tokensOf(agent: string): Promise<number | undefined> {
  const q = await s.submit<{ buckets: { scope: string; key: string; kind: string; granted: number }[] }>(
    "GET",
    "/v1/quotas",
  );
  return q.buckets.find((x) => x.scope === "agent" && x.key === agent && x.kind === "llm_tokens")?.granted;
}

describe.skipIf(noPython)("Python frameworks on OfficeOS", () => {
  it("an OpenAI Agents SDK agent calls its tool through the Responses API and finishes; tokens charged", async () => {
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "py-openai-agents",
      input: { question: "Where is order 42?", model: "fake-1" },
    });
    const t = await finished(s.submit, task.id, 120_000);
    expect(t.state, JSON.stringify(t.error)).toBe("succeeded");
    // The model asked for the tool, got its output, and answered with it.
    expect(t.result.answer).toBe("the tool said: order 42: shipped on Monday");
    const calls = llm.others.filter((c) => c.path === "/v1/responses");
    expect(calls).toHaveLength(2);
    for (const c of calls) {
      expect(c.authorization).toBe(`Bearer ${LLM_KEY}`);
      expect(c.body.store).toBe(false);
      expect(c.body.tools.map((x: { name: string }) => x.name)).toEqual(["lookup_order"]);
    }
    // The conversation is in the instance's checkpoint (OfficeOSSession): question, call, output, answer.
    const cp = await s.submit<{ state: { app_state: { openai_agents_session: { type?: string }[] } } }>(
      "GET",
      `/v1/tasks/${task.id}/checkpoint`,
    );
    const items = cp.state.app_state.openai_agents_session;
    expect(items.map((i) => i.type ?? "message")).toEqual([
      "message",
      "function_call",
      "function_call_output",
      "message",
    ]);
    expect(t.result.session_items).toBe(4);
    // Two calls of 20 prompt + 10 output tokens each, settled as reported.
    expect(await tokensOf("py-openai-agents")).toBe(2 * (PROMPT_TOKENS + COMPLETION_TOKENS));
    // No phoning home: the SDK's trace exporter is off, so the runner's runtime API is all the agent reached.
    expect(connections("py-openai-agents").length).toBeGreaterThan(0);
    expect(elsewhere("py-openai-agents")).toEqual([]);
  });

  it("streamed (Runner.run_streamed): the same answer through the gateway's SSE, tokens charged", async () => {
    const before = llm.others.length;
    const spent = (await tokensOf("py-openai-agents")) ?? 0;
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "py-openai-agents",
      input: { question: "Where is order 42?", model: "fake-1", stream: true },
    });
    const t = await finished(s.submit, task.id, 120_000);
    expect(t.state, JSON.stringify(t.error)).toBe("succeeded");
    expect(t.result.answer).toBe("the tool said: order 42: shipped on Monday");
    const calls = llm.others.slice(before).filter((c) => c.path === "/v1/responses");
    expect(calls.map((c) => c.body.stream)).toEqual([true, true]);
    expect(await tokensOf("py-openai-agents")).toBe(spent + 2 * (PROMPT_TOKENS + COMPLETION_TOKENS));
  });

  it("a CrewAI crew finishes with its model calls through the gateway; tokens charged", async () => {
    const before = llm.calls.length;
    const { task } = await s.submit<{ task: { id: string } }>("POST", "/v1/tasks", {
      agent: "py-crewai",
      input: { topic: "LangGraph", model: "fake-2" },
    });
    const t = await finished(s.submit, task.id, 180_000);
    expect(t.state, JSON.stringify(t.error)).toBe("succeeded");
    const words = Array.from({ length: COMPLETION_TOKENS }, (_, i) => `w${i} `).join("");
    expect(t.result).toEqual({ output: words, tasks: 1 });
    const calls = llm.calls.slice(before);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const c of calls) {
      expect(c.authorization).toBe(`Bearer ${LLM_KEY}`);
      expect(c.body.model).toBe("fake-2");
    }
    expect(await tokensOf("py-crewai")).toBe(calls.length * (PROMPT_TOKENS + COMPLETION_TOKENS));
    // No phoning home: CrewAI's telemetry and tracing are off.
    expect(connections("py-crewai").length).toBeGreaterThan(0);
    expect(elsewhere("py-crewai")).toEqual([]);
  });

  it("without no_phoning_home the Agents SDK's exporter posts traces with the task's key; with it, nothing", async () => {
    // The exporter's endpoint is pointed at this listener, on loopback, in place of the vendor's.
    const posts: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      posts.push(req.headers.authorization);
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces/ingest`;
    const probe = async (quiet: boolean) => {
      const child = spawn(agentsPython, [join(ROOT, "test/e2e/python/trace_probe.py")], {
        env: { PATH: process.env.PATH ?? "", HOME: s.dir, PROBE_ENDPOINT: endpoint, OFFICEOS_QUIET: quiet ? "1" : "0" },
        stdio: "ignore",
      });
      return new Promise<number | null>((r) => child.once("exit", r));
    };
    try {
      expect(await probe(false)).toBe(0);
      expect(posts).toEqual(["Bearer sk-task-token"]);
      expect(await probe(true)).toBe(0);
      expect(posts).toHaveLength(1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
