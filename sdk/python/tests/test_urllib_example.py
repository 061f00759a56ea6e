"""agent-runner/examples/python-agent.py, the no-dependency reference, against the same fake runtime API (it runs
under Debian's python3 with the standard library only; test/e2e/cli.test.ts runs it under a real runner)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from fake_runtime import FakeRuntime

EXAMPLE = Path(__file__).resolve().parents[3] / "agent-runner" / "examples" / "python-agent.py"


@pytest.mark.parametrize("restored_step", [0, 1])
def test_urllib_example_steps_checkpoints_and_resumes(tmp_path: Path, restored_step: int) -> None:
    rt = FakeRuntime()
    try:
        rt.task["input"] = {"steps": 3, "word": "py"}
        if restored_step:
            rt.task["checkpoint"] = {"seq": 1, "state": {"cursor": {"step": 1}, "app_state": {"words": ["py-0"]}}}
        tf = tmp_path / "token"
        tf.write_text(rt.token)
        tf.chmod(0o600)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICEOS_")}
        env.update(OFFICEOS_RUNTIME_API=rt.url, OFFICEOS_TASK_TOKEN_FILE=str(tf))
        # Debian's interpreter, no virtualenv: the example needs nothing beyond the standard library.
        p = subprocess.run(
            ["/usr/bin/python3", "-I", str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60
        )
        assert p.returncode == 0, p.stderr
        assert [c.body["cursor"]["step"] for c in rt.of("PUT /checkpoint")] == list(range(restored_step + 1, 4))
        assert rt.of("POST /result")[0].body == {
            "result": {"steps": 3, "words": ["py-0", "py-1", "py-2"], "resumed_from": restored_step}
        }
    finally:
        rt.close()
