"""``run_agent``: an agent body under an OfficeOS runner, sync or async, mirroring the TypeScript SDK.

    from officeos import run_agent

    def main(ctx):
        step = (ctx.restored or {}).get("cursor", {}).get("step", 0)   # resume after the last checkpoint
        for i in range(step, 3):
            do_work(i)
            ctx.checkpoint(cursor=i + 1)
        return {"done": True}                                           # becomes the task's result

    run_agent(main)

The returned value is the result; ``AgentError`` fails the task with its code (``retryable`` as given); any other
exception fails the attempt (retryable); ``LeaseLost`` ends the process quietly (exit 75), another attempt owns
the task. At an approval gate nobody has decided yet, the process exits 0: the task resumes later from its last
checkpoint and reaches the gate again, which then answers at once."""

from __future__ import annotations

import asyncio
import ctypes
import inspect
import os
import signal
import sys
import threading
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, Union, cast, overload

from ._lifecycle import EXIT_LEASE_LOST, EXIT_RUNNER_GONE, LIFECYCLE, hard_exit
from ._types import AgentState, GateDecision, JsonValue
from .errors import AgentError, LeaseLost
from .privacy import no_phoning_home
from .runtime import AsyncRuntimeClient, RuntimeClient, TaskInfo, _state

if TYPE_CHECKING:
    import openai as _openai

T = TypeVar("T")
Cursor = Union[int, Mapping[str, int]]


class _Suspended(BaseException):
    """Raised out of the agent body at an undecided approval gate (a BaseException: ``except Exception`` in
    the agent's code does not swallow it)."""


def _cursor(c: Cursor | None) -> Mapping[str, int] | None:
    return {"step": c} if isinstance(c, int) else c


def _tool_body(answer: Mapping[str, Any]) -> Any:
    return answer["body"]


class _Base:
    def __init__(self, task: TaskInfo, base_url: str, token: str) -> None:
        self.task = task
        self.input: Any = task["input"]
        self.task_id: str = task["task_id"]
        self.agent: str = task["agent"]
        self.instance: str = task["instance"]
        self.attempt: int = task["attempt"]
        self.epoch: int = task["epoch"]
        cp = task.get("checkpoint")
        #: The state of the instance's last checkpoint, or ``None`` on a fresh start.
        self.restored: AgentState | None = cp["state"] if cp else None
        self.restored_seq: int | None = cp["seq"] if cp else None
        #: The state as last saved by this process (at first, the restored one): what a checkpoint replaces.
        self.state: dict[str, Any] = dict(cp["state"]) if cp else {}
        #: Set when the runner asks the agent to stop (drain): checkpoint and return soon.
        self.stopping = LIFECYCLE.stopping
        #: The runner's OpenAI-compatible gateway, for any OpenAI-compatible library; the key is the task token.
        self.llm_base_url = f"{base_url}/llm/v1"
        self.llm_api_key = token

    def openai(self, **kwargs: Any) -> _openai.OpenAI:
        """An ``openai.OpenAI`` client pointed at the runner's gateway (charges the agent's token quota)."""
        import openai

        kwargs.setdefault("max_retries", 0)
        return openai.OpenAI(base_url=self.llm_base_url, api_key=self.llm_api_key, **kwargs)

    def async_openai(self, **kwargs: Any) -> _openai.AsyncOpenAI:
        """An ``openai.AsyncOpenAI`` client pointed at the runner's gateway."""
        import openai

        kwargs.setdefault("max_retries", 0)
        return openai.AsyncOpenAI(base_url=self.llm_base_url, api_key=self.llm_api_key, **kwargs)


