"""The client's types and routes against the spec the running Worker serves (GET /openapi.json): a schema
change in src/api/ that is not regenerated into officeos/_types.py fails here, and so does a route or query key
the client calls that the spec does not have."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Worker

from officeos.client import OPERATIONS

pytestmark = pytest.mark.worker

TOOLS = Path(__file__).resolve().parent.parent / "tools"
TYPES = Path(__file__).resolve().parent.parent / "src" / "officeos" / "_types.py"


def gen_types() -> Any:
    spec = importlib.util.spec_from_file_location("gen_types", TOOLS / "gen_types.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["gen_types"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def live_spec(worker: Worker) -> dict[str, Any]:
    r = httpx.get(f"{worker.url}/openapi.json", timeout=30)
    r.raise_for_status()
    return dict(r.json())


def test_types_are_generated_from_the_live_spec(live_spec: dict[str, Any]) -> None:
    fresh = gen_types().generate(live_spec)
    assert TYPES.read_text(encoding="utf-8") == fresh, (
        "sdk/python/src/officeos/_types.py differs from the Worker's /openapi.json: "
        "run npm run gen:client && python3 sdk/python/tools/gen_types.py"
    )


def test_every_client_route_and_query_key_is_in_the_spec(live_spec: dict[str, Any]) -> None:
    paths = live_spec["paths"]
    for op, (method, template, keys) in OPERATIONS.items():
        assert template in paths, f"{op}: {template} is not in the spec"
        o = paths[template].get(method.lower())
        assert o is not None, f"{op}: {method} {template} is not in the spec"
        declared = {p["name"] for p in o.get("parameters", []) if p["in"] == "query"}
        assert set(keys) <= declared, f"{op}: query keys {set(keys) - declared} are not in the spec"
        in_path = set(re.findall(r"{(\w+)}", template))
        assert in_path == {p["name"] for p in o.get("parameters", []) if p["in"] == "path"}, op


def test_the_drift_check_notices_a_changed_schema(live_spec: dict[str, Any]) -> None:
    changed = {**live_spec, "components": {"schemas": {**live_spec["components"]["schemas"]}}}
    task = dict(changed["components"]["schemas"]["Task"])
    task["properties"] = {**task["properties"], "brand_new": {"type": "string"}}
    changed["components"]["schemas"]["Task"] = task
    assert gen_types().generate(changed) != TYPES.read_text(encoding="utf-8")
