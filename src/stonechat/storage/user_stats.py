"""What administrators see of each user beyond the user row: points stored, last activity,
and deleting a user with everything it owns."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from stonechat.storage.database import Database
from stonechat.storage.schema import (
    activities,
    data,
    feeds,
    mqtt_retained,
    rollups,
    ui_sessions,
    users,
)


@dataclass(slots=True, frozen=True)
class UserStats:
    """``points``: data points stored in the user's feeds (the feeds' counters).
    ``last_activity``: the newest of the user's last data point, last change in the
    activity log and last web UI request (ms), None when there was none."""

    points: int
    last_activity: int | None


class UserStatsStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def stats(self) -> dict[int, UserStats]:
        """User id -> stats, for every user (three grouped queries)."""
        async with self.db.connect() as conn:
            fed = await conn.execute(
                select(
                    feeds.c.user_id,
                    func.coalesce(func.sum(feeds.c.data_count), 0).label("points"),
                    func.max(feeds.c.last_value_at).label("last"),
                ).group_by(feeds.c.user_id)
            )
            points = {r.user_id: (int(r.points), r.last) for r in fed}
            logged = await conn.execute(
                select(
                    activities.c.user_id, func.max(activities.c.created_at).label("last")
                ).group_by(activities.c.user_id)
            )
            last_logged = {r.user_id: r.last for r in logged}
            seen = await conn.execute(
                select(
                    ui_sessions.c.user_id, func.max(ui_sessions.c.last_seen_at).label("last")
                ).group_by(ui_sessions.c.user_id)
            )
            last_seen = {r.user_id: r.last for r in seen}
            ids = [r.id for r in await conn.execute(select(users.c.id))]
        out: dict[int, UserStats] = {}
        for user_id in ids:
            count, last_point = points.get(user_id, (0, None))
            times = [t for t in (last_point, last_logged.get(user_id), last_seen.get(user_id)) if t]
            out[user_id] = UserStats(count, int(max(times)) if times else None)
        return out

    async def delete_user(self, user_id: int, username: str) -> None:
        """Delete the user and all it owns in one transaction. The data points (no foreign
        key: the table is partitioned on PostgreSQL), their rollups and retained MQTT
        messages (keyed by owner name) are deleted here; every other table cascades from
        ``users``."""
        async with self.db.begin() as conn:
            owned = select(feeds.c.id).where(feeds.c.user_id == user_id).scalar_subquery()
            await conn.execute(delete(data).where(data.c.feed_id.in_(owned)))
            await conn.execute(delete(rollups).where(rollups.c.feed_id.in_(owned)))
            await conn.execute(
                delete(mqtt_retained).where(mqtt_retained.c.owner == username.lower())
            )
            await conn.execute(delete(users).where(users.c.id == user_id))
