"""``OfficeOSSaver`` and ``AsyncOfficeOSSaver``. Both implement LangGraph's sync and async saver methods over the
same wire format (``_wire.py``); ``OfficeOSSaver`` is the one to hand a sync graph (``with`` closes it),
``AsyncOfficeOSSaver`` the one for ``ainvoke``/``astream`` (``async with`` closes it)."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, cast

import httpx
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.checkpoint.serde.types import TASKS

from .._env import control_plane_from_env, read_task_token
from .._lifecycle import LIFECYCLE
from ..errors import OfficeOSError, retry_after_seconds
from . import _wire as w

_TRIES = 3
#: 429s are waited out this many times, each as the answer says and at most _MAX_RATE_WAIT seconds.
_RATE_TRIES = 8
_MAX_RATE_WAIT = 10.0


class OfficeOSSaverError(OfficeOSError):
    """A refusal from OfficeOS: status and the error code of its body (409 stale_epoch, 403 for another lease)."""


def _connect(
    url: str | None, api_key: str | None, runtime_api: str | None, task_token: str | None, env: Mapping[str, str] | None
) -> tuple[str, str, str]:
    """(base url, path prefix, bearer token): "/v1" on the control plane, "" on the runtime API."""
    import os

    e = os.environ if env is None else env
    if url is not None or api_key is not None:
        if not url or not api_key:
            raise ValueError("OfficeOSSaver: url and api_key go together")
        return url.rstrip("/"), "/v1", api_key
    runtime = runtime_api or e.get("OFFICEOS_RUNTIME_API")
    token = task_token or read_task_token(e)
    if runtime and token:
        return runtime.rstrip("/"), "", token
    cp = control_plane_from_env(e)
    if cp:
        return cp[0], "/v1", cp[1]
    raise ValueError(
        "OfficeOSSaver: give url and api_key, or run under an OfficeOS runner (OFFICEOS_RUNTIME_API, "
        "OFFICEOS_TASK_TOKEN_FILE or OFFICEOS_TASK_TOKEN), or set OFFICEOS_URL and OFFICEOS_API_KEY"
    )


def _refusal(res: httpx.Response, req: w.Req) -> OfficeOSSaverError:
    code, message, details = "unknown", f"HTTP {res.status_code}", None
    try:
        err = json.loads(res.content).get("error")
        if isinstance(err, dict):
            code, message, details = str(err.get("code", code)), str(err.get("message", message)), err.get("details")
    except (ValueError, AttributeError):
        pass
    return OfficeOSSaverError(res.status_code, code, f"{req.method} {req.path}: {message}", details)


class _Saver(BaseCheckpointSaver[str]):
    def __init__(
        self,
        *,
        url: str | None = None,
        api_key: str | None = None,
        runtime_api: str | None = None,
        task_token: str | None = None,
        env: Mapping[str, str] | None = None,
        serde: SerializerProtocol | None = None,
        timeout: float = 30.0,
    ) -> None:
        super().__init__(serde=serde)
        self._base, self._prefix, token = _connect(url, api_key, runtime_api, task_token, env)
        headers = {"authorization": f"Bearer {token}"}
        self._http = httpx.Client(base_url=self._base, headers=headers, timeout=timeout)
        self._ahttp = httpx.AsyncClient(base_url=self._base, headers=headers, timeout=timeout)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> Any:
        """Runner mode inside an OfficeOS agent process, else direct mode from OFFICEOS_URL and OFFICEOS_API_KEY."""
        return cls(env=env, **kwargs)

    @property
    def mode(self) -> w.Mode:
        """Which way this saver talks: through a runner (fenced by its lease) or directly."""
        return "runner" if self._prefix == "" else "direct"

    def close(self) -> None:
        self._http.close()

    async def aclose(self) -> None:
        await self._ahttp.aclose()
        self._http.close()

    def get_next_version(self, current: str | None, channel: None) -> str:
        # As LangGraph's own savers: a zero-padded counter that sorts as a string, and a random tail.
        if current is None:
            n = 0
        elif isinstance(current, (int, float)):
            n = int(current)
        else:
            n = int(str(current).split(".")[0])
        return f"{n + 1:032}.{random.random():016}"

    # ---- sync ----

    def _call(self, req: w.Req) -> Any:
        with LIFECYCLE.call():
            rate = 0
            tries = 0
            while True:
                tries += 1
                try:
                    res = self._http.request(
                        req.method, self._prefix + req.path, params=dict(req.query) or None, json=req.body
                    )
                except httpx.TransportError as e:
                    if tries < _TRIES:
                        time.sleep(0.2 * tries)
                        continue
                    raise OfficeOSSaverError(0, "unavailable", f"OfficeOS unreachable at {self._base}: {e}") from e
                wait = self._after(res, req, tries, rate)
                if wait is None:
                    return None if res.status_code == 404 else (res.json() if res.content else None)
                if res.status_code == 429:
                    rate += 1
                    tries -= 1
                time.sleep(wait)

    def _after(self, res: httpx.Response, req: w.Req, tries: int, rate: int) -> float | None:
        """None: done (the answer, or 404 when missing is fine); a number: wait that long and try again."""
        if res.is_success or (res.status_code == 404 and req.missing_ok):
            return None
        if res.status_code == 503 and tries < _TRIES:
            return 0.2 * tries
        # Rate limited (the key's requests per second): nothing was done; wait as told.
        if res.status_code == 429 and rate < _RATE_TRIES:
            body: Any = None
            try:
                body = res.json()
            except ValueError:
                pass
            return min(_MAX_RATE_WAIT, retry_after_seconds(res, body))
        raise _refusal(res, req)

    def _tuple(self, v: w.TupleView, parent: w.TupleView | None) -> CheckpointTuple:
        cp = cast(Checkpoint, w.load(self.serde, v["checkpoint"]))
        values = {c["channel"]: w.load(self.serde, c["value"]) for c in v["channel_values"]}
        cp["channel_values"] = values
        if parent is not None:
            # Checkpoints before format 4 kept pending sends as the parent's TASKS writes; newer ones as a channel.
            sends = [w.load(self.serde, x["value"]) for x in parent["pending_writes"] if x["channel"] == TASKS]
            cp["channel_values"][TASKS] = sends
            versions = list(cp["channel_versions"].values())
            cp["channel_versions"][TASKS] = max(versions) if versions else self.get_next_version(None, None)
        return CheckpointTuple(
            config=w.view_config(v, v["checkpoint_id"]),
            checkpoint=cp,
            metadata=cast(CheckpointMetadata, w.load(self.serde, v["metadata"])),
            parent_config=w.view_config(v, v["parent_checkpoint_id"]) if v["parent_checkpoint_id"] else None,
            pending_writes=[(x["task_id"], x["channel"], w.load(self.serde, x["value"])) for x in v["pending_writes"]],
        )

    def _needs_parent(self, v: w.TupleView) -> bool:
        if not v["parent_checkpoint_id"]:
            return False
        cp = w.load(self.serde, v["checkpoint"])
        return isinstance(cp, dict) and int(cp.get("v", 4)) < 4

    def _one(self, v: w.TupleView) -> CheckpointTuple:
        parent = cast("w.TupleView | None", self._call(w.parent_req(v))) if self._needs_parent(v) else None
        return self._tuple(v, parent)

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        req = w.get_req(config)
        if req is None:
            return None
        got = self._call(req)
        if got is None:
            return None
        view = got["checkpoints"][0] if "checkpoints" in got and got["checkpoints"] else got
        return self._one(cast(w.TupleView, view)) if "checkpoint_id" in view else None

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        if limit is not None and limit <= 0:
            return
        cursor = w.configurable(before).get("checkpoint_id") if before else None
        left = limit
        while True:
            page = cast(w.Page, self._call(w.list_req(config, filter, cursor, left)))
            for v in page["checkpoints"]:
                yield self._one(v)
                if left is not None:
                    left -= 1
                    if left <= 0:
                        return
            if not page["next_before"] or not page["checkpoints"]:
                return
            cursor = page["next_before"]

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        req, saved = w.put_req(self.serde, config, checkpoint, metadata, new_versions)
        self._call(req)
        return saved

    def put_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        self._call(w.writes_req(self.serde, config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        self._call(w.delete_req(thread_id))

    # ---- async ----

    async def _acall(self, req: w.Req) -> Any:
        with LIFECYCLE.call():
            rate = 0
            tries = 0
            while True:
                tries += 1
                try:
                    res = await self._ahttp.request(
                        req.method, self._prefix + req.path, params=dict(req.query) or None, json=req.body
                    )
                except httpx.TransportError as e:
                    if tries < _TRIES:
                        await asyncio.sleep(0.2 * tries)
                        continue
                    raise OfficeOSSaverError(0, "unavailable", f"OfficeOS unreachable at {self._base}: {e}") from e
                wait = self._after(res, req, tries, rate)
                if wait is None:
                    return None if res.status_code == 404 else (res.json() if res.content else None)
                if res.status_code == 429:
                    rate += 1
                    tries -= 1
                await asyncio.sleep(wait)

    async def _aone(self, v: w.TupleView) -> CheckpointTuple:
        parent = cast("w.TupleView | None", await self._acall(w.parent_req(v))) if self._needs_parent(v) else None
        return self._tuple(v, parent)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        req = w.get_req(config)
        if req is None:
            return None
        got = await self._acall(req)
        if got is None:
            return None
        view = got["checkpoints"][0] if "checkpoints" in got and got["checkpoints"] else got
        return await self._aone(cast(w.TupleView, view)) if "checkpoint_id" in view else None

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        if limit is not None and limit <= 0:
            return
        cursor = w.configurable(before).get("checkpoint_id") if before else None
        left = limit
        while True:
            page = cast(w.Page, await self._acall(w.list_req(config, filter, cursor, left)))
            for v in page["checkpoints"]:
                yield await self._aone(v)
                if left is not None:
                    left -= 1
                    if left <= 0:
                        return
            if not page["next_before"] or not page["checkpoints"]:
                return
            cursor = page["next_before"]

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        req, saved = w.put_req(self.serde, config, checkpoint, metadata, new_versions)
        await self._acall(req)
        return saved

    async def aput_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        await self._acall(w.writes_req(self.serde, config, writes, task_id, task_path))

    async def adelete_thread(self, thread_id: str) -> None:
        await self._acall(w.delete_req(thread_id))


class OfficeOSSaver(_Saver):
    """The saver for sync graphs (``invoke``/``stream``); its async methods work too."""

    def __enter__(self) -> OfficeOSSaver:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


class AsyncOfficeOSSaver(_Saver):
    """The saver for async graphs (``ainvoke``/``astream``); its sync methods work too."""

    async def __aenter__(self) -> AsyncOfficeOSSaver:
        return self

    async def __aexit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()
