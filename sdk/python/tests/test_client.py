"""The control-plane client against the real Worker. The test plays the runner itself (register, lease,
checkpoint, approval, complete, fail over plain HTTP) so each client call meets a task in a known state."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import Worker

from officeos import BadRequest, Client, Forbidden, NotFound, Unauthorized

pytestmark = pytest.mark.worker


class Runner:
    """Just enough of a runner: one registration, leases, and calls under a lease."""

    def __init__(self, worker: Worker, admin_key: str) -> None:
        self.http = httpx.Client(
            base_url=worker.url, headers={"authorization": f"Bearer {worker.key(admin_key, ['runner'])}"}, timeout=60
        )
        r = self.http.post("/v1/runners", json={"name": "py-test", "capacity": {"cpu": 4000, "memory_mb": 8192}})
        r.raise_for_status()
        self.id = r.json()["runner"]["id"]

    def lease(self) -> dict[str, Any]:
        r = self.http.post(f"/v1/runners/{self.id}/lease", json={"max_tasks": 1, "wait_ms": 10_000})
        r.raise_for_status()
        leases = r.json()["leases"]
        assert len(leases) == 1, r.json()
        return dict(leases[0])

    def under(self, lease: dict[str, Any], method: str, action: str, body: dict[str, Any]) -> Any:
        headers = {"officeos-lease-token": lease["lease_token"]} if lease.get("lease_token") else {}
        r = self.http.request(
            method,
            f"/v1/tasks/{lease['task']['id']}/{action}",
            json={"epoch": lease["epoch"], **body},
            headers=headers,
        )
        assert r.is_success, r.text
        return r.json()


@pytest.fixture
def oc(worker: Worker, tenant: str) -> Client:
    c = Client(worker.url, tenant)
    c.put_agent("py-echo", {"retry": {"max_attempts": 1, "on_exhausted": "escalate"}, "resources": {"cpu": 100}})
    return c


def test_agents_put_get_list(oc: Client) -> None:
    a = oc.get_agent("py-echo")
    assert a["name"] == "py-echo" and a["retry"]["max_attempts"] == 1
    assert [x["name"] for x in oc.list_agents()] == ["py-echo"]
    with pytest.raises(NotFound):
        oc.get_agent("nobody")
    with pytest.raises(BadRequest) as e:
        oc.put_agent("py-bad", {"weight": -1})
    assert e.value.status == 400 and e.value.details


def test_submit_get_list_cancel_events(oc: Client) -> None:
    t = oc.submit("py-echo", {"x": 1}, priority=5, idempotency_key="k-1")
    assert t["state"] == "queued" and t["input"] == {"x": 1} and t["priority"] == 5
    again = oc.submit("py-echo", {"x": 1}, priority=5, idempotency_key="k-1")
    assert again["id"] == t["id"]
    assert oc.get(t["id"])["id"] == t["id"]
    page = oc.list(state="queued", agent="py-echo")
    assert [x["id"] for x in page["tasks"]] == [t["id"]]
    assert [x["id"] for x in oc.iter_tasks(agent="py-echo")] == [t["id"]]
    c = oc.cancel(t["id"])
    assert c["state"] == "cancelled"
    assert oc.wait(t["id"], timeout=30)["state"] == "cancelled"
    ev = oc.events(t["id"])
    types = [e["type"] for e in ev["events"]]
    assert types and ev["next"] >= len(types)
    with pytest.raises(NotFound):
        oc.get("no-such-task")


def test_submit_batch(oc: Client) -> None:
    ans = oc.submit_batch([{"agent": "py-echo", "input": i} for i in range(3)] + [{"agent": "py-nobody"}])
    statuses = [i["status"] for i in ans["items"]]
    assert statuses[:3] == [201, 201, 201] and statuses[3] == 404, ans


def test_wait_checkpoint_and_result_through_a_runner(worker: Worker, tenant: str, oc: Client) -> None:
    t = oc.submit("py-echo", {"n": 2})
    runner = Runner(worker, tenant)
    lease = runner.lease()
    assert lease["task"]["id"] == t["id"]
    assert oc.checkpoint(t["id"]) is None
    runner.under(lease, "PUT", "checkpoint", {"state": {"cursor": {"step": 1}, "app_state": {"seen": [1]}}})
    cp = oc.checkpoint(t["id"])
    assert cp is not None and cp["state"]["cursor"]["step"] == 1 and cp["state"]["app_state"] == {"seen": [1]}
    runner.under(lease, "POST", "complete", {"result": {"ok": True}})
    done = oc.wait(t["id"], timeout=60)
    assert done["state"] == "succeeded" and done["result"] == {"ok": True}


def test_wait_times_out_with_the_state_it_saw(oc: Client) -> None:
    t = oc.submit("py-echo", None)
    with pytest.raises(TimeoutError, match="queued"):
        oc.wait(t["id"], timeout=1)


def test_approvals_list_and_decide(worker: Worker, tenant: str, oc: Client) -> None:
    t = oc.submit("py-echo", None)
    runner = Runner(worker, tenant)
    lease = runner.lease()
    ans = runner.under(lease, "POST", "approval", {"gate": "pay", "message": "pay 10?"})
    assert ans["state"] == "awaiting_approval"
    assert oc.wait(t["id"], timeout=30, states=frozenset({"awaiting_approval"}))["gate"]["gate"] == "pay"
    listed = oc.approvals()["approvals"]
    assert [(a["task"]["id"], a["gate"], a.get("message")) for a in listed] == [(t["id"], "pay", "pay 10?")]
    decided = oc.decide(t["id"], "approve", comment="fine", gate="pay")
    assert decided["approvals"]["pay"]["decision"] == "approve"
    assert oc.approvals()["approvals"] == []


def test_escalations_list_and_resolve(worker: Worker, tenant: str, oc: Client) -> None:
    t = oc.submit("py-echo", None)
    runner = Runner(worker, tenant)
    lease = runner.lease()
    runner.under(lease, "POST", "fail", {"error": {"code": "boom", "message": "it broke"}, "retryable": True})
    esc = oc.wait(t["id"], timeout=30)
    assert esc["state"] == "escalated"
    listed = oc.escalations()["escalations"]
    assert [(e["task"]["id"], e["reason"]["code"]) for e in listed] == [(t["id"], "boom")]
    done = oc.escalation_action(t["id"], "resolve", result={"by": "hand"}, comment="done by hand")
    assert done["state"] == "succeeded" and done["result"] == {"by": "hand"}
    assert oc.escalations()["escalations"] == []


def test_keys_and_scopes_are_typed_refusals(worker: Worker, tenant: str) -> None:
    with pytest.raises(Unauthorized):
        Client(worker.url, "nope").list()
    read_only = Client(worker.url, worker.key(tenant, ["read"]))
    read_only.list()
    with pytest.raises(Forbidden):
        read_only.submit("py-echo", None)


async def test_async_client_the_same_calls(worker: Worker, tenant: str) -> None:
    from officeos import AsyncClient

    async with AsyncClient(worker.url, tenant) as oc:
        agent = await oc.put_agent("py-async", {"retry": {"max_attempts": 1, "on_exhausted": "escalate"}})
        assert agent["name"] == "py-async"
        assert [a["name"] for a in await oc.list_agents()] == ["py-async"]
        t = await oc.submit("py-async", {"x": 2}, idempotency_key="ak-1")
        assert (await oc.submit("py-async", {"x": 2}, idempotency_key="ak-1"))["id"] == t["id"]
        assert (await oc.get(t["id"]))["input"] == {"x": 2}
        assert [x["id"] async for x in oc.iter_tasks(agent="py-async")] == [t["id"]]
        assert await oc.checkpoint(t["id"]) is None
        runner = Runner(worker, tenant)
        lease = runner.lease()
        runner.under(lease, "POST", "fail", {"error": {"code": "boom", "message": "x"}, "retryable": True})
        assert (await oc.wait(t["id"], timeout=30))["state"] == "escalated"
        assert [e["task"]["id"] for e in (await oc.escalations())["escalations"]] == [t["id"]]
        done = await oc.escalation_action(t["id"], "cancel", comment="no")
        assert done["state"] == "cancelled"
        assert (await oc.events(t["id"]))["events"]
        with pytest.raises(NotFound):
            await oc.get("nope")
