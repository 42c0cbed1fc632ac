"""The web UI's own unit tests (Vitest), run as part of the suite."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from support import IN_CI

UI = Path(__file__).resolve().parents[2] / "ui"


def test_vitest_unit_tests_pass() -> None:
    if shutil.which("npm") is None or not (UI / "node_modules").is_dir():
        if IN_CI:
            pytest.fail("npm and ui/node_modules are needed (make setup installs them)")
        pytest.skip("the UI's node modules are not installed (make setup)")
    result = subprocess.run(
        ["npm", "test", "--silent"], cwd=UI, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
