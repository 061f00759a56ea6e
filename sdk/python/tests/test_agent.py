"""The agent side (run_agent and its context) against a fake runtime API. Each agent is a real Python process,
as under a runner: run_agent exits the process, and SIGTERM is a real signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_runtime import FakeRuntime


@pytest.fixture
def rt() -> Iterator[FakeRuntime]:
    f = FakeRuntime()
    yield f
    f.close()


def start(
    rt: FakeRuntime,
    tmp_path: Path,
    body: str,
    *,
    token_file: bool = True,
    env: dict[str, str] | None = None,
    stdin: bool = False,
) -> subprocess.Popen[str]:
    script = tmp_path / "agent.py"
    script.write_text(textwrap.dedent(body))
    e = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEOS_")}
    e["OFFICEOS_RUNTIME_API"] = rt.url
    if token_file:
        tf = tmp_path / "token"
        tf.write_text(rt.token + "\n")
        tf.chmod(0o600)
        e["OFFICEOS_TASK_TOKEN_FILE"] = str(tf)
        e["OFFICEOS_TASK_TOKEN"] = "not-this-one"  # the file wins
    else:
        e["OFFICEOS_TASK_TOKEN"] = rt.token
    e.update(env or {})
    return subprocess.Popen(
        [sys.executable, str(script)],
        env=e,
        text=True,
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run(rt: FakeRuntime, tmp_path: Path, body: str, **kw: Any) -> tuple[int, str]:
    p = start(rt, tmp_path, body, **kw)
    out, err = p.communicate(timeout=60)
    return p.returncode, out + err


SYNC_STEPS = """
    from officeos import run_agent

    def main(ctx):
        step = ((ctx.restored or {}).get("cursor") or {}).get("step", 0)
        words = list(((ctx.restored or {}).get("app_state") or {}).get("words", []))
        for i in range(step, ctx.input["n"]):
            words.append(f"w{i}")
            ctx.checkpoint(cursor=i + 1, app_state={"words": words})
            ctx.progress(f"step {i + 1}")
        return {"words": words, "resumed_from": step, "task": ctx.task_id, "attempt": ctx.attempt}

    run_agent(main)
