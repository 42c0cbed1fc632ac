"""Fixtures for the client-compatibility tests: every test starts from an empty account.

``Server.create_user`` hashes passwords with a minimal argon2 cost, so fresh users are cheap.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support import Server


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    """A fresh (username, key) on the session server (overrides the slower suite fixture)."""
    return server.create_user("c")


@pytest.fixture
def make_user(server: Server) -> Callable[[], tuple[str, str]]:
    """Makes further fresh users on the session server."""
    return lambda: server.create_user("c")
