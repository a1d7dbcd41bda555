"""mypy on bot/, feeds/ and storage/ (configured in pyproject.toml), as part of the suite: every
landing runs pytest, so a type error fails there and not only in CI. Incremental after the first
run (.mypy_cache), so it costs well under a second."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is not installed (pip install -e '.[test]')")
def test_the_packages_type_check() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
