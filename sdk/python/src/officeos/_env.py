"""Where an agent process finds its runtime API and task token, and where a client finds the control plane."""

from __future__ import annotations

import os
from collections.abc import Mapping


def read_task_token(env: Mapping[str, str] | None = None) -> str | None:
    """The task token: from the 0600 file ``OFFICEOS_TASK_TOKEN_FILE`` names (preferred), else
    ``OFFICEOS_TASK_TOKEN``; ``None`` when neither is there."""
    e = os.environ if env is None else env
    path = e.get("OFFICEOS_TASK_TOKEN_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                token = f.read().strip()
            if token:
                return token
        except OSError:
            pass
    return e.get("OFFICEOS_TASK_TOKEN") or None


def runtime_from_env(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(runtime_api_url, task_token)`` inside an agent process started by a runner, else ``None``."""
    e = os.environ if env is None else env
    url = e.get("OFFICEOS_RUNTIME_API")
    token = read_task_token(e)
    if url and token:
        return url.rstrip("/"), token
    return None


def control_plane_from_env(env: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """``(OFFICEOS_URL, OFFICEOS_API_KEY)`` when both are set."""
    e = os.environ if env is None else env
    url, key = e.get("OFFICEOS_URL"), e.get("OFFICEOS_API_KEY")
    if url and key:
        return url.rstrip("/"), key
    return None
