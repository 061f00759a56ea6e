"""The runner's runtime API (``OFFICEOS_RUNTIME_API``), spoken with the task token. One sync and one async client
over the same routes (docs/runtime-api.md): ``GET /task``, ``PUT /checkpoint``, ``POST /progress``, ``/result``,
``/error``, ``/approval`` and ``/tools/{name}``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal, TypedDict, Union, cast
from urllib.parse import quote

import httpx
from typing_extensions import NotRequired

from ._env import runtime_from_env
from ._types import AgentState, GateDecision, JsonValue
from .errors import OfficeOSError, Unavailable, error_from_response


class RestoredCheckpoint(TypedDict):
    seq: int
    state: AgentState


class TaskInfo(TypedDict):
    """What ``GET /task`` answers."""

    task_id: str
    agent: str
    input: JsonValue
    instance: str
    attempt: int
    epoch: int
    checkpoint: RestoredCheckpoint | None


class Suspended(TypedDict):
    gate: str
    status: Literal["suspended"]


ApprovalAnswer = Union[GateDecision, Suspended]


class ToolAnswer(TypedDict):
    status: int
    content_type: str
    body: JsonValue | str
    json: NotRequired[bool]


def _headers(token: str) -> dict[str, str]:
    h = {"authorization": f"Bearer {token}"}
    # W3C trace context from the runner, once it passes one (TRACEPARENT), goes with every call.
    tp = os.environ.get("TRACEPARENT")
    if tp:
        h["traceparent"] = tp
    return h


def _missing() -> OfficeOSError:
    return OfficeOSError(
        0,
        "not_under_runner",
        "OFFICEOS_RUNTIME_API and OFFICEOS_TASK_TOKEN_FILE (or OFFICEOS_TASK_TOKEN) must be set "
        "(run this agent under officeos-runner)",
    )


def _json(res: httpx.Response, what: str) -> Any:
    if res.is_success:
        return res.json() if res.content else None
    raise error_from_response(res, what)


def _tool_answer(res: httpx.Response, name: str) -> ToolAnswer:
    if not res.is_success:
        raise error_from_response(res, f"tool {name}")
    ctype = res.headers.get("content-type", "")
    if "json" in ctype:
        return {"status": res.status_code, "content_type": ctype, "body": cast(JsonValue, res.json()), "json": True}
    return {"status": res.status_code, "content_type": ctype, "body": res.text, "json": False}


def _state(
    cursor: Mapping[str, int] | None,
    messages: list[Any] | None,
    tool_calls: list[Any] | None,
    reasoning: str | None,
    app_state: JsonValue | None,
    metadata: Mapping[str, str] | None,
) -> dict[str, Any]:
    s: dict[str, Any] = {}
    if cursor is not None:
        s["cursor"] = dict(cursor)
    if messages is not None:
        s["messages"] = messages
    if tool_calls is not None:
        s["tool_calls"] = tool_calls
    if reasoning is not None:
        s["reasoning"] = reasoning
    if app_state is not None:
        s["app_state"] = app_state
    if metadata is not None:
        s["metadata"] = dict(metadata)
    return s


class RuntimeClient:
    """Blocking client of the runtime API."""

    def __init__(self, base_url: str, token: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.Client(base_url=self.base_url, headers=_headers(token), timeout=timeout)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RuntimeClient:
        found = runtime_from_env(env)
        if found is None:
            raise _missing()
        return cls(*found)

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            res = self._http.request(method, path, json=body)
        except httpx.TransportError as e:
            raise Unavailable(0, "unavailable", f"runtime API unreachable: {e}") from e
        return _json(res, f"{method} {path}")

    def task(self) -> TaskInfo:
        return cast(TaskInfo, self.call("GET", "/task"))

    def checkpoint(self, state: Mapping[str, Any]) -> int:
        return int(self.call("PUT", "/checkpoint", dict(state))["seq"])

    def progress(self, note: str | None = None) -> None:
        self.call("POST", "/progress", {} if note is None else {"note": note})

    def result(self, result: JsonValue) -> None:
        self.call("POST", "/result", {"result": result})

    def error(self, code: str, message: str, retryable: bool) -> None:
        self.call("POST", "/error", {"error": {"code": code, "message": message[:16384]}, "retryable": retryable})

    def approval(self, gate: str, message: str | None = None, details: JsonValue | None = None) -> ApprovalAnswer:
        body: dict[str, Any] = {"gate": gate}
        if message is not None:
            body["message"] = message
        if details is not None:
            body["details"] = details
        return cast(ApprovalAnswer, self.call("POST", "/approval", body))

    def tool(self, name: str, body: Any) -> ToolAnswer:
        try:
            res = self._http.post(f"/tools/{quote(name, safe='')}", json=body)
        except httpx.TransportError as e:
            raise Unavailable(0, "unavailable", f"runtime API unreachable: {e}") from e
        return _tool_answer(res, name)


class AsyncRuntimeClient:
    """Asyncio client of the runtime API."""

    def __init__(self, base_url: str, token: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=_headers(token), timeout=timeout)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AsyncRuntimeClient:
        found = runtime_from_env(env)
        if found is None:
            raise _missing()
        return cls(*found)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            res = await self._http.request(method, path, json=body)
        except httpx.TransportError as e:
            raise Unavailable(0, "unavailable", f"runtime API unreachable: {e}") from e
        return _json(res, f"{method} {path}")

    async def task(self) -> TaskInfo:
        return cast(TaskInfo, await self.call("GET", "/task"))

    async def checkpoint(self, state: Mapping[str, Any]) -> int:
        return int((await self.call("PUT", "/checkpoint", dict(state)))["seq"])

    async def progress(self, note: str | None = None) -> None:
        await self.call("POST", "/progress", {} if note is None else {"note": note})

    async def result(self, result: JsonValue) -> None:
        await self.call("POST", "/result", {"result": result})

    async def error(self, code: str, message: str, retryable: bool) -> None:
        await self.call("POST", "/error", {"error": {"code": code, "message": message[:16384]}, "retryable": retryable})

    async def approval(self, gate: str, message: str | None = None, details: JsonValue | None = None) -> ApprovalAnswer:
        body: dict[str, Any] = {"gate": gate}
        if message is not None:
            body["message"] = message
        if details is not None:
            body["details"] = details
        return cast(ApprovalAnswer, await self.call("POST", "/approval", body))

    async def tool(self, name: str, body: Any) -> ToolAnswer:
        try:
            res = await self._http.post(f"/tools/{quote(name, safe='')}", json=body)
        except httpx.TransportError as e:
            raise Unavailable(0, "unavailable", f"runtime API unreachable: {e}") from e
        return _tool_answer(res, name)


__all__ = [
    "ApprovalAnswer",
    "AsyncRuntimeClient",
    "RestoredCheckpoint",
    "RuntimeClient",
    "Suspended",
    "TaskInfo",
    "ToolAnswer",
    "_state",
]
