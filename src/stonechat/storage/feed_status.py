"""Feed status rows: which feeds went quiet, marking them offline and online again, and
the history of those changes (the last ``KEEP_CHANGES`` of each feed).

A feed is *due* when it has ``status_notify`` on, had data once, is online, and its last
point is older than its ``status_timeout`` minutes. Marking is conditional, so that a
point committed in between (or another process) wins: a feed goes offline only while it is
still due, and online only while it is offline.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, update

from stonechat.domain.records import Feed, FeedStatusChange
from stonechat.storage.database import Database
from stonechat.storage.feeds import _feed, _select
from stonechat.storage.schema import feed_status_changes, feeds

KEEP_CHANGES = 20
MINUTE_MS = 60_000


def _due(now: int) -> Any:
    return (
        feeds.c.status_notify.is_(True),
        feeds.c.offline_at.is_(None),
        feeds.c.last_value_at.is_not(None),
        feeds.c.last_value_at + feeds.c.status_timeout * MINUTE_MS < now,
    )


class FeedStatusStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def due(self, now: int, limit: int = 500) -> list[Feed]:
        """Feeds to turn offline now, oldest silence first."""
        async with self.db.connect() as conn:
            rows = await conn.execute(
                _select().where(*_due(now)).order_by(feeds.c.last_value_at).limit(limit)
            )
            return [_feed(r) for r in rows]

    async def feed(self, feed_id: int) -> Feed | None:
        async with self.db.connect() as conn:
            row = (await conn.execute(_select().where(feeds.c.id == feed_id))).first()
        return _feed(row) if row else None

    async def offline_ids(self) -> set[int]:
        async with self.db.connect() as conn:
            rows = await conn.execute(select(feeds.c.id).where(feeds.c.offline_at.is_not(None)))
            return {r.id for r in rows}

    async def mark_offline(self, feed: Feed, now: int) -> bool:
        """Offline, with a change recorded, if the feed is still due; False otherwise."""
        async with self.db.begin() as conn:
            done = await conn.execute(
                update(feeds).where(feeds.c.id == feed.id, *_due(now)).values(offline_at=now)
            )
            if done.rowcount != 1:
                return False
            await self._record(conn, feed.id, feed.user_id, "offline", now)
        return True

    async def mark_online(self, feed_id: int, now: int) -> bool:
        """Online, with a change recorded, if the feed was offline; False otherwise."""
        async with self.db.begin() as conn:
            row = (
                await conn.execute(
                    update(feeds)
                    .where(feeds.c.id == feed_id, feeds.c.offline_at.is_not(None))
                    .values(offline_at=None)
                    .returning(feeds.c.user_id)
                )
            ).first()
            if row is None:
                return False
            await self._record(conn, feed_id, row.user_id, "online", now)
        return True

    async def changes(self, feed_ids: list[int]) -> dict[int, list[FeedStatusChange]]:
        """The kept changes of each feed, newest first."""
        if not feed_ids:
            return {}
        async with self.db.connect() as conn:
            rows = await conn.execute(
                select(feed_status_changes)
                .where(feed_status_changes.c.feed_id.in_(feed_ids))
                .order_by(feed_status_changes.c.id.desc())
            )
            found: dict[int, list[FeedStatusChange]] = {}
            for r in rows:
                found.setdefault(r.feed_id, []).append(
                    FeedStatusChange(r.id, r.feed_id, r.status, r.created_at)
                )
            return found

    async def _record(self, conn: Any, feed_id: int, user_id: int, status: str, now: int) -> None:
        await conn.execute(
            insert(feed_status_changes).values(
                feed_id=feed_id, user_id=user_id, status=status, created_at=now
            )
        )
        kept = (
            select(feed_status_changes.c.id)
            .where(feed_status_changes.c.feed_id == feed_id)
            .order_by(feed_status_changes.c.id.desc())
            .limit(KEEP_CHANGES)
            .scalar_subquery()
        )
        await conn.execute(
            delete(feed_status_changes).where(
                feed_status_changes.c.feed_id == feed_id, feed_status_changes.c.id.not_in(kept)
            )
        )
