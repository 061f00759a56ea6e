// A Python LangGraph graph (sdk/python/examples/langgraph_agent.py) under real runners, its checkpointer the
// Python OfficeOSSaver through the runner's runtime API. The runner is killed (SIGKILL) while the graph waits in
// its third node; another runner takes the task and the graph resumes in that node. Every node's side effect
// goes through the runner's tool gateway to an external fake service, which counts them: each exactly once.
// The LLM node goes through the gateway to the fake OpenAI-compatible upstream; its tokens are charged to the
// agent's quota.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startRunner } from "../../scripts/lib/stack.mjs";
import { skipWithout } from "../../scripts/lib/prereqs.mjs";
import { ensureVenv } from "../../scripts/test-python.mjs";
import { COMPLETION_TOKENS, PROMPT_TOKENS, startFakeOpenAi, type FakeOpenAi } from "./fake-openai.js";
import { finished, until, useStack } from "./helpers.js";

const noPython = skipWithout("python3") || skipWithout("python3-venv");
const RUNNER_TIMING = {
  lease_ttl_ms: 3000,
  heartbeat_interval_ms: 500,
  lease_wait_ms: 10_000,
  drain_timeout_ms: 10_000,
  log_level: "info",
};
const LLM_KEY = "sk-upstream-python";
// .venv-sdk, made (or reused) as npm run test:python makes it, readable by the agent users. Made here, before
// the stack starts: making it blocks this process (pip), which would stall the control plane's connections.
const python = noPython ? "" : ensureVenv();
const s = useStack("python-langgraph");

interface Effect {
  node: string;
  attempt: number;
  visit?: boolean;
}

/** The external service the agent's side effects reach (through the runner's tool gateway); it counts them. */
async function effectService(): Promise<{ url: string; seen: Effect[]; server: Server }> {
  const seen: Effect[] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      seen.push(JSON.parse(text) as Effect);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, n: seen.length }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/effect`, seen, server };
}

let llm: FakeOpenAi;
let effects: Awaited<ReturnType<typeof effectService>>;
beforeAll(async () => {
  if (noPython) return;
  llm = await startFakeOpenAi(LLM_KEY);
  effects = await effectService();
  await s.admin("PUT", "/v1/agents/langgraph-py", {
    resources: { cpu: 250, memory_mb: 512 },
    tools: ["effect"],
    quota: { llm_tpm: 600, llm_tokens_burst: 5000 },
  });
});
afterAll(async () => {
  await llm?.close();
  await new Promise<void>((r) => (effects ? effects.server.close(() => r()) : r()));
});

describe.skipIf(noPython)("Python LangGraph agent on OfficeOS", () => {
  it("resumes in the node it was in after its runner is killed; each node's side effect happens once", async () => {
    const runner = (name: string) =>
      startRunner({
        dir: s.dir,
        name,
        url: s.cp.url,
        key: s.runnerKey,
        agents: {
          "langgraph-py": { command: [python, join(ROOT, "sdk/python/examples/langgraph_agent.py")] },
        },
        extra: {
          ...RUNNER_TIMING,
          llm: { base_url: llm.url, api_key: LLM_KEY, default_max_tokens: 64 },
          tools: { effect: { url: effects.url } },
        },
        log: (l: string) => process.env.LG_DEBUG && console.log(l),
      });
    const a = runner("py-lg-a");
    const b = runner("py-lg-b");
    s.runners.push(a, b);
    await Promise.all([a.waitForLog((e) => e.msg === "runner ready"), b.waitForLog((e) => e.msg === "runner ready")]);

    const gate = join(s.dir, "python-langgraph.approved");
    const { task } = await s.submit<{ task: { id: string; instance: string } }>("POST", "/v1/tasks", {
      agent: "langgraph-py",
      input: { topic: "LangGraph", model: "fake-1", gate_file: gate },
    });
    const started = await Promise.race(
      [a, b].map((r) => r.waitForLog((e) => e.msg === "task started" && e.task_id === task.id).then(() => r)),
    );
    const survivor = started === a ? b : a;

    const visits = () => effects.seen.filter((e) => e.visit && e.node === "wait_for_approval").length;
    // The graph is in wait_for_approval: make_plan and ask_llm are done and checkpointed (durability "sync").
    await until("the graph to wait for approval", () => visits() === 1, 120_000);
    const thread = `langgraph-py:${task.instance}`;
    const latest = await s.submit<{ checkpoints: { channel_values: { channel: string }[] }[] }>(
      "GET",
      `/v1/threads/${encodeURIComponent(thread)}/checkpoints?checkpoint_ns=&limit=1`,
    );
    expect(latest.checkpoints[0]?.channel_values.map((c) => c.channel)).toEqual(
      expect.arrayContaining(["answer", "plan", "topic"]),
    );
    started.child.kill("SIGKILL");

    // The other runner takes the task after the lease expires and resumes in the waiting node.
    await survivor.waitForLog((e) => e.msg === "task started" && e.task_id === task.id, 60_000);
    await until("the resumed graph to wait again", () => visits() === 2, 120_000);
    writeFileSync(gate, "yes\n");

    const t = await finished(s.submit, task.id, 120_000);
    expect(t.state).toBe("succeeded");
    expect(t.attempts).toBe(2);
    expect(t.result).toEqual({
      summary: `LangGraph: ${Array.from({ length: COMPLETION_TOKENS }, (_, i) => `w${i} `).join("")}`,
      plan: ["look up LangGraph", "explain LangGraph in one line"],
      approved: true,
      visited: ["make_plan", "ask_llm", "wait_for_approval", "summarize"],
      resumed_at: ["wait_for_approval"],
      attempt: 2,
      saver: "runner",
    });
    // Counted outside the agent: each node's side effect once, on the attempt that ran it.
    const done = effects.seen.filter((e) => !e.visit).map((e) => `${e.node}@${e.attempt}`);
    expect(done).toEqual(["make_plan@1", "ask_llm@1", "wait_for_approval@2", "summarize@2"]);
    expect(llm.calls).toHaveLength(1);
    expect(llm.calls[0]?.body.model).toBe("fake-1");
    // The call's tokens were charged to the agent's quota: 20 prompt + 10 completion tokens.
    const q = await s.submit<{ buckets: { scope: string; key: string; kind: string; granted: number }[] }>(
      "GET",
      "/v1/quotas",
    );
    const bucket = q.buckets.find((x) => x.scope === "agent" && x.key === "langgraph-py" && x.kind === "llm_tokens");
    expect(bucket?.granted).toBe(PROMPT_TOKENS + COMPLETION_TOKENS);
  });
});
