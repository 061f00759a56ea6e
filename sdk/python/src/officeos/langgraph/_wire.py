"""The saver's wire format, without I/O: how a LangGraph call becomes a ``/threads`` request and how an answer
becomes a ``CheckpointTuple``. Shared by the sync and the async transport."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Optional, TypedDict
from urllib.parse import quote

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    get_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

Mode = Literal["runner", "direct"]


class TypedValue(TypedDict):
    type: str
    data: str


class ChannelValue(TypedDict):
    channel: str
    value: TypedValue


class WriteView(TypedDict):
    task_id: str
    channel: str
    value: TypedValue


class TupleView(TypedDict):
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    parent_checkpoint_id: Optional[str]
    checkpoint: TypedValue
    metadata: TypedValue
    channel_values: list[ChannelValue]
    pending_writes: list[WriteView]


class Page(TypedDict):
    checkpoints: list[TupleView]
    next_before: Optional[str]


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    query: Mapping[str, str]
    body: Any = None
    missing_ok: bool = False


def enc(s: str) -> str:
    return quote(s, safe="")


def dump(serde: SerializerProtocol, v: Any) -> TypedValue:
    t, b = serde.dumps_typed(v)
    return {"type": t, "data": base64.b64encode(b).decode("ascii")}


def load(serde: SerializerProtocol, v: TypedValue) -> Any:
    return serde.loads_typed((v["type"], base64.b64decode(v["data"])))


def configurable(config: RunnableConfig | None) -> dict[str, Any]:
    return dict((config or {}).get("configurable") or {})


def get_req(config: RunnableConfig) -> Req | None:
    c = configurable(config)
    thread = c.get("thread_id")
    if thread is None or thread == "":
        return None
    ns = str(c.get("checkpoint_ns") or "")
    cid = c.get("checkpoint_id")
    if cid:
        return Req("GET", f"/threads/{enc(str(thread))}/checkpoints/{enc(str(cid))}", {"checkpoint_ns": ns}, None, True)
    return Req("GET", f"/threads/{enc(str(thread))}/checkpoints", {"checkpoint_ns": ns, "limit": "1"})


def list_req(
    config: RunnableConfig | None,
    filter: Mapping[str, Any] | None,
    cursor: str | None,
    left: int | None,
) -> Req:
    c = configurable(config)
    thread = c.get("thread_id")
    q: dict[str, str] = {}
    ns = c.get("checkpoint_ns")
    if ns is not None:
        q["checkpoint_ns"] = str(ns)
    if cursor is not None:
        q["before"] = cursor
    if left is not None:
        q["limit"] = str(left)
    clean = {k: v for k, v in (filter or {}).items() if v is not None}
    if clean:
        q["filter"] = json.dumps(clean, separators=(",", ":"), default=str)
    path = f"/threads/{enc(str(thread))}/checkpoints" if thread else "/checkpoints"
    return Req("GET", path, q)


def plain_json(m: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata as plain JSON for the server's filters (values JSON cannot hold are left out)."""
    out: dict[str, Any] = {}
    for k, v in m.items():
        try:
            out[k] = json.loads(json.dumps(v))
        except (TypeError, ValueError):
            continue
    return out


def put_req(
    serde: SerializerProtocol,
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    new_versions: ChannelVersions,
) -> tuple[Req, RunnableConfig]:
    c = configurable(config)
    thread = c.get("thread_id")
    if not thread:
        raise ValueError('OfficeOSSaver.put: config["configurable"] has no "thread_id"')
    ns = str(c.get("checkpoint_ns") or "")
    parent = c.get("checkpoint_id") or None
    copy: dict[str, Any] = dict(checkpoint)
    values: dict[str, Any] = dict(copy.pop("channel_values", None) or {})
    # Only the channels whose version moved carry a value; the others are stored already.
    blobs = [
        {"channel": ch, "version": ver, "value": dump(serde, values[ch])}
        for ch, ver in new_versions.items()
        if ch in values
    ]
    meta = get_checkpoint_metadata(config, metadata)
    body = {
        "checkpoint_ns": ns,
        "parent_checkpoint_id": parent,
        "checkpoint": dump(serde, {**copy, "channel_values": {}}),
        "metadata": dump(serde, meta),
        "metadata_json": plain_json(meta),
        "channel_versions": dict(checkpoint["channel_versions"]),
        "blobs": blobs,
    }
    saved: RunnableConfig = {
        "configurable": {"thread_id": thread, "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"]}
    }
    return Req("PUT", f"/threads/{enc(str(thread))}/checkpoints/{enc(checkpoint['id'])}", {}, body), saved


def writes_req(
    serde: SerializerProtocol,
    config: RunnableConfig,
    writes: Sequence[tuple[str, Any]],
    task_id: str,
    task_path: str,
) -> Req:
    c = configurable(config)
    thread, cid = c.get("thread_id"), c.get("checkpoint_id")
    if not thread:
        raise ValueError('OfficeOSSaver.put_writes: config["configurable"] has no "thread_id"')
    if not cid:
        raise ValueError('OfficeOSSaver.put_writes: config["configurable"] has no "checkpoint_id"')
    body = {
        "checkpoint_ns": str(c.get("checkpoint_ns") or ""),
        "task_id": task_id,
        "task_path": task_path,
        "writes": [
            {"channel": ch, "idx": WRITES_IDX_MAP.get(ch, i), "value": dump(serde, v)}
            for i, (ch, v) in enumerate(writes)
        ],
    }
    return Req("PUT", f"/threads/{enc(str(thread))}/checkpoints/{enc(str(cid))}/writes", {}, body)


def delete_req(thread_id: str) -> Req:
    return Req("DELETE", f"/threads/{enc(str(thread_id))}", {})


def parent_req(v: TupleView) -> Req:
    return Req(
        "GET",
        f"/threads/{enc(v['thread_id'])}/checkpoints/{enc(v['parent_checkpoint_id'] or '')}",
        {"checkpoint_ns": v["checkpoint_ns"]},
        None,
        True,
    )


def view_config(v: TupleView, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": v["thread_id"],
            "checkpoint_ns": v["checkpoint_ns"],
            "checkpoint_id": checkpoint_id,
        }
    }
