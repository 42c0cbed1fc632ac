"""The actions engine's role: one process holds it at a time, and another takes it over
when the holder lets go or its connection dies (PostgreSQL advisory lock); on SQLite the
single process always holds it."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from stonechat.storage.database import Database
from stonechat.storage.leader import LeaderLock


def test_one_holder_at_a_time_and_a_takeover(backend: str, url: str) -> None:
    async def scenario() -> None:
        first, second = Database(url), Database(url)
        a, b = LeaderLock(first, "actions engine"), LeaderLock(second, "actions engine")
        try:
            assert await a.try_hold()
            if backend == "sqlite":  # one process per database file: always held
                assert await b.try_hold()
                return
            assert not await b.try_hold()
            assert await a.try_hold()  # still held, checked on its connection
            assert not await b.try_hold()
            other = LeaderLock(second, "another role")
            assert await other.try_hold()  # roles are independent
            await other.release()
            await a.release()
            assert await b.try_hold()
            assert not await a.try_hold()
            # The holder's connection dies (a crash, a network cut): PostgreSQL frees the lock.
            async with second.connect() as conn:
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND objid = :k"
                    ),
                    {"k": b.key & 0xFFFFFFFF},
                )
            assert not await b.try_hold()  # it notices
            assert await a.try_hold()
        finally:
            await a.release()
            await b.release()
            await first.close()
            await second.close()

    asyncio.run(scenario())
