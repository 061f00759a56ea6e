"""Shared fixtures. ``worker``: the real control plane under wrangler dev, started once per session by
tests/worker.mjs (node); ``tenant``: a fresh tenant with an admin key on it, per test."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
ROOT = HERE.parent.parent.parent


@dataclass
class Worker:
    url: str
    admin_token: str

    def new_tenant(self, name: str) -> str:
        r = httpx.post(
            f"{self.url}/v1/tenants",
            json={"name": name},
            headers={"authorization": f"Bearer {self.admin_token}"},
            timeout=30,
        )
        r.raise_for_status()
        return str(r.json()["api_key"])

    def key(self, api_key: str, scopes: list[str]) -> str:
        r = httpx.post(
            f"{self.url}/v1/keys", json={"scopes": scopes}, headers={"authorization": f"Bearer {api_key}"}, timeout=30
        )
        r.raise_for_status()
        return str(r.json()["key"])


@pytest.fixture(scope="session")
def worker() -> Iterator[Worker]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "wrangler").exists():
        # Under CI nothing may skip: scripts/test-python.mjs checks node and wrangler first (PREREQS).
        if os.environ.get("CI") == "true":
            pytest.fail("node and node_modules/wrangler are needed to start the Worker")
        pytest.skip("node or node_modules/wrangler missing: cannot start the Worker")
    p = subprocess.Popen(
        [node, str(HERE / "worker.mjs")],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None and p.stdin is not None
    line = p.stdout.readline()
    if not line:
        p.wait(timeout=30)
        raise RuntimeError(f"the Worker did not start (node exited {p.returncode})")
    info = json.loads(line)
    try:
        yield Worker(info["url"], info["admin_token"])
    finally:
        p.stdin.close()
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()


_names = itertools.count(1)


@pytest.fixture
def tenant(worker: Worker) -> str:
    """An admin key of a tenant of this test's own."""
    return worker.new_tenant(f"py-{os.getpid()}-{next(_names)}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true a skip is a failure (a missing prerequisite must fail the run, never hide a test)."""
    if os.environ.get("CI") not in ("true", "1"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped:
        if reporter is not None:
            reporter.write_line(f"CI=true: {skipped} test(s) skipped, which fails the run", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
