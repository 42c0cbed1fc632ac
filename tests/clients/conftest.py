"""Fixtures for the client-compatibility tests: cheap fresh users.

Every test here starts from an empty account. ``Server.create_user`` hashes the password with
the server's default argon2 cost (~0.5 s), which would dominate this folder's run time; these
tests only use the AIO key, so the password is hashed with a minimal argon2 cost instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest
from argon2 import PasswordHasher

from support import Server

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def cheap_user(server: Server, prefix: str = "c") -> tuple[str, str]:
    """A new user made in the server's database; returns (username, key)."""
    from stonechat.config import Settings
    from stonechat.runtime import build_accounts, open_database

    username = f"{prefix}{uuid.uuid4().hex[:10]}"
    settings = Settings(data_dir=server.data_dir, database_url=server.database_url)

    async def go() -> str:
        db = open_database(settings)
        try:
            accounts = build_accounts(settings, db)
            accounts._hasher = CHEAP_HASHER
            _user, key = await accounts.create_user(username, "password123")
            return key
        finally:
            await db.close()

    return username, asyncio.run(go())


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    """A fresh (username, key) on the session server (overrides the slower suite fixture)."""
    return cheap_user(server)


@pytest.fixture
def make_user(server: Server) -> Callable[[], tuple[str, str]]:
    """Makes further fresh users on the session server."""
    return lambda: cheap_user(server)
