"""Fixtures for the Adafruit IO MQTT tests: fresh users with cheap password hashes.

The helpers live in the sibling module ``mqtt_adafruit_helpers``; this directory goes on
``sys.path`` so that import works whatever pytest import mode is used.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

pytest.register_assert_rewrite("mqtt_adafruit_helpers")


from support import Server  # noqa: E402


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    """A fresh (username, key) on the session server (overrides the slower suite fixture)."""
    return server.create_user("m")


@pytest.fixture
def make_user(server: Server) -> Callable[[], tuple[str, str]]:
    """Makes further fresh users on the session server."""
    return lambda: server.create_user("m")
