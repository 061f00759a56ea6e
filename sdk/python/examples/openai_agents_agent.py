"""An OpenAI Agents SDK agent on OfficeOS: the model through the runner's gateway (the Responses API, charged to
the agent's token quota), a function tool, and the conversation kept in the instance's checkpoints
(``OfficeOSSession``), so a retry or the next task on the same instance continues it. The SDK's trace exporter is
off: nothing is posted to the vendor.

Input: {"question": str, "model": str, "stream": bool}. Needs ``pip install officeos[openai] openai-agents`` in the agent's venv.
"""

from __future__ import annotations

from typing import Any

from agents import Agent, Runner, function_tool

from officeos import AsyncContext, run_agent
from officeos.openai_agents import OfficeOSSession, use_gateway

ORDERS = {"42": "shipped on Monday", "7": "waiting for stock"}


@function_tool
def lookup_order(order_id: str) -> str:
    """The status of an order.

    Args:
        order_id: the order's number.
    """
    return f"order {order_id}: {ORDERS.get(order_id, 'unknown')}"


async def main(ctx: AsyncContext) -> dict[str, Any]:
    use_gateway(ctx)
    session = OfficeOSSession(ctx)
    agent = Agent(
        name="support",
        instructions="Answer questions about orders; look them up with the tool.",
        tools=[lookup_order],
        model=ctx.input.get("model", "gpt-4.1-mini"),
    )
    if ctx.input.get("stream"):
        streamed = Runner.run_streamed(agent, ctx.input["question"], session=session)
        async for _event in streamed.stream_events():
            pass
        answer = streamed.final_output
    else:
        answer = (await Runner.run(agent, ctx.input["question"], session=session)).final_output
    return {"answer": answer, "session_items": len(await session.get_items())}


if __name__ == "__main__":
    run_agent(main)
