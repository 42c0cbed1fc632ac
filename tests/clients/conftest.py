"""Fixtures for the client-compatibility tests: cheap fresh users.

Every test here starts from an empty account. ``Server.create_user`` hashes the password with
the server's default argon2 cost (~0.5 s), which would dominate this folder's run time; these
tests only use the AIO key, so the password is hashed with a minimal argon2 cost instead.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support import Server


def cheap_user(server: Server, prefix: str = "c") -> tuple[str, str]:
    """A new user made in the server's database; returns (username, key)."""
    return server.create_user(prefix)


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    """A fresh (username, key) on the session server (overrides the slower suite fixture)."""
    return cheap_user(server)


@pytest.fixture
def make_user(server: Server) -> Callable[[], tuple[str, str]]:
    """Makes further fresh users on the session server."""
    return lambda: cheap_user(server)
