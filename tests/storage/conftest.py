"""Fixtures of the storage tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from stonechat.config import to_async_url
from support import backend_url


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of its own for each test, on each backend (the tests that write
    points straight through the batch writer, migrate and prune)."""
    for pg in backend_url(backend):
        yield to_async_url(pg or f"sqlite:///{tmp_path / 'storage.db'}")
