"""Acceptance 1 of issue #21: ``pip install ./sdk/python`` (not editable) into a fresh virtualenv works, and
the installed package is the typed one (``py.typed`` shipped), importable from outside the source tree."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

SDK = Path(__file__).resolve().parent.parent


def test_pip_install_into_a_fresh_venv(tmp_path: Path) -> None:
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(SDK)],
        check=True,
        timeout=600,
    )
    probe = (
        "import importlib.util, pathlib, officeos;"
        "p = pathlib.Path(officeos.__file__).parent;"
        "print(officeos.__version__, p, (p / 'py.typed').is_file(), hasattr(officeos, 'run_agent'))"
    )
    out = subprocess.run([str(py), "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    version, where, typed, has_run_agent = out.split()
    assert version == "0.1.0"
    assert Path(where).is_relative_to(env_dir), f"imported from {where}, not the fresh venv"
    assert typed == "True"
    assert has_run_agent == "True"
    assert sys.version_info >= (3, 10)
