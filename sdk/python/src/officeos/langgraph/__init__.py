"""LangGraph checkpoint savers whose store is OfficeOS (``/v1/threads``, the same routes as the JavaScript saver).

    from officeos.langgraph import OfficeOSSaver
    graph = builder.compile(checkpointer=OfficeOSSaver.from_env())

Inside an agent process started by a runner it speaks to the runner's runtime API, which forwards to the control
plane under the task's lease (a write from a replaced lease is refused); elsewhere it speaks to the control plane
with an API key (``read`` to read, ``submit`` to write). Needs the ``langgraph`` extra."""

from ._saver import AsyncOfficeOSSaver, OfficeOSSaver, OfficeOSSaverError

__all__ = ["AsyncOfficeOSSaver", "OfficeOSSaver", "OfficeOSSaverError"]
