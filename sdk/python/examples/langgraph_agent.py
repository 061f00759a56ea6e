"""A LangGraph (Python) agent on OfficeOS: its checkpointer is OfficeOSSaver through the runner's runtime API, and
the thread is the task's instance, so when a runner dies mid-graph the next attempt finds the thread's last
checkpoint and resumes in the node it was in. Side effects go out through the runner's tool gateway (``effect``),
so they are counted outside the agent; the LLM node calls the runner's OpenAI-compatible gateway.

Input: {"topic": str, "model": str, "gate_file": str}. ``wait_for_approval`` waits until ``gate_file`` exists.

Runner config (the venv made from Debian's python3, readable by the agent users):
  agents:
    langgraph-py: { command: ["/opt/officeos/venv/bin/python", "/opt/officeos/examples/langgraph_agent.py"] }
  tools:
    effect: { url: "https://effects.example.com/effect" }
"""

from __future__ import annotations

import operator
import os
import time
from typing import Annotated, Any

from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from officeos import Context, run_agent
from officeos.langgraph import OfficeOSSaver


class State(TypedDict, total=False):
    topic: str
    plan: list[str]
    answer: str
    approved: bool
    summary: str
    visited: Annotated[list[str], operator.add]


def main(ctx: Context) -> dict[str, Any]:
    inp = ctx.input
    effect = lambda node: ctx.tool("effect", {"node": node, "attempt": ctx.attempt, "task": ctx.task_id})  # noqa: E731

    def make_plan(s: State) -> State:
        effect("make_plan")
        return {"plan": [f"look up {s['topic']}", f"explain {s['topic']} in one line"], "visited": ["make_plan"]}

    def ask_llm(s: State) -> State:
        r = ctx.openai().chat.completions.create(
            model=inp["model"],
            messages=[{"role": "system", "content": "Answer in one line."}, {"role": "user", "content": s["plan"][1]}],
        )
        effect("ask_llm")
        return {"answer": r.choices[0].message.content or "", "visited": ["ask_llm"]}

    def wait_for_approval(s: State) -> State:
        # Announced on every visit (not a side effect of the node): the test sees where the graph waits.
        ctx.tool("effect", {"node": "wait_for_approval", "attempt": ctx.attempt, "visit": True})
        while not os.path.exists(inp["gate_file"]):
            ctx.progress("waiting for approval")
            time.sleep(0.1)
        effect("wait_for_approval")
        return {"approved": True, "visited": ["wait_for_approval"]}

    def summarize(s: State) -> State:
        effect("summarize")
        return {"summary": f"{s['topic']}: {s['answer']}", "visited": ["summarize"]}

    g = StateGraph(State)
    for name, fn in [
        ("make_plan", make_plan),
        ("ask_llm", ask_llm),
        ("wait_for_approval", wait_for_approval),
        ("summarize", summarize),
    ]:
        g.add_node(name, fn)
    g.add_edge(START, "make_plan")
    g.add_edge("make_plan", "ask_llm")
    g.add_edge("ask_llm", "wait_for_approval")
    g.add_edge("wait_for_approval", "summarize")
    g.add_edge("summarize", END)

    saver = OfficeOSSaver.from_env()
    graph = g.compile(checkpointer=saver)
    # One thread per instance: a retried task is the same instance, so it continues the same thread.
    config: Any = {"configurable": {"thread_id": f"{ctx.agent}:{ctx.instance}"}}
    pending = graph.get_state(config).next
    # A thread with pending nodes resumes from its checkpoint (input None); else it starts.
    out = graph.invoke(None if pending else {"topic": inp["topic"]}, config, durability="sync")
    return {
        "summary": out["summary"],
        "plan": out["plan"],
        "approved": out["approved"],
        "visited": out["visited"],
        "resumed_at": list(pending),
        "attempt": ctx.attempt,
        "saver": saver.mode,
    }


if __name__ == "__main__":
    run_agent(main)
