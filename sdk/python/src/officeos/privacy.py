"""No phoning home: the OpenAI Agents SDK's trace exporter posts to the vendor with the configured API key (in an
agent, the task token) and CrewAI (like other frameworks) sends usage telemetry. ``run_agent`` turns both off
before the agent body runs; call ``no_phoning_home()`` yourself before building a crew or an Agents SDK runner
outside ``run_agent``."""

from __future__ import annotations

import importlib
import importlib.metadata
import os

#: Environment switches the frameworks read (set only when unset, so an operator can still choose).
SWITCHES = {
    "OPENAI_AGENTS_DISABLE_TRACING": "1",
    "CREWAI_DISABLE_TELEMETRY": "true",
    "CREWAI_DISABLE_TRACKING": "true",
    "CREWAI_TRACING_ENABLED": "false",
    "ANONYMIZED_TELEMETRY": "False",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    "DO_NOT_TRACK": "1",
}


def no_phoning_home() -> None:
    for k, v in SWITCHES.items():
        os.environ.setdefault(k, v)
    # Only the OpenAI Agents SDK's own `agents` module, never a module of the agent's that has the same name.
    try:
        importlib.metadata.distribution("openai-agents")
        agents = importlib.import_module("agents")
    except Exception:
        return
    disable = getattr(agents, "set_tracing_disabled", None)
    if callable(disable):
        disable(True)
