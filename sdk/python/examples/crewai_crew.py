"""A CrewAI crew on OfficeOS: its model calls go through the runner's gateway (chat completions, charged to the
agent's token quota); CrewAI's telemetry and tracing are off before CrewAI is imported.

Input: {"topic": str, "model": str}. Needs ``pip install officeos crewai`` in a venv of its own (CrewAI's
dependency tree pins ranges that clash with other frameworks').
"""

from __future__ import annotations

from typing import Any

from officeos import Context, no_phoning_home, run_agent

no_phoning_home()  # before CrewAI is imported: it reads its telemetry switches then

from crewai import LLM, Agent, Crew, Process, Task  # noqa: E402


def main(ctx: Context) -> dict[str, Any]:
    llm = LLM(
        model=f"openai/{ctx.input.get('model', 'gpt-4.1-mini')}",
        base_url=ctx.llm_base_url,
        api_key=ctx.llm_api_key,
        max_tokens=64,
    )
    writer = Agent(
        role="Writer",
        goal="Explain {topic} in one line",
        backstory="You write short, plain explanations.",
        llm=llm,
        allow_delegation=False,
        verbose=False,
    )
    task = Task(description="Explain {topic} in one line.", expected_output="One line.", agent=writer)
    crew = Crew(agents=[writer], tasks=[task], process=Process.sequential, verbose=False)
    out = crew.kickoff(inputs={"topic": ctx.input["topic"]})
    ctx.checkpoint(cursor=1, app_state={"output": out.raw})
    return {"output": out.raw, "tasks": len(out.tasks_output)}


if __name__ == "__main__":
    run_agent(main)