class Context(_Base):
    """What a sync agent body gets. Every method blocks until the runner answered."""

    def __init__(self, task: TaskInfo, client: RuntimeClient) -> None:
        super().__init__(task, client.base_url, client.token)
        self.runtime = client

    def checkpoint(
        self,
        *,
        cursor: Cursor | None = None,
        messages: list[Any] | None = None,
        tool_calls: list[Any] | None = None,
        reasoning: str | None = None,
        app_state: JsonValue | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> int:
        """Saves the whole state (``cursor=3`` is ``{"step": 3}``); returns its sequence number once durable."""
        state = _state(_cursor(cursor), messages, tool_calls, reasoning, app_state, metadata)
        with LIFECYCLE.call():
            seq = self.runtime.checkpoint(state)
        self.state = state
        return seq

    def progress(self, note: str | None = None) -> None:
        """Tells the runner the agent is alive."""
        with LIFECYCLE.call():
            self.runtime.progress(note)

    def approval(self, gate: str, message: str | None = None, details: JsonValue | None = None) -> GateDecision:
        """The decision at ``gate``; if nobody has decided yet, the process exits here (checkpoint first)."""
        with LIFECYCLE.call():
            r = self.runtime.approval(gate, message, details)
        if "decision" in r:
            return cast(GateDecision, r)
        raise _Suspended()

    def tool(self, name: str, body: Any = None) -> Any:
        """Calls a tool the agent's spec allows; the answer's JSON (or text)."""
        with LIFECYCLE.call():
            return _tool_body(self.runtime.tool(name, body))


class AsyncContext(_Base):
    """What an async agent body gets."""

    def __init__(self, task: TaskInfo, client: AsyncRuntimeClient) -> None:
        super().__init__(task, client.base_url, client.token)
        self.runtime = client

    async def checkpoint(
        self,
        *,
        cursor: Cursor | None = None,
        messages: list[Any] | None = None,
        tool_calls: list[Any] | None = None,
        reasoning: str | None = None,
        app_state: JsonValue | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> int:
        state = _state(_cursor(cursor), messages, tool_calls, reasoning, app_state, metadata)
        with LIFECYCLE.call():
            seq = await self.runtime.checkpoint(state)
        self.state = state
        return seq

    async def progress(self, note: str | None = None) -> None:
        with LIFECYCLE.call():
            await self.runtime.progress(note)

    async def approval(self, gate: str, message: str | None = None, details: JsonValue | None = None) -> GateDecision:
        with LIFECYCLE.call():
            r = await self.runtime.approval(gate, message, details)
        if "decision" in r:
            return cast(GateDecision, r)
        raise _Suspended()

    async def tool(self, name: str, body: Any = None) -> Any:
        with LIFECYCLE.call():
            return _tool_body(await self.runtime.tool(name, body))


def _make_non_dumpable() -> None:
    """PR_SET_DUMPABLE 0: no core dumps, and /proc/<pid>/mem, environ and ptrace closed even to processes of the
    same uid (the kernel resets it at every execve, so the agent sets it itself)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _watch_stdin() -> None:
    """The runner died (its end of our stdin closed): stop at once, another runner takes over."""

    def watch() -> None:
        # The raw descriptor, not sys.stdin: a daemon thread blocked in a buffered read aborts the interpreter
        # at shutdown ("could not acquire lock for <stdin>").
        try:
            while os.read(0, 4096):
                pass
        except OSError:
            pass
        hard_exit(EXIT_RUNNER_GONE)

    threading.Thread(target=watch, name="officeos-stdin", daemon=True).start()


def _failure(e: BaseException) -> tuple[str, str, bool]:
    if isinstance(e, AgentError):
        return e.code, e.message, e.retryable
    text = "".join(traceback.format_exception_only(type(e), e)).strip()
    return "python_error", text, True


def _prepare() -> None:
    _make_non_dumpable()
    no_phoning_home()
    if os.environ.get("OFFICEOS_WATCH_STDIN") == "1":
        _watch_stdin()


@overload
def run_agent(fn: Callable[[AsyncContext], Awaitable[Any]]) -> NoReturn: ...
@overload
def run_agent(fn: Callable[[Context], Any]) -> NoReturn: ...
def run_agent(fn: Callable[[Any], Any]) -> NoReturn:
    """Runs an agent body under the runner and exits the process: 0 when done (or suspended at a gate), 1 when
    it failed, 75 when the lease was lost, 143 when the runner drained it."""
    _prepare()
    if inspect.iscoroutinefunction(fn):
        code = asyncio.run(_run_async(cast(Callable[[AsyncContext], Awaitable[Any]], fn)))
    else:
        code = _run_sync(cast(Callable[[Context], Any], fn))
    # Leave at once once the runner has the outcome, as the TypeScript SDK does (process.exit): a framework's
    # non-daemon thread or exit hook (a telemetry flush) must not keep the process, or phone home, after it.
    # Standard streams are flushed; atexit handlers do not run.
    hard_exit(code)
    raise AssertionError("unreachable")


def _run_sync(fn: Callable[[Context], Any]) -> int:
    client = RuntimeClient.from_env()
    signal.signal(signal.SIGTERM, lambda _s, _f: LIFECYCLE.on_sigterm())
    ctx = Context(client.task(), client)
    try:
        result = fn(ctx)
        with LIFECYCLE.call():
            client.result(result)
        return 0
    except _Suspended:
        return 0
    except LeaseLost:
        return EXIT_LEASE_LOST
    except Exception as e:
        code, message, retryable = _failure(e)
        traceback.print_exc()
        try:
            with LIFECYCLE.call():
                client.error(code, message, retryable)
        except Exception:
            pass  # the runner reports the exit instead
        return 1


async def _run_async(fn: Callable[[AsyncContext], Awaitable[Any]]) -> int:
    client = AsyncRuntimeClient.from_env()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, LIFECYCLE.on_sigterm)
    ctx = AsyncContext(await client.task(), client)
    try:
        result = await fn(ctx)
        with LIFECYCLE.call():
            await client.result(result)
        return 0
    except _Suspended:
        return 0
    except LeaseLost:
        return EXIT_LEASE_LOST
    except Exception as e:
        code, message, retryable = _failure(e)
        traceback.print_exc()
        try:
            with LIFECYCLE.call():
                await client.error(code, message, retryable)
        except Exception:
            pass
        return 1