"""


def test_sync_agent_checkpoints_each_step_and_reports_its_result(rt: FakeRuntime, tmp_path: Path) -> None:
    code, out = run(rt, tmp_path, SYNC_STEPS)
    assert code == 0, out
    cps = rt.of("PUT /checkpoint")
    assert [c.body for c in cps] == [
        {"cursor": {"step": 1}, "app_state": {"words": ["w0"]}},
        {"cursor": {"step": 2}, "app_state": {"words": ["w0", "w1"]}},
    ]
    assert [c.body for c in rt.of("POST /progress")] == [{"note": "step 1"}, {"note": "step 2"}]
    assert rt.of("POST /result")[0].body == {
        "result": {"words": ["w0", "w1"], "resumed_from": 0, "task": "t-1", "attempt": 1}
    }
    # The token came from the file, not from OFFICEOS_TASK_TOKEN.
    assert all(c.headers["authorization"] == "Bearer task-token-1" for c in rt.calls)
    assert rt.of("POST /error") == []


def test_restored_state_resumes_after_the_last_checkpoint(rt: FakeRuntime, tmp_path: Path) -> None:
    rt.task["input"] = {"n": 3}
    rt.task["attempt"] = 2
    rt.task["checkpoint"] = {"seq": 7, "state": {"cursor": {"step": 2}, "app_state": {"words": ["w0", "w1"]}}}
    code, out = run(rt, tmp_path, SYNC_STEPS, token_file=False)
    assert code == 0, out
    assert [c.body["cursor"] for c in rt.of("PUT /checkpoint")] == [{"step": 3}]
    assert rt.of("POST /result")[0].body["result"]["resumed_from"] == 2


def test_agent_error_fails_with_its_code_and_retryable_flag(rt: FakeRuntime, tmp_path: Path) -> None:
    code, out = run(
        rt,
        tmp_path,
        """
        from officeos import AgentError, run_agent

        def main(ctx):
            raise AgentError("bad_input", "no such customer", retryable=False)

        run_agent(main)
        """,
    )
    assert code == 1, out
    assert rt.of("POST /error")[0].body == {
        "error": {"code": "bad_input", "message": "no such customer"},
        "retryable": False,
    }
    assert rt.of("POST /result") == []


def test_any_other_exception_fails_the_attempt_retryably(rt: FakeRuntime, tmp_path: Path) -> None:
    code, _ = run(rt, tmp_path, "from officeos import run_agent\nrun_agent(lambda ctx: 1 / 0)\n")
    assert code == 1
    err = rt.of("POST /error")[0].body
    assert err["error"]["code"] == "python_error" and "ZeroDivisionError" in err["error"]["message"]
    assert err["retryable"] is True


def test_lease_lost_exits_75_without_reporting(rt: FakeRuntime, tmp_path: Path) -> None:
    rt.handlers["PUT /checkpoint"] = lambda _b: (409, {"error": {"code": "lease_lost", "message": "gone"}})
    code, out = run(rt, tmp_path, SYNC_STEPS)
    assert code == 75, out
    assert rt.of("POST /error") == [] and rt.of("POST /result") == []


def test_lease_lost_is_a_typed_exception_the_agent_can_see(rt: FakeRuntime, tmp_path: Path) -> None:
    rt.handlers["PUT /checkpoint"] = lambda _b: (409, {"error": {"code": "lease_lost", "message": "gone"}})
    code, out = run(
        rt,
        tmp_path,
        """
        import sys
        from officeos import Conflict, LeaseLost, run_agent

        def main(ctx):
            try:
                ctx.checkpoint(cursor=1)
            except LeaseLost as e:
                assert isinstance(e, Conflict) and e.status == 409 and e.code == "lease_lost"
                print("saw-lease-lost", flush=True)
                raise

        run_agent(main)
        """,
    )
    assert code == 75 and "saw-lease-lost" in out


def test_approval_returns_the_decision(rt: FakeRuntime, tmp_path: Path) -> None:
    decision = {"gate": "pay", "decision": "approve", "by": "ann", "at": "2026-01-01T00:00:00Z"}
    rt.handlers["POST /approval"] = lambda _b: (200, decision)
    code, out = run(
        rt,
        tmp_path,
        """
        from officeos import run_agent

        def main(ctx):
            d = ctx.approval("pay", message="pay 10 EUR?", details={"amount": 10})
            return {"decision": d["decision"], "by": d["by"]}

        run_agent(main)
        """,
    )
    assert code == 0, out
    assert rt.of("POST /approval")[0].body == {"gate": "pay", "message": "pay 10 EUR?", "details": {"amount": 10}}
    assert rt.of("POST /result")[0].body == {"result": {"decision": "approve", "by": "ann"}}


def test_approval_suspended_exits_0_and_reports_nothing(rt: FakeRuntime, tmp_path: Path) -> None:
    rt.handlers["POST /approval"] = lambda _b: (202, {"gate": "pay", "status": "suspended"})
    code, out = run(
        rt,
        tmp_path,
        """
        from officeos import run_agent

        def main(ctx):
            ctx.checkpoint(cursor=1)
            try:
                ctx.approval("pay")
            except Exception:
                print("swallowed", flush=True)   # the suspension is not an Exception: this never runs
            print("after-gate", flush=True)
            return "never"

        run_agent(main)
        """,
    )
    assert code == 0, out
    assert "after-gate" not in out and "swallowed" not in out
    assert rt.of("POST /result") == [] and rt.of("POST /error") == []


def test_sigterm_lets_the_checkpoint_in_flight_land_then_exits_143(rt: FakeRuntime, tmp_path: Path) -> None:
    rt.hold("PUT /checkpoint")
    p = start(rt, tmp_path, SYNC_STEPS)
    assert rt.arrived["PUT /checkpoint"].wait(30), "the agent never checkpointed"
    p.send_signal(signal.SIGTERM)
    # The process must still be there, waiting for its checkpoint to be durable.
    with pytest.raises(subprocess.TimeoutExpired):
        p.wait(timeout=0.5)
    rt.release("PUT /checkpoint")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 143, out + err
    assert len(rt.of("PUT /checkpoint")) == 1
    assert rt.of("POST /progress") == [] and rt.of("POST /result") == []


def test_sigterm_with_nothing_in_flight_exits_at_once(rt: FakeRuntime, tmp_path: Path) -> None:
    p = start(
        rt,
        tmp_path,
        """
        import time
        from officeos import run_agent

        def main(ctx):
            ctx.progress("ready")
            time.sleep(120)

        run_agent(main)
        """,
    )
    import time

    deadline = time.monotonic() + 30
    while not rt.of("POST /progress") and time.monotonic() < deadline:
        time.sleep(0.02)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)
    assert p.returncode == 143
    assert rt.of("POST /result") == []


ASYNC_AGENT = """
    import asyncio
    from officeos import run_agent

    async def main(ctx):
        await ctx.checkpoint(cursor={"step": 1, "sub_step": 2}, messages=[{"role": "user", "content": "hi"}],
                             reasoning="r", tool_calls=[{"name": "lookup", "status": "ok"}])
        await ctx.progress()
        found = await ctx.tool("lookup", {"q": "x"})
        llm = ctx.async_openai()
        r = await llm.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        sync = ctx.openai().chat.completions.create(model="m2", messages=[{"role": "user", "content": "yo"}])
        return {"tool": found, "llm": r.choices[0].message.content, "sync": sync.model}

    run_agent(main)
