"""The agent process's lifecycle, shared by the agent context and the LangGraph savers: calls in flight, and
what SIGTERM (the runner draining) does. Like the TypeScript SDK, a call in flight when SIGTERM comes is let
land (a checkpoint becomes durable), then the process exits 143; with none in flight it exits at once."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

EXIT_DRAINED = 143
EXIT_LEASE_LOST = 75
EXIT_RUNNER_GONE = 137


def hard_exit(code: int) -> None:
    """Leave now, from any thread, as the runner expects (no cleanup that could call the runtime API again)."""
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass
    os._exit(code)


class Lifecycle:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inflight = 0
        self._exit_after = False
        self.stopping = threading.Event()

    @contextmanager
    def call(self) -> Iterator[None]:
        with self._lock:
            self._inflight += 1
        try:
            yield
        finally:
            with self._lock:
                self._inflight -= 1
                leave = self._exit_after and self._inflight == 0
            if leave:
                hard_exit(EXIT_DRAINED)

    def on_sigterm(self) -> None:
        self.stopping.set()
        with self._lock:
            if self._inflight > 0:
                self._exit_after = True
                return
        hard_exit(EXIT_DRAINED)


LIFECYCLE = Lifecycle()
