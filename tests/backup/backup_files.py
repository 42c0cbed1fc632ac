"""Reading backup archives in tests."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any


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
