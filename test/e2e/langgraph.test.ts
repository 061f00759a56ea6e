// A LangGraph agent (agent-runner/examples/langgraph-agent.ts) under real runners:
// its checkpointer is OfficeOSSaver through the runner's runtime API. The runner
// is killed (SIGKILL) while the graph waits in its third node; another runner
// takes the task and the graph resumes in that node. The LLM node calls a fake
// OpenAI-compatible upstream (a local HTTP server speaking the chat-completions
// wire format), which counts its calls.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES, startRunner } from "../../scripts/lib/stack.mjs";
import { finished, linesOf, until, useStack } from "./helpers.js";

const RUNNER_TIMING = {
  lease_ttl_ms: 3000,
  heartbeat_interval_ms: 500,
  lease_wait_ms: 10_000,
  drain_timeout_ms: 10_000,
  log_level: "info",
};
const s = useStack("langgraph");

interface FakeLlm {
  url: string;
  calls: { model: string; messages: { role: string; content: string }[] }[];
  server: Server;
}

/** POST /v1/chat/completions, answered as OpenAI does (non-streaming). */
async function fakeLlm(): Promise<FakeLlm> {
  const calls: FakeLlm["calls"] = [];
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d: Buffer) => (text += d.toString()));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }));
        return;
      }
      const body = JSON.parse(text) as FakeLlm["calls"][number];
      calls.push(body);
      const content = `graphs keep state between steps (${body.messages.length} messages read)`;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: `chatcmpl-${calls.length}`,
          object: "chat.completion",
          created: Math.floor(Date.now() / 1000),
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content }, logprobs: null, finish_reason: "stop" }],
          usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, calls, server };
}

let llm: FakeLlm;
beforeAll(async () => {
  llm = await fakeLlm();
  await s.admin("PUT", "/v1/agents/langgraph", { resources: { cpu: 250, memory_mb: 256 } });
});
afterAll(() => new Promise<void>((r) => (llm ? llm.server.close(() => r()) : r())));

const agents = () => ({ langgraph: { command: [process.execPath, join(EXAMPLES, "langgraph-agent.mjs")] } });

describe("LangGraph agent on OfficeOS", () => {
  it("resumes in the node it was in after its runner is killed, and finishes right", async () => {
    const a = startRunner({
      dir: s.dir,
      name: "lg-a",
      url: s.cp.url,
      key: s.runnerKey,
      agents: agents(),
      // The agent reaches the model through its runner's gateway: inside the sandbox no other host is reachable.
      extra: { ...RUNNER_TIMING, llm: { base_url: llm.url } },
      log: (l: string) => process.env.LG_DEBUG && console.log(l),
    });
    const b = startRunner({
      dir: s.dir,
      name: "lg-b",
      url: s.cp.url,
      key: s.runnerKey,
      agents: agents(),
      // The agent reaches the model through its runner's gateway: inside the sandbox no other host is reachable.
      extra: { ...RUNNER_TIMING, llm: { base_url: llm.url } },
      log: (l: string) => process.env.LG_DEBUG && console.log(l),
    });
    s.runners.push(a, b);
    await Promise.all([a.waitForLog((e) => e.msg === "runner ready"), b.waitForLog((e) => e.msg === "runner ready")]);

    const file = join(s.dir, "langgraph.log");
    const gate = join(s.dir, "langgraph.approved");
    const { task } = await s.submit<{ task: { id: string; instance: string } }>("POST", "/v1/tasks", {
      agent: "langgraph",
      input: { topic: "LangGraph", file, model: "fake-1", gate_file: gate },
    });
    const started = await Promise.race(
      [a, b].map((r) => r.waitForLog((e) => e.msg === "task started" && e.task_id === task.id).then(() => r)),
    );
    const survivor = started === a ? b : a;

    // The graph is in wait_for_approval: plan and ask_llm are done and checkpointed.
    await until("the graph to wait for approval", () =>
      linesOf(file).some((l) => l.startsWith("node=wait_for_approval ")),
    );
    const thread = `langgraph:${task.instance}`;
    const latest = await s.submit<{ checkpoints: { metadata: unknown; channel_values: { channel: string }[] }[] }>(
      "GET",
      `/v1/threads/${encodeURIComponent(thread)}/checkpoints?checkpoint_ns=&limit=1`,
    );
    expect(latest.checkpoints).toHaveLength(1);
    expect(latest.checkpoints[0]?.channel_values.map((c) => c.channel)).toEqual(
      expect.arrayContaining(["answer", "plan", "topic"]),
    );
    started.child.kill("SIGKILL");

    // The other runner takes the task after the lease expires and resumes in the waiting node.
    await survivor.waitForLog((e) => e.msg === "task started" && e.task_id === task.id, 60_000);
    await until(
      "the resumed graph to wait again",
      () => linesOf(file).filter((l) => l.startsWith("node=wait_for_approval ")).length === 2,
    );
    writeFileSync(gate, "yes\n");

    const t = await finished(s.submit, task.id);
    expect(t.state).toBe("succeeded");
    expect(t.attempts).toBe(2);
    expect(t.result).toEqual({
      summary: "LangGraph: graphs keep state between steps (2 messages read)",
      plan: ["look up LangGraph", "explain LangGraph in one line"],
      approved: true,
      resumed_at: ["wait_for_approval"],
      attempt: 2,
    });
    // Nodes that finished before the kill ran once; the one it was in ran on both attempts.
    const runs = linesOf(file).map((l) => l.split(" ").slice(0, 2).join(" "));
    expect(runs).toEqual([
      "node=make_plan attempt=1",
      "node=ask_llm attempt=1",
      "node=wait_for_approval attempt=1",
      "node=wait_for_approval attempt=2",
      "node=summarize attempt=2",
    ]);
    expect(llm.calls).toHaveLength(1);
    expect(llm.calls[0]?.model).toBe("fake-1");
  });
});
