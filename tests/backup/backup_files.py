"""Reading backup archives in tests."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from support import Server


def manifest_of(path: Path) -> dict[str, Any]:
    with tarfile.open(path) as tar:
        reader = tar.extractfile("manifest.json")
        assert reader is not None
        return dict(json.loads(reader.read()))


def member_of(path: Path, name: str) -> bytes:
    with tarfile.open(path) as tar:
        reader = tar.extractfile(name)
        assert reader is not None
        return reader.read()


def restore_into(target: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """``stonechat restore ARGS`` into the target's data directory and database, as is:
    ``Server.cli`` would first give the data directory its database's secret key."""
    return subprocess.run(
        [sys.executable, "-m", "stonechat", "restore", *args, *target.cli_args()],
        capture_output=True,
        text=True,
        env=target.env(),
        timeout=120,
        check=False,
    )
