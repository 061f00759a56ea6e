"""Typed exceptions. Every refusal from OfficeOS carries its HTTP status and the error code of its body
(``{"error": {"code", "message", "details"?}}``, or OpenAI's shape from the LLM gateway)."""

from __future__ import annotations

import json
from typing import Any

import httpx


class OfficeOSError(Exception):
    """A refusal from the control plane or the runtime API. ``status`` is 0 when nothing answered."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class Unavailable(OfficeOSError):
    """Nothing answered, or the service said 503: safe to try again later."""


class BadRequest(OfficeOSError):
    """400: the request is wrong; ``details`` names what (zod issues from the control plane)."""


class Unauthorized(OfficeOSError):
    """401: the key or task token is missing or unknown."""


class Forbidden(OfficeOSError):
    """403: the key lacks the scope, or the lease may not touch this."""


class NotFound(OfficeOSError):
    """404."""


class Conflict(OfficeOSError):
    """409: a stale epoch, a task in the wrong state, a conflicting write."""


class LeaseLost(Conflict):
    """The runner no longer holds this task's lease: another attempt owns the task. Stop at once."""


class PayloadTooLarge(OfficeOSError):
    """413."""


class QuotaExceeded(OfficeOSError):
    """429: a token, request or rate quota is spent for now. ``retry_after`` is in seconds."""

    def __init__(self, status: int, code: str, message: str, details: Any = None, retry_after: float = 1.0) -> None:
        super().__init__(status, code, message, details)
        self.retry_after = retry_after


class AgentError(Exception):
    """Raised by an agent to fail its task with a code; ``retryable`` lets the retry policy retry it."""

    def __init__(self, code: str, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable


def retry_after_seconds(res: httpx.Response, body: Any) -> float:
    """How long a 429 asks to wait: ``details.retry_after_ms`` in the body, else ``Retry-After``, else 1 s."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            details = err.get("details")
            if isinstance(details, dict):
                ms = details.get("retry_after_ms")
                if isinstance(ms, (int, float)) and not isinstance(ms, bool) and ms >= 0:
                    return float(ms) / 1000.0
    header = res.headers.get("retry-after")
    if header is not None:
        try:
            return max(0.0, float(header.strip()))
        except ValueError:
            pass
    return 1.0


_BY_STATUS: dict[int, type[OfficeOSError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    503: Unavailable,
}


def error_from_response(res: httpx.Response, what: str = "") -> OfficeOSError:
    """The typed exception for a non-2xx answer."""
    body: Any
    try:
        body = json.loads(res.content) if res.content else None
    except ValueError:
        body = None
    code, message, details = "unknown", f"HTTP {res.status_code}", None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = str(err.get("code") or err.get("type") or code)
        message = str(err.get("message") or message)
        details = err.get("details")
    if what:
        message = f"{what}: {message}"
    if code == "lease_lost":
        return LeaseLost(res.status_code, code, message, details)
    if res.status_code == 429:
        return QuotaExceeded(res.status_code, code, message, details, retry_after_seconds(res, body))
    cls = _BY_STATUS.get(res.status_code, OfficeOSError)
    return cls(res.status_code, code, message, details)
