"""Tests write nothing outside their temporary folders: Hypothesis too keeps its example database and
caches in the session's temporary folder (`conftest.pytest_configure`), never `.hypothesis/` in the
folder pytest runs from."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .helpers import ROOT

PROPERTY = """
from hypothesis import given, strategies as st


@given(st.integers(), st.text())
def test_a_property(n: int, text: str) -> None:
    assert f"{n}{text}".startswith(str(n))
"""


def test_a_hypothesis_run_leaves_nothing_in_the_checkout(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", checkout)
    for name in ("__init__.py", "conftest.py", "helpers.py"):
        shutil.copy(ROOT / "tests" / name, checkout / "tests")
    (checkout / "tests" / "test_property.py").write_text(PROPERTY, encoding="utf-8")
    base = tmp_path / "session"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--basetemp={base}", "tests"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert sorted(p.name for p in checkout.iterdir()) == ["pyproject.toml", "tests"]
    assert (base / "hypothesis").is_dir()  # where it went instead
