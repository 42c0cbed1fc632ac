"""A role that one process of an installation holds at a time (the actions engine).

On PostgreSQL the holder keeps a session advisory lock on a connection of its own: when the
process dies or its connection breaks, PostgreSQL releases the lock and another process takes
the role at its next try. On SQLite one process serves a database file, so the role is always
held there.
"""

from __future__ import annotations

import contextlib
import logging
import zlib
from typing import Any

from sqlalchemy import text

from stonechat.storage.database import Database

log = logging.getLogger(__name__)

_BASE = 7_263_540_100  # advisory lock keys of roles: this plus the crc32 of the role's name


class LeaderLock:
    def __init__(self, db: Database, role: str) -> None:
        self.db = db
        self.role = role
        self.key = _BASE + zlib.crc32(role.encode())
        self._conn: Any = None

    @property
    def held(self) -> bool:
        return self.db.dialect != "postgresql" or self._conn is not None

    async def try_hold(self) -> bool:
        """Take the role if nobody holds it; True while this process holds it (checks that
        the connection carrying the lock is still alive)."""
        if self.db.dialect != "postgresql":
            return True
        try:
            if self._conn is not None:
                await self._conn.execute(text("SELECT 1"))
                return True
            conn = await self.db.engine.connect()
            got = (
                await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key})
            ).scalar()
            await conn.commit()  # the lock is session-level: it outlives this transaction
            if got:
                self._conn = conn
                log.info("this process now runs the %s", self.role)
                return True
            await conn.close()  # back to the pool: it holds no lock
            return False
        except Exception as error:  # the database away: the role is not held
            if self._conn is not None:
                log.warning("lost the %s role: %s", self.role, error)
            await self._drop()
            return False

    async def release(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        """Discard the lock's connection (not back to the pool): closing the session
        releases the lock on the server."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()
