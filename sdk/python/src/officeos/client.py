"""The control-plane client: tasks, approvals, escalations, checkpoints and agents over ``/v1`` with an API key.
Types come from the Worker's /openapi.json (``_types.py``, generated); ``OPERATIONS`` names every route this
client calls, and tests/test_openapi_drift.py checks both against the spec the running Worker serves.

    from officeos import Client
    with Client("https://officeos.example.com", api_key) as oc:
        task = oc.submit("summarise", {"url": "..."}, idempotency_key="doc-42")
        done = oc.wait(task["id"], timeout=600)
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any, Literal, cast
from urllib.parse import quote

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
from .errors import NotFound, OfficeOSError, QuotaExceeded, Unavailable, error_from_response

#: Every route the client calls: method name → (HTTP method, path template, query keys).
OPERATIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "submit": ("POST", "/v1/tasks", ()),
    "submit_batch": ("POST", "/v1/tasks/batch", ()),
    "get": ("GET", "/v1/tasks/{id}", ()),
    "list": ("GET", "/v1/tasks", ("state", "agent", "limit", "cursor")),
    "cancel": ("POST", "/v1/tasks/{id}/cancel", ()),
    "events": ("GET", "/v1/tasks/{id}/events", ("after", "wait_ms", "limit")),
    "checkpoint": ("GET", "/v1/tasks/{id}/checkpoint", ()),
    "approvals": ("GET", "/v1/approvals", ()),
    "decide": ("POST", "/v1/approvals/{task_id}", ()),
    "escalations": ("GET", "/v1/escalations", ()),
    "escalation_action": ("POST", "/v1/escalations/{task_id}", ()),
    "put_agent": ("PUT", "/v1/agents/{name}", ()),
    "get_agent": ("GET", "/v1/agents/{name}", ()),
    "list_agents": ("GET", "/v1/agents", ()),
}

TaskState = Literal[
    "queued", "retry_wait", "leased", "running", "awaiting_approval", "succeeded", "failed", "escalated", "cancelled"
]
#: States ``wait`` returns at by default: the task is over, or it needs a person (escalated).
END_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "escalated"})

_TRIES = 3
_RATE_TRIES = 5
_MAX_RATE_WAIT = 10.0


def _p(v: str) -> str:
    return quote(v, safe="")


def _submit_body(
    agent: str,
    input: JsonValue,
    priority: int | None,
    instance: str | None,
    idempotency_key: str | None,
    node_selector: Mapping[str, str] | None,
    retry: Mapping[str, Any] | None,
    timeouts: Mapping[str, Any] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"agent": agent, "input": input}
    for k, v in (
        ("priority", priority),
        ("instance", instance),
        ("idempotency_key", idempotency_key),
        ("node_selector", node_selector),
        ("retry", retry),
        ("timeouts", timeouts),
    ):
        if v is not None:
            body[k] = dict(v) if isinstance(v, Mapping) else v
    return body


def _decide_body(decision: str, comment: str | None, gate: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"decision": decision}
    if comment is not None:
        body["comment"] = comment
    if gate is not None:
        body["gate"] = gate
    return body


def _escalation_body(
    action: str, input: JsonValue, result: JsonValue, state: Mapping[str, Any] | None, comment: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"action": action}
    if input is not None:
        body["input"] = input
    if result is not None:
        body["result"] = result
    if state is not None:
        body["state"] = dict(state)
    if comment is not None:
        body["comment"] = comment
    return body


class Client:
    """Blocking client of the control plane. ``Client.from_env()`` reads ``OFFICEOS_URL`` and ``OFFICEOS_API_KEY``.

    Requests that did nothing (429, 503, no answer for a read) are retried a few times; the rest raise the typed
    exceptions of ``officeos.errors``."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 60.0, transport: httpx.BaseTransport | None = None):
        self.url = url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            headers={"authorization": f"Bearer {api_key}"},
            timeout=timeout,
            transport=transport,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Client:
        found = control_plane_from_env(env)
        if found is None:
            raise OfficeOSError(0, "not_configured", "set OFFICEOS_URL and OFFICEOS_API_KEY")
        return cls(*found)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # ---- tasks ----

    def submit(
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
        """Submits a task (201), or answers the one already submitted with ``idempotency_key`` (200)."""
        body = _submit_body(agent, input, priority, instance, idempotency_key, node_selector, retry, timeouts)
        # With an idempotency key a second try cannot make a second task.
        return cast(Task, self._call("submit", body=body, idempotent=idempotency_key is not None)["task"])

    def submit_batch(self, tasks: builtins.list[SubmitTask]) -> SubmitBatchAnswer:
        """Up to 500 tasks in one call; one answer per task, in order."""
        return cast(SubmitBatchAnswer, self._call("submit_batch", body={"tasks": tasks}))

    def get(self, task_id: str) -> Task:
        return cast(Task, self._call("get", {"id": task_id})["task"])

    def list(
        self,
        *,
        state: TaskState | None = None,
        agent: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> TaskList:
        """One page, newest first; ``next_cursor`` asks for the next."""
        q = {"state": state, "agent": agent, "limit": limit, "cursor": cursor}
        return cast(TaskList, self._call("list", query=q))

    def iter_tasks(self, *, state: TaskState | None = None, agent: str | None = None) -> Iterator[Task]:
        """Every matching task, page by page."""
        cursor: str | None = None
        while True:
            page = self.list(state=state, agent=agent, limit=500, cursor=cursor)
            yield from page["tasks"]
            cursor = page.get("next_cursor")
            if not cursor or not page["tasks"]:
                return

    def cancel(self, task_id: str) -> Task:
        return cast(Task, self._call("cancel", {"id": task_id})["task"])

    def events(
        self, task_id: str, *, after: int | None = None, wait_ms: int | None = None, limit: int | None = None
    ) -> TaskEvents:
        """The task's events after ``after``; with ``wait_ms`` (≤ 25 000) the call waits for a new one."""
        return cast(
            TaskEvents,
            self._call("events", {"id": task_id}, query={"after": after, "wait_ms": wait_ms, "limit": limit}),
        )

    def wait(self, task_id: str, *, timeout: float | None = None, states: frozenset[str] = END_STATES) -> Task:
        """The task once it is in one of ``states`` (by default over, or escalated to a person). Waits on the
        task's event stream (long-polls), not by sleeping; ``TimeoutError`` after ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        after: int | None = None
        while True:
            task = self.get(task_id)
            if task["state"] in states:
                return task
            left = 25.0 if deadline is None else deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"task {task_id} is still {task['state']} after {timeout} s")
            ev = self.events(task_id, after=after, wait_ms=int(min(left, 20.0) * 1000), limit=100)
            after = int(ev["next"])

    def checkpoint(self, task_id: str) -> Checkpoint | None:
        """The latest checkpoint of the task's instance, or ``None`` when it has none."""
        try:
            return cast(Checkpoint, self._call("checkpoint", {"id": task_id}))
        except NotFound:
            return None

    # ---- people ----

    def approvals(self) -> ApprovalList:
        return cast(ApprovalList, self._call("approvals"))

    def decide(
        self,
        task_id: str,
        decision: Literal["approve", "reject"],
        *,
        comment: str | None = None,
        gate: str | None = None,
    ) -> Task:
        body = _decide_body(decision, comment, gate)
        return cast(Task, self._call("decide", {"task_id": task_id}, body=body)["task"])

    def escalations(self) -> EscalationList:
        return cast(EscalationList, self._call("escalations"))

    def escalation_action(
        self,
        task_id: str,
        action: Literal["retry", "resolve", "cancel"],
        *,
        input: JsonValue = None,
        result: JsonValue = None,
        state: Mapping[str, Any] | None = None,
        comment: str | None = None,
    ) -> Task:
        """Retry (optionally with new input or state), resolve with a result, or cancel an escalated task."""
        body = _escalation_body(action, input, result, state, comment)
        return cast(Task, self._call("escalation_action", {"task_id": task_id}, body=body)["task"])

    # ---- agents ----

    def put_agent(self, name: str, spec: AgentSpec | Mapping[str, Any] | None = None) -> Agent:
        return cast(Agent, self._call("put_agent", {"name": name}, body=dict(spec or {})))

    def get_agent(self, name: str) -> Agent:
        return cast(Agent, self._call("get_agent", {"name": name}))

    def list_agents(self) -> builtins.list[Agent]:
        return cast("builtins.list[Agent]", self._call("list_agents")["agents"])

    # ---- the wire ----

    def _call(
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
                res = self._http.request(method, path, params=q or None, json=body)
            except httpx.TransportError as e:
                if retry_network and tries < _TRIES:
                    time.sleep(0.2 * tries)
                    continue
                raise Unavailable(0, "unavailable", f"OfficeOS unreachable at {self.url}: {e}") from e
            if res.is_success:
                return res.json() if res.content else None
            err = error_from_response(res, f"{method} {path}")
            if isinstance(err, QuotaExceeded) and rate_tries < _RATE_TRIES and err.retry_after <= _MAX_RATE_WAIT:
                # Nothing was done: wait as told and ask again (not counted as a try).
                rate_tries += 1
                tries -= 1
                time.sleep(err.retry_after)
                continue
            if isinstance(err, Unavailable) and retry_network and tries < _TRIES:
                time.sleep(0.2 * tries)
                continue
            raise err
