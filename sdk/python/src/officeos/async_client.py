"""``AsyncClient``: the control-plane client for asyncio, the same methods as ``Client`` (see client.py), awaited.

async with AsyncClient.from_env() as oc:
    task = await oc.submit("summarise", {"url": "..."})
    done = await oc.wait(task["id"], timeout=600)
"""

from __future__ import annotations

import asyncio
import builtins
import time
from collections.abc import AsyncIterator, Mapping
from types import TracebackType
from typing import Any, Literal, cast

import httpx

from ._env import control_plane_from_env
from ._types import (
    Agent,
    AgentSpec,
    ApprovalList,
    Checkpoint,
    EscalationList,
    JsonValue,
    SubmitBatchAnswer,
    SubmitTask,
    Task,
    TaskEvents,
    TaskList,
)
from .client import (
    _MAX_RATE_WAIT,
    _RATE_TRIES,
    _TRIES,
    END_STATES,
    OPERATIONS,
    TaskState,
    _decide_body,
    _escalation_body,
    _p,
    _submit_body,
)
from .errors import NotFound, OfficeOSError, QuotaExceeded, Unavailable, error_from_response


class AsyncClient:
    """Asyncio client of the control plane. ``AsyncClient.from_env()`` reads ``OFFICEOS_URL`` and ``OFFICEOS_API_KEY``."""

    def __init__(
        self, url: str, api_key: str, *, timeout: float = 60.0, transport: httpx.AsyncBaseTransport | None = None
    ):
        self.url = url.rstrip("/")
        self._http = httpx.AsyncClient(
            base_url=self.url, headers={"authorization": f"Bearer {api_key}"}, timeout=timeout, transport=transport
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AsyncClient:
        found = control_plane_from_env(env)
        if found is None:
            raise OfficeOSError(0, "not_configured", "set OFFICEOS_URL and OFFICEOS_API_KEY")
        return cls(*found)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def submit(
        self,
        agent: str,
        input: JsonValue = None,
        *,
        priority: int | None = None,
        instance: str | None = None,
        idempotency_key: str | None = None,
        node_selector: Mapping[str, str] | None = None,
        retry: Mapping[str, Any] | None = None,
        timeouts: Mapping[str, Any] | None = None,
    ) -> Task:
        body = _submit_body(agent, input, priority, instance, idempotency_key, node_selector, retry, timeouts)
        return cast(Task, (await self._call("submit", body=body, idempotent=idempotency_key is not None))["task"])

    async def submit_batch(self, tasks: builtins.list[SubmitTask]) -> SubmitBatchAnswer:
        return cast(SubmitBatchAnswer, await self._call("submit_batch", body={"tasks": tasks}))

    async def get(self, task_id: str) -> Task:
        return cast(Task, (await self._call("get", {"id": task_id}))["task"])

    async def list(
        self,
        *,
        state: TaskState | None = None,
        agent: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> TaskList:
        q = {"state": state, "agent": agent, "limit": limit, "cursor": cursor}
        return cast(TaskList, await self._call("list", query=q))

    async def iter_tasks(self, *, state: TaskState | None = None, agent: str | None = None) -> AsyncIterator[Task]:
        cursor: str | None = None
        while True:
            page = await self.list(state=state, agent=agent, limit=500, cursor=cursor)
            for t in page["tasks"]:
                yield t
            cursor = page.get("next_cursor")
            if not cursor or not page["tasks"]:
                return

    async def cancel(self, task_id: str) -> Task:
        return cast(Task, (await self._call("cancel", {"id": task_id}))["task"])

    async def events(
        self, task_id: str, *, after: int | None = None, wait_ms: int | None = None, limit: int | None = None
    ) -> TaskEvents:
        q = {"after": after, "wait_ms": wait_ms, "limit": limit}
        return cast(TaskEvents, await self._call("events", {"id": task_id}, query=q))

    async def wait(self, task_id: str, *, timeout: float | None = None, states: frozenset[str] = END_STATES) -> Task:
        deadline = None if timeout is None else time.monotonic() + timeout
        after: int | None = None
        while True:
            task = await self.get(task_id)
            if task["state"] in states:
                return task
            left = 25.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"task {task_id} is still {task['state']} after {timeout} s")
            ev = await self.events(task_id, after=after, wait_ms=int(min(left, 20.0) * 1000), limit=100)
            after = int(ev["next"])

    async def checkpoint(self, task_id: str) -> Checkpoint | None:
        try:
            return cast(Checkpoint, await self._call("checkpoint", {"id": task_id}))
        except NotFound:
            return None

    async def approvals(self) -> ApprovalList:
        return cast(ApprovalList, await self._call("approvals"))

    async def decide(
        self,
        task_id: str,
        decision: Literal["approve", "reject"],
        *,
        comment: str | None = None,
        gate: str | None = None,
    ) -> Task:
        body = _decide_body(decision, comment, gate)
        return cast(Task, (await self._call("decide", {"task_id": task_id}, body=body))["task"])

    async def escalations(self) -> EscalationList:
        return cast(EscalationList, await self._call("escalations"))

    async def escalation_action(
        self,
        task_id: str,
        action: Literal["retry", "resolve", "cancel"],
        *,
        input: JsonValue = None,
        result: JsonValue = None,
        state: Mapping[str, Any] | None = None,
        comment: str | None = None,
    ) -> Task:
        body = _escalation_body(action, input, result, state, comment)
        return cast(Task, (await self._call("escalation_action", {"task_id": task_id}, body=body))["task"])

    async def put_agent(self, name: str, spec: AgentSpec | Mapping[str, Any] | None = None) -> Agent:
        return cast(Agent, await self._call("put_agent", {"name": name}, body=dict(spec or {})))

    async def get_agent(self, name: str) -> Agent:
        return cast(Agent, await self._call("get_agent", {"name": name}))

    async def list_agents(self) -> builtins.list[Agent]:
        return cast("builtins.list[Agent]", (await self._call("list_agents"))["agents"])

    async def _call(
        self,
        op: str,
        params: Mapping[str, str] | None = None,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool = False,
    ) -> Any:
        method, template, keys = OPERATIONS[op]
        path = template.format(**{k: _p(v) for k, v in (params or {}).items()})
        q = {k: str(v) for k, v in (query or {}).items() if v is not None}
        assert set(q) <= set(keys), f"{op}: unknown query keys {set(q) - set(keys)}"
        retry_network = idempotent or method == "GET"
        rate_tries, tries = 0, 0
        while True:
            tries += 1
            try:
                res = await self._http.request(method, path, params=q or None, json=body)
            except httpx.TransportError as e:
                if retry_network and tries < _TRIES:
                    await asyncio.sleep(0.2 * tries)
                    continue
                raise Unavailable(0, "unavailable", f"OfficeOS unreachable at {self.url}: {e}") from e
            if res.is_success:
                return res.json() if res.content else None
            err = error_from_response(res, f"{method} {path}")
            if isinstance(err, QuotaExceeded) and rate_tries < _RATE_TRIES and err.retry_after <= _MAX_RATE_WAIT:
                rate_tries += 1
                tries -= 1
                await asyncio.sleep(err.retry_after)
                continue
            if isinstance(err, Unavailable) and retry_network and tries < _TRIES:
                await asyncio.sleep(0.2 * tries)
                continue
            raise err
