"""Real LangGraph graphs on the savers against the real Worker: the sync methods (the conformance suite calls
only the async ones), an interrupt resumed from the stored checkpoint by a second saver, and the mode chosen
from the environment."""

from __future__ import annotations

import operator
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from conftest import Worker

pytest.importorskip("langgraph.graph")
from langgraph.graph import END, START, StateGraph  # noqa: E402
from langgraph.types import Command, interrupt  # noqa: E402

from officeos.langgraph import AsyncOfficeOSSaver, OfficeOSSaver  # noqa: E402

pytestmark = pytest.mark.worker


class State(TypedDict):
    log: Annotated[list[str], operator.add]


def build(saver: Any) -> Any:
    def a(s: State) -> dict[str, Any]:
        return {"log": ["a"]}

    def gate(s: State) -> dict[str, Any]:
        answer = interrupt("ok?")
        return {"log": [f"gate:{answer}"]}

    def b(s: State) -> dict[str, Any]:
        return {"log": ["b"]}

    g = StateGraph(State)
    g.add_node("a", a)
    g.add_node("gate", gate)
    g.add_node("b", b)
    g.add_edge(START, "a")
    g.add_edge("a", "gate")
    g.add_edge("gate", "b")
    g.add_edge("b", END)
    return g.compile(checkpointer=saver)


def test_sync_graph_interrupts_and_a_new_saver_resumes_it(worker: Worker, tenant: str) -> None:
    key = worker.key(tenant, ["submit", "read"])
    cfg: Any = {"configurable": {"thread_id": "th-sync"}}
    with OfficeOSSaver(url=worker.url, api_key=key) as s1:
        assert s1.mode == "direct"
        out = build(s1).invoke({"log": []}, cfg)
        assert out["log"] == ["a"] and "__interrupt__" in out
    # Another process, another saver: the state is in OfficeOS, not in memory.
    with OfficeOSSaver(url=worker.url, api_key=key) as s2:
        g = build(s2)
        assert g.get_state(cfg).next == ("gate",)
        out = g.invoke(Command(resume="yes"), cfg)
        assert out["log"] == ["a", "gate:yes", "b"]
        history = list(s2.list(cfg))
        assert len(history) >= 4 and history[0].metadata["step"] > history[-1].metadata["step"]
        assert [t.checkpoint["id"] for t in s2.list(cfg, limit=2)] == [t.checkpoint["id"] for t in history[:2]]
        s2.delete_thread("th-sync")
        assert s2.get_tuple(cfg) is None


async def test_async_graph_on_the_async_saver(worker: Worker, tenant: str) -> None:
    key = worker.key(tenant, ["submit", "read"])
    cfg: Any = {"configurable": {"thread_id": "th-async"}}
    async with AsyncOfficeOSSaver(url=worker.url, api_key=key) as s:
        g = build(s)
        await g.ainvoke({"log": []}, cfg)
        out = await g.ainvoke(Command(resume="fine"), cfg)
        assert out["log"] == ["a", "gate:fine", "b"]


def test_mode_comes_from_the_environment(tmp_path: Any) -> None:
    tf = tmp_path / "t"
    tf.write_text("tok")
    s = OfficeOSSaver.from_env({"OFFICEOS_RUNTIME_API": "http://127.0.0.1:9", "OFFICEOS_TASK_TOKEN_FILE": str(tf)})
    assert s.mode == "runner"
    d = OfficeOSSaver.from_env({"OFFICEOS_URL": "http://127.0.0.1:9", "OFFICEOS_API_KEY": "k"})
    assert d.mode == "direct"
    with pytest.raises(ValueError, match="OFFICEOS_URL"):
        OfficeOSSaver.from_env({})
