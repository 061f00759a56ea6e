"""A fake runtime API (what a runner serves an agent process on loopback): records every call, answers from
per-route handlers a test may replace, and can hold a route's answer until the test releases it."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, Any]
Handler = Callable[[Any], Answer]


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeRuntime:
    token: str = "task-token-1"
    task: dict[str, Any] = field(
        default_factory=lambda: {
            "task_id": "t-1",
            "agent": "py",
            "input": {"n": 2},
            "instance": "i-1",
            "attempt": 1,
            "epoch": 3,
            "checkpoint": None,
        }
    )
    calls: list[Call] = field(default_factory=list)
    handlers: dict[str, Handler] = field(default_factory=dict)
    #: Routes ("PUT /checkpoint") whose answer waits for release(); `arrived` is set when one is held.
    held: dict[str, threading.Event] = field(default_factory=dict)
    arrived: dict[str, threading.Event] = field(default_factory=dict)
    seq: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        fake = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *_a: Any) -> None:
                pass

            def _do(self) -> None:
                n = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(n) if n else b""
                body = json.loads(raw) if raw else None
                key = f"{self.command} {self.path}"
                with fake._lock:
                    fake.calls.append(Call(self.command, self.path, dict(self.headers.items()), body))
                if self.headers.get("authorization") != f"Bearer {fake.token}":
                    return self._send(401, {"error": {"code": "unauthorized", "message": "bad token"}})
                if key in fake.held:
                    fake.arrived.setdefault(key, threading.Event()).set()
                    fake.held[key].wait(30)
                status, out = fake.answer(key, body)
                self._send(status, out)

            def _send(self, status: int, out: Any) -> None:
                text = json.dumps(out).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            do_GET = do_PUT = do_POST = do_DELETE = _do

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, key: str, body: Any) -> Answer:
        if key in self.handlers:
            return self.handlers[key](body)
        if key == "GET /task":
            return 200, self.task
        if key == "PUT /checkpoint":
            with self._lock:
                self.seq += 1
                return 200, {"seq": self.seq}
        if key in ("POST /progress", "POST /result", "POST /error"):
            return 200, {"ok": True}
        if key == "POST /llm/v1/chat/completions":
            return 200, {
                "id": "c1",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model") or "fake",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
            }
        return 404, {"error": {"code": "not_found", "message": key}}

    def hold(self, key: str) -> None:
        self.held[key] = threading.Event()
        self.arrived[key] = threading.Event()

    def release(self, key: str) -> None:
        self.held[key].set()

    def of(self, key: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if f"{c.method} {c.path}" == key]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
