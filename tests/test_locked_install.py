"""The environment the suite runs in is exactly what uv.lock pins (issue 9).

`make setup` installs with `uv sync --locked`; these tests catch a lock that drifted from
pyproject.toml and an environment that holds anything else (an extra package, a missing one,
another version), as `pip freeze` against the lock would.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
UV = ROOT / ".tools" / "bin" / "uv"
OWN = {"stonechat"}


def _uv(*args: str) -> subprocess.CompletedProcess[str]:
    assert UV.exists(), f"{UV} is missing: install with `make setup`"
    return subprocess.run(
        [str(UV), *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def _locked() -> dict[str, str]:
    """Name -> version of every package the lock installs on this platform, with dev extras."""
    result = _uv(
        "export",
        "--frozen",
        "--no-hashes",
        "--extra",
        "dev",
        "--no-emit-project",
        "--no-header",
        "--no-annotate",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    pins: dict[str, str] = {}
    for line in result.stdout.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        (spec,) = req.specifier
        assert spec.operator == "==", line
        pins[canonicalize_name(req.name)] = spec.version
    return pins


def _installed() -> dict[str, str]:
    found = {}
    for dist in metadata.distributions(path=sys.path):
        name = canonicalize_name(dist.metadata["Name"])
        if name not in OWN:
            found[name] = dist.version
    return found


def test_lock_matches_pyproject() -> None:
    result = _uv("lock", "--check", "--offline")
    assert result.returncode == 0, f"uv.lock is stale, run `make lock`:\n{result.stderr}"


def test_environment_is_exactly_the_lock() -> None:
    locked, installed = _locked(), _installed()
    assert len(locked) > 30  # the export really listed the project's dependencies
    missing = {n: v for n, v in locked.items() if n not in installed}
    extra = {n: v for n, v in installed.items() if n not in locked}
    other = {
        n: (installed[n], v) for n, v in locked.items() if n in installed and installed[n] != v
    }
    assert not (missing or extra or other), (
        f"environment differs from uv.lock: missing {missing}, not locked {extra}, "
        f"version (installed, locked) {other}; run `make setup`"
    )
