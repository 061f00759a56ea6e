"""LangGraph's own checkpoint-saver conformance suite (langgraph-checkpoint-conformance, PyPI) against
OfficeOSSaver and AsyncOfficeOSSaver on the real Worker. Each saver the suite creates gets a tenant of its own:
the suite requires that one saver never sees another's threads.

Capabilities: the base five (put, put_writes, get_tuple, list, delete_thread) are what the JavaScript saver
supports and what /v1/threads serves; the suite's extended three (delete_for_runs, copy_thread, prune) have no
route on the control plane and are not implemented, so the suite reports them as not detected (skipped). This
test fails if any base test fails, or if anything other than those three is skipped."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from conftest import Worker

conformance = pytest.importorskip("langgraph.checkpoint.conformance")
from langgraph.checkpoint.conformance import checkpointer_test, validate  # noqa: E402
from langgraph.checkpoint.conformance.report import ProgressCallbacks  # noqa: E402

from officeos.langgraph import AsyncOfficeOSSaver, OfficeOSSaver  # noqa: E402

pytestmark = [pytest.mark.worker, pytest.mark.conformance]

NOT_SERVED = {"delete_for_runs", "copy_thread", "prune"}


def counts(report: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"passed": 0, "failed": 0, "skipped": 0, "skipped_capabilities": [], "failures": []}
    for name, r in report.results.items():
        key = getattr(name, "value", name)
        if not r.detected:
            out["skipped_capabilities"].append(key)
            continue
        out["passed"] += r.tests_passed
        out["failed"] += r.tests_failed
        out["skipped"] += r.tests_skipped
        out["failures"] += r.failures
    return out


@pytest.mark.parametrize("cls", [OfficeOSSaver, AsyncOfficeOSSaver], ids=lambda c: c.__name__)
async def test_conformance(worker: Worker, cls: type[Any], capsys: pytest.CaptureFixture[str]) -> None:
    made = 0

    @checkpointer_test(name=cls.__name__)
    async def saver() -> AsyncIterator[Any]:
        nonlocal made
        made += 1
        admin = worker.new_tenant(f"lg-{cls.__name__}-{made}")
        s = cls(url=worker.url, api_key=worker.key(admin, ["submit", "read"]))
        yield s
        await s.aclose()

    report = await validate(saver, progress=ProgressCallbacks.verbose())
    report.print_report()
    c = counts(report)
    with capsys.disabled():
        print(f"\n{cls.__name__} conformance: {c}")
    assert c["failed"] == 0 and c["skipped"] == 0, c
    assert set(c["skipped_capabilities"]) == NOT_SERVED, c
    assert report.passed_all_base()