"""


def test_async_agent_checkpoint_tool_and_openai_through_the_gateway(rt: FakeRuntime, tmp_path: Path) -> None:
    rt.handlers["POST /tools/lookup"] = lambda b: (200, {"found": b["q"]})
    code, out = run(
        rt, tmp_path, ASYNC_AGENT, env={"TRACEPARENT": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    )
    assert code == 0, out
    assert rt.of("PUT /checkpoint")[0].body == {
        "cursor": {"step": 1, "sub_step": 2},
        "messages": [{"role": "user", "content": "hi"}],
        "tool_calls": [{"name": "lookup", "status": "ok"}],
        "reasoning": "r",
    }
    assert rt.of("POST /progress")[0].body == {}
    llm = rt.of("POST /llm/v1/chat/completions")
    assert [c.body["model"] for c in llm] == ["m", "m2"]
    # The OpenAI client's key is the task token; the upstream key never reaches the agent.
    assert all(c.headers["authorization"] == "Bearer task-token-1" for c in llm)
    assert rt.of("POST /result")[0].body == {"result": {"tool": {"found": "x"}, "llm": "hello", "sync": "m2"}}
    # TRACEPARENT reaches the runtime API with every SDK call.
    assert rt.of("GET /task")[0].headers.get("traceparent", "").startswith("00-0af765")


def test_llm_quota_429_is_quota_exceeded_with_retry_after(rt: FakeRuntime, tmp_path: Path) -> None:
    code, out = run(
        rt,
        tmp_path,
        """
        import httpx
        from officeos import QuotaExceeded, run_agent
        from officeos.errors import error_from_response

        def main(ctx):
            res = httpx.Response(429, headers={"retry-after": "7"},
                                 json={"error": {"message": "token quota exhausted", "type": "tokens", "code": "rate_limit_exceeded"}})
            e = error_from_response(res)
            assert isinstance(e, QuotaExceeded) and e.retry_after == 7.0 and e.code == "rate_limit_exceeded"
            res = httpx.Response(429, json={"error": {"code": "rate_limited", "message": "x", "details": {"retry_after_ms": 1500}}})
            assert error_from_response(res).retry_after == 1.5
            return "ok"

        run_agent(main)
        """,
    )
    assert code == 0, out


def test_not_under_a_runner_says_what_is_missing(tmp_path: Path) -> None:
    script = tmp_path / "a.py"
    script.write_text("from officeos import run_agent\nrun_agent(lambda ctx: 1)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEOS_")}
    p = subprocess.run([sys.executable, str(script)], env=env, text=True, capture_output=True, timeout=60)
    assert p.returncode != 0
    assert "OFFICEOS_RUNTIME_API" in p.stderr


def test_no_phoning_home_switches_are_set_for_the_frameworks(rt: FakeRuntime, tmp_path: Path) -> None:
    code, out = run(
        rt,
        tmp_path,
        """
        import os
        from officeos import run_agent

        def main(ctx):
            return {k: os.environ.get(k) for k in ("OPENAI_AGENTS_DISABLE_TRACING", "CREWAI_DISABLE_TELEMETRY")}

        run_agent(main)
        """,
    )
    assert code == 0, out
    assert rt.of("POST /result")[0].body == {
        "result": {"OPENAI_AGENTS_DISABLE_TRACING": "1", "CREWAI_DISABLE_TELEMETRY": "true"}
    }


ASYNC_STEPS = """
    from officeos import run_agent

    async def main(ctx):
        for i in range(ctx.input["n"]):
            await ctx.checkpoint(cursor=i + 1)
            await ctx.progress(f"step {i + 1}")
        return "done"

    run_agent(main)
"""


def test_async_sigterm_lets_the_checkpoint_in_flight_land_then_exits_143(rt: FakeRuntime, tmp_path: Path) -> None:
    rt.hold("PUT /checkpoint")
    p = start(rt, tmp_path, ASYNC_STEPS)
    assert rt.arrived["PUT /checkpoint"].wait(30), "the agent never checkpointed"
    p.send_signal(signal.SIGTERM)
    with pytest.raises(subprocess.TimeoutExpired):
        p.wait(timeout=0.5)
    rt.release("PUT /checkpoint")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 143, out + err
    assert len(rt.of("PUT /checkpoint")) == 1
    assert rt.of("POST /progress") == [] and rt.of("POST /result") == []


def test_runner_gone_exits_137_when_stdin_closes(rt: FakeRuntime, tmp_path: Path) -> None:
    p = start(
        rt,
        tmp_path,
        """
        import time
        from officeos import run_agent

        def main(ctx):
            ctx.progress("ready")
            time.sleep(120)

        run_agent(main)
        """,
        env={"OFFICEOS_WATCH_STDIN": "1"},
        stdin=True,
    )
    import time

    deadline = time.monotonic() + 30
    while not rt.of("POST /progress") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert p.stdin is not None
    p.stdin.close()
    p.wait(timeout=30)
    assert p.returncode == 137
    assert rt.of("POST /result") == [] and rt.of("POST /error") == []
