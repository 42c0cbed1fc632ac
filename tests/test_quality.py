"""Static checks run as part of the suite: ruff, mypy --strict, the layer contract."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

CHECKS = {
    "ruff-lint": [str(BIN / "ruff"), "check", "src", "tests", "bench"],
    "ruff-format": [str(BIN / "ruff"), "format", "--check", "src", "tests", "bench"],
    "mypy-strict": [str(BIN / "mypy")],
    "import-layers": [str(BIN / "lint-imports")],
}


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_static_check(name: str) -> None:
    result = subprocess.run(
        CHECKS[name], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
