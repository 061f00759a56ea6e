// A LangGraph agent run by OfficeOS: make_plan → ask_llm → wait_for_approval → summarize.
//
// Its checkpointer is OfficeOSSaver, which inside a runner talks to the runtime
// API (and through it to the control plane, fenced by the task's lease). The
// thread is the task's instance, so when a runner dies mid-graph the next
// attempt finds the thread's last checkpoint and resumes at the node it was
// in: nodes that finished do not run again.
//
// Input: { topic, file, llm_url?, model?, gate_file? }
//   file       each node appends a line `node=<name> attempt=<n>` when it runs (a side effect tests count)
//   llm_url    an OpenAI-compatible base URL (…/v1); default: the runner's gateway, $OFFICEOS_RUNTIME_API/llm/v1
//   gate_file  wait_for_approval waits until this file exists (a person's approval, or a test's signal)
import { appendFile, access } from "node:fs/promises";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { OfficeOSSaver } from "../../integrations/langgraph/index.js";
import { AgentError, readTaskToken, runAgent, type JsonValue } from "@officeos/sdk";

interface Input {
  topic: string;
  file: string;
  llm_url?: string;
  model?: string;
  gate_file?: string;
}

const State = Annotation.Root({
  topic: Annotation<string>(),
  plan: Annotation<string[]>(),
  answer: Annotation<string>(),
  approved: Annotation<boolean>(),
  summary: Annotation<string>(),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ChatCompletion {
  choices?: { message?: { content?: string | null } }[];
}

void runAgent<Input>(async (ctx): Promise<JsonValue> => {
  const { topic, file, gate_file } = ctx.input;
  if (typeof topic !== "string" || typeof file !== "string")
    throw new AgentError("bad_input", "input needs {topic: string, file: string}", false);
  const runtime = process.env.OFFICEOS_RUNTIME_API ?? "";
  const llmUrl = (ctx.input.llm_url ?? `${runtime}/llm/v1`).replace(/\/+$/, "");
  // Each attempt runs as a uid of its own: the file is created 0666 in one open() (umask 0), so the next can append.
  process.umask(0);
  const mark = (node: string) =>
    appendFile(file, `node=${node} attempt=${ctx.task.attempt} pid=${process.pid}\n`, { mode: 0o666 });

  const graph = new StateGraph(State)
    .addNode("make_plan", async (s) => {
      await mark("make_plan");
      return { plan: [`look up ${s.topic}`, `explain ${s.topic} in one line`] };
    })
    .addNode("ask_llm", async (s) => {
      const res = await fetch(`${llmUrl}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${readTaskToken() ?? ""}` },
        body: JSON.stringify({
          model: ctx.input.model ?? "gpt-4o-mini",
          messages: [
            { role: "system", content: "You answer in one line." },
            { role: "user", content: s.plan.join("; ") },
          ],
        }),
      });
      if (!res.ok)
        throw new AgentError("llm_error", `LLM answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      const body = (await res.json()) as ChatCompletion;
      const answer = body.choices?.[0]?.message?.content;
      if (typeof answer !== "string") throw new AgentError("llm_error", "LLM answer has no choices[0].message.content");
      await mark("ask_llm");
      return { answer };
    })
    .addNode("wait_for_approval", async () => {
      await mark("wait_for_approval");
      while (
        gate_file &&
        !(await access(gate_file).then(
          () => true,
          () => false,
        ))
      ) {
        if (ctx.stopping.aborted) throw new AgentError("stopping", "the runner asked the agent to stop");
        await ctx.progress();
        await sleep(100);
      }
      return { approved: true };
    })
    .addNode("summarize", async (s) => {
      await mark("summarize");
      return { summary: `${s.topic}: ${s.answer}` };
    })
    .addEdge(START, "make_plan")
    .addEdge("make_plan", "ask_llm")
    .addEdge("ask_llm", "wait_for_approval")
    .addEdge("wait_for_approval", "summarize")
    .addEdge("summarize", END)
    .compile({ checkpointer: OfficeOSSaver.fromEnv() });

  // One thread per instance: a retried task is the same instance, so it continues the same thread.
  // Durability "sync": each step's checkpoint is stored before the next step starts.
  const config = { configurable: { thread_id: `${ctx.task.agent}:${ctx.task.instance}` }, durability: "sync" as const };
  const before = await graph.getState(config);
  const resumedAt = before.next.length > 0 ? [...before.next] : null;
  // A thread with pending nodes resumes from its checkpoint (input null); else it starts.
  const out = await graph.invoke(resumedAt ? null : { topic }, config);
  return {
    summary: out.summary,
    plan: out.plan,
    approved: out.approved,
    resumed_at: resumedAt,
    attempt: ctx.task.attempt,
  };
});
