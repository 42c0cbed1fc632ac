"""Background jobs users start (moving in from Adafruit IO): one row per user and kind.

The process running a job writes its progress here and any process reads it, so a page
served by another worker (``--workers``) shows it too. A job whose process stopped (a
restart, a crash) stops writing: ``JOB_STALE_MS`` after its last word it counts as
interrupted, and may be started again.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select, text, update

from stonechat.domain.records import JOB_STALE_MS, Job
from stonechat.storage.database import Database
from stonechat.storage.schema import jobs

# Atomic: a second start while one runs (in any process) changes no row.
_CLAIM = text(
    "INSERT INTO jobs (user_id, kind, state, message, report, started_at, updated_at) "
    "VALUES (:user, :kind, 'running', :message, '{}', :now, :now) "
    "ON CONFLICT (user_id, kind) DO UPDATE SET state = 'running', message = :message, "
    "report = '{}', started_at = :now, updated_at = :now "
    "WHERE jobs.state <> 'running' OR jobs.updated_at < :stale"
)


def _job(row: Any) -> Job:
    return Job(
        row.user_id,
        row.kind,
        row.state,
        row.message,
        json.loads(row.report),
        row.started_at,
        row.updated_at,
    )


class JobStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int, kind: str) -> Job | None:
        async with self.db.connect() as conn:
            row = (
                await conn.execute(
                    select(jobs).where(jobs.c.user_id == user_id, jobs.c.kind == kind)
                )
            ).first()
        return _job(row) if row else None

    async def claim(self, user_id: int, kind: str, message: str, now: int) -> bool:
        """Start a job of ``kind`` for the user, unless one is running: True if started."""
        params = {"user": user_id, "kind": kind, "message": message, "now": now}
        async with self.db.begin() as conn:
            result = await conn.execute(_CLAIM, {**params, "stale": now - JOB_STALE_MS})
        return bool(result.rowcount)

    async def write(
        self,
        user_id: int,
        kind: str,
        *,
        message: str,
        report: dict[str, int],
        now: int,
        state: str = "running",
    ) -> None:
        async with self.db.begin() as conn:
            await conn.execute(
                update(jobs)
                .where(jobs.c.user_id == user_id, jobs.c.kind == kind)
                .values(state=state, message=message, report=json.dumps(report), updated_at=now)
            )
