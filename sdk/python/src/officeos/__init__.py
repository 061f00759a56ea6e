"""OfficeOS for Python: agents under a runner (``run_agent``), the control-plane client (``Client``), and LangGraph
checkpoint savers (``officeos.langgraph``)."""

from ._env import read_task_token
from ._types import AgentState, GateDecision, JsonValue, Task
from .agent import AsyncContext, Context, run_agent
from .async_client import AsyncClient
from .client import Client
from .errors import (
    AgentError,
    BadRequest,
    Conflict,
    Forbidden,
    LeaseLost,
    NotFound,
    OfficeOSError,
    PayloadTooLarge,
    QuotaExceeded,
    Unauthorized,
    Unavailable,
)
from .privacy import no_phoning_home
from .runtime import AsyncRuntimeClient, RuntimeClient, TaskInfo

__version__ = "0.1.0"

__all__ = [
    "AgentError",
    "AgentState",
    "AsyncClient",
    "AsyncContext",
    "AsyncRuntimeClient",
    "BadRequest",
    "Client",
    "Conflict",
    "Context",
    "Forbidden",
    "GateDecision",
    "JsonValue",
    "LeaseLost",
    "NotFound",
    "OfficeOSError",
    "PayloadTooLarge",
    "QuotaExceeded",
    "RuntimeClient",
    "Task",
    "TaskInfo",
    "Unauthorized",
    "Unavailable",
    "no_phoning_home",
    "read_task_token",
    "run_agent",
]
