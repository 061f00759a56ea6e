"""The OpenAI Agents SDK on OfficeOS (the ``openai`` extra plus ``openai-agents``).

    from agents import Agent, Runner
    from officeos import run_agent
    from officeos.openai_agents import OfficeOSSession, use_gateway

    async def main(ctx):
        use_gateway(ctx)                          # the model through the runner's gateway; no trace export
        session = OfficeOSSession(ctx)            # the conversation kept in the instance's checkpoints
        result = await Runner.run(Agent(name="a", instructions="..."), ctx.input["question"], session=session)
        return {"answer": result.final_output}

    run_agent(main)

``use_gateway`` makes the gateway client the SDK's default (the Responses API, which the gateway serves) and turns
the SDK's trace exporter off: it would post to the vendor with the configured key, here the task token."""

from __future__ import annotations

import copy
import importlib
from typing import Any

from .agent import AsyncContext

#: Where the session's items live in the checkpoint's app_state.
SESSION_KEY = "openai_agents_session"


def use_gateway(ctx: AsyncContext) -> Any:
    """Points the Agents SDK at the runner's gateway and disables its tracing; answers the AsyncOpenAI client."""
    agents = importlib.import_module("agents")
    client = ctx.async_openai()
    agents.set_default_openai_client(client, use_for_tracing=False)
    agents.set_default_openai_api("responses")
    agents.set_tracing_disabled(True)
    return client


class OfficeOSSession:
    """An Agents SDK ``Session`` whose items are kept in the instance's checkpoints (``app_state`` under
    ``SESSION_KEY``; the rest of the state is kept as it was). Each change is checkpointed and durable before
    the call returns, so a retried task, or the next task on the same named instance, continues the conversation.
    Items are bounded by the checkpoint's size limit (the control plane refuses a checkpoint that is too large)."""

    session_settings: Any = None

    def __init__(self, ctx: AsyncContext, session_id: str | None = None) -> None:
        self._ctx = ctx
        self.session_id = session_id or ctx.instance
        app = ctx.state.get("app_state")
        saved = app.get(SESSION_KEY) if isinstance(app, dict) else None
        self._items: list[Any] = list(saved) if isinstance(saved, list) else []

    async def _save(self) -> None:
        state = copy.deepcopy(self._ctx.state)
        app = state.get("app_state")
        app = dict(app) if isinstance(app, dict) else {}
        app[SESSION_KEY] = self._items
        await self._ctx.checkpoint(
            cursor=state.get("cursor"),
            messages=state.get("messages"),
            tool_calls=state.get("tool_calls"),
            reasoning=state.get("reasoning"),
            app_state=app,
            metadata=state.get("metadata"),
        )

    async def get_items(self, limit: int | None = None) -> list[Any]:
        items = self._items if limit is None else self._items[-limit:] if limit > 0 else []
        return copy.deepcopy(items)

    async def add_items(self, items: list[Any]) -> None:
        if not items:
            return
        self._items.extend(copy.deepcopy(items))
        await self._save()

    async def pop_item(self) -> Any:
        if not self._items:
            return None
        item = self._items.pop()
        await self._save()
        return item

    async def clear_session(self) -> None:
        self._items = []
        await self._save()
