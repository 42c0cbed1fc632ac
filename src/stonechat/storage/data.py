"""Data point rows: time-ranged reads, edits and deletes (with their rollups), charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    and_,
    case,
    delete,
    func,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from stonechat.domain.ids import time_of
from stonechat.domain.records import Datum
from stonechat.storage import rollups
from stonechat.storage.database import Database
from stonechat.storage.rollups import hold_rounds, rebuild
from stonechat.storage.schema import data, feeds

_DATA_COLUMNS = (
    data.c.id,
    data.c.feed_id,
    data.c.value,
    data.c.lat,
    data.c.lon,
    data.c.ele,
    data.c.created_at,
    data.c.updated_at,
)


def _datum(row: Any) -> Datum:
    # _DATA_COLUMNS lists the columns in Datum's field order: positional is fastest.
    return Datum(*row)


# A feed with history off keeps only its newest point (the batch writer, after each batch,
# and a feed whose history is turned off). ``{feed}``: the feed id's placeholder.
DELETE_ALL_BUT_NEWEST = (
    "DELETE FROM data WHERE feed_id = {feed} AND (created_at, id) < (SELECT created_at, id "
    "FROM data WHERE feed_id = {feed} ORDER BY created_at DESC, id DESC LIMIT 1)"
)
_KEEP_NEWEST = text(DELETE_ALL_BUT_NEWEST.format(feed=":feed"))
_LOCK_FEED = text("SELECT id FROM feeds WHERE id = :feed FOR UPDATE")


@dataclass(slots=True)
class NewDatum:
    """A validated point ready to insert; ``history``: its feed keeps every point (else
    only its newest, storage/batch_writer.py)."""

    datum: Datum
    value_num: float | None
    history: bool = True


class DataStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.postgres = db.dialect == "postgresql"

    def _locate(self, feed_id: int, datum_id: str) -> list[Any]:
        """Where clauses to find one point by id, to try in order.

        On PostgreSQL the first also names ``created_at``, the time part of the ULID, so the
        lookup reads one partition; the second (a point whose time was edited) reads the id
        index of every partition. SQLite has one unique id index.
        """
        by_id = and_(data.c.id == datum_id, data.c.feed_id == feed_id)
        at = time_of(datum_id) if self.db.dialect == "postgresql" else None
        return [by_id] if at is None else [and_(by_id, data.c.created_at == at), by_id]

    async def get(self, feed_id: int, datum_id: str) -> Datum | None:
        async with self.db.connect() as conn:
            for where in self._locate(feed_id, datum_id):
                row = (await conn.execute(select(*_DATA_COLUMNS).where(where))).first()
                if row:
                    return _datum(row)
        return None

    async def _in_index_order(self, conn: AsyncConnection) -> None:
        """PostgreSQL: read "the newest N points of a feed" by walking the primary key.

        Always the best plan for these queries (a LIMIT over (feed_id, created_at, id)), but
        with statistics not yet gathered for a freshly filled weekly partition the planner
        guesses a few hundred rows and sorts the whole feed instead: 103 ms instead of
        0.4 ms for 100,000 points, measured. Sorting is switched off for this transaction.
        """
        if self.db.dialect == "postgresql":
            await conn.execute(text("SET LOCAL enable_sort = off"))

    async def page(
        self,
        feed_ids: Sequence[int],
        *,
        start: int | None,
        end: int | None,
        before: tuple[int, str] | None,
        limit: int,
    ) -> list[Datum]:
        """Newest first, at most ``limit`` points strictly older than ``before``."""
        query = select(*_DATA_COLUMNS).where(
            data.c.feed_id == feed_ids[0] if len(feed_ids) == 1 else data.c.feed_id.in_(feed_ids)
        )
        if start is not None:
            query = query.where(data.c.created_at >= start)
        if end is not None:
            query = query.where(data.c.created_at <= end)
        if before is not None:
            query = query.where(tuple_(data.c.created_at, data.c.id) < tuple_(*before))
        query = query.order_by(data.c.created_at.desc(), data.c.id.desc()).limit(limit)
        async with self.db.connect() as conn:
            await self._in_index_order(conn)
            return [_datum(r) for r in await conn.execute(query)]

    async def edge(self, feed_id: int, *, newest: bool) -> Datum | None:
        """The newest or the oldest point of a feed."""
        order = (
            (data.c.created_at.desc(), data.c.id.desc())
            if newest
            else (data.c.created_at.asc(), data.c.id.asc())
        )
        async with self.db.connect() as conn:
            await self._in_index_order(conn)
            row = (
                await conn.execute(
                    select(*_DATA_COLUMNS)
                    .where(data.c.feed_id == feed_id)
                    .order_by(*order)
                    .limit(1)
                )
            ).first()
        return _datum(row) if row else None

    async def after(self, feed_id: int, datum: Datum) -> Datum | None:
        """The point that follows ``datum`` in time order."""
        async with self.db.connect() as conn:
            await self._in_index_order(conn)
            row = (
                await conn.execute(
                    select(*_DATA_COLUMNS)
                    .where(
                        data.c.feed_id == feed_id,
                        tuple_(data.c.created_at, data.c.id) > tuple_(datum.created_at, datum.id),
                    )
                    .order_by(data.c.created_at.asc(), data.c.id.asc())
                    .limit(1)
                )
            ).first()
        return _datum(row) if row else None

    async def update(
        self, feed_id: int, datum_id: str, *, rollups: bool = True, **values: Any
    ) -> Datum | None:
        """Change a point; with ``rollups``, recompute the rollups of its old and new time
        (a feed with history off keeps the rollups of every point it was sent)."""
        async with self.db.begin() as conn:
            if rollups and self.postgres:
                await hold_rounds(conn)
            for where in self._locate(feed_id, datum_id):
                old = (await conn.execute(select(data.c.created_at).where(where))).first()
                if old is None:
                    continue
                row = (
                    await conn.execute(
                        update(data).where(where).values(**values).returning(*_DATA_COLUMNS)
                    )
                ).one()
                await _refresh_last_value(conn, feed_id)
                if rollups:
                    for at in {old.created_at, row.created_at}:
                        await rebuild(conn, feed_id, at, at + 1)
                return _datum(row)
        return None

    async def feeds_holding(self, ids: Sequence[str]) -> dict[str, int]:
        """Which of ``ids`` are stored, and in which feed: id -> feed id."""
        async with self.db.connect() as conn:
            rows = await conn.execute(select(data.c.id, data.c.feed_id).where(data.c.id.in_(ids)))
            return {r[0]: r[1] for r in rows}

    async def keep_newest(self, feed_id: int) -> None:
        """Delete every point of the feed but its newest (its history was turned off), once
        its rollups hold them."""
        async with self.db.begin() as conn:
            if self.postgres:  # the order every writer locks in: rounds, feed row, rollups
                await hold_rounds(conn)
                await conn.execute(_LOCK_FEED, {"feed": feed_id})
            marks = await rollups.flush(conn, postgres=self.postgres, only=feed_id)
            await rollups.unmark(conn, marks)
            await conn.execute(_KEEP_NEWEST, {"feed": feed_id})
            left = select(func.count()).select_from(data).where(data.c.feed_id == feed_id)
            count = left.scalar_subquery()
            await conn.execute(update(feeds).where(feeds.c.id == feed_id).values(data_count=count))

    async def delete(self, feed_id: int, datum_id: str, *, rollups: bool = True) -> bool:
        """Delete a point; with ``rollups``, recompute the rollups of its time."""
        async with self.db.begin() as conn:
            if rollups and self.postgres:
                await hold_rounds(conn)
            for where in self._locate(feed_id, datum_id):
                gone = (
                    await conn.execute(delete(data).where(where).returning(data.c.created_at))
                ).first()
                if gone is not None:
                    break
            else:
                return False
            await conn.execute(
                update(feeds)
                .where(feeds.c.id == feed_id)
                .values(data_count=case((feeds.c.data_count > 0, feeds.c.data_count - 1), else_=0))
            )
            await _refresh_last_value(conn, feed_id)
            if rollups:
                await rebuild(conn, feed_id, gone.created_at, gone.created_at + 1)
        return True

    async def rebuild_rollups(self, feed_id: int, start: int, end: int) -> None:
        """Recompute a feed's rollups over [start, end) from its raw points (``stonechat
        rollups rebuild``), in one transaction."""
        async with self.db.begin() as conn:
            await rebuild(conn, feed_id, start, end)

    async def flush_rollups(self, only: int = 0) -> None:
        """Bring the rollups of every marked feed (or of the feed ``only``) up to date
        (storage/rollups.py ``flush``)."""
        if not self.postgres and not only:
            # On SQLite the writer merges every point at once (batch_writer.py RECENT_MS):
            # marks are left only by an older version. A round that finds none must not
            # take the write lock at all; a mark set after this read waits for the next.
            async with self.db.connect() as conn:
                if not await rollups.any_marked(conn):
                    return
        await rollups.bring_up_to_date(self.db, only)

    async def chart(
        self, feed_id: int, grain: str, *, start: int, end: int, step: int, field: str
    ) -> list[tuple[int, Any]]:
        """One ``(bucket start ms, aggregate)`` row per chart bucket of ``step`` ms holding
        data, oldest first, read from the rollups of ``grain`` (brought up to date first)."""
        async with self.db.connect() as conn:  # the usual case: up to date, one connection
            if not await rollups.marked(conn, feed_id):
                return await rollups.chart(
                    conn, feed_id, grain, start=start, end=end, step=step, field=field
                )
        await self.flush_rollups(feed_id)
        async with self.db.connect() as conn:
            return await rollups.chart(
                conn, feed_id, grain, start=start, end=end, step=step, field=field
            )


async def _refresh_last_value(conn: Any, feed_id: int) -> None:
    newest = (
        await conn.execute(
            select(data.c.value, data.c.created_at)
            .where(data.c.feed_id == feed_id)
            .order_by(data.c.created_at.desc(), data.c.id.desc())
            .limit(1)
        )
    ).first()
    await conn.execute(
        update(feeds)
        .where(feeds.c.id == feed_id)
        .values(
            last_value=newest.value if newest else None,
            last_value_at=newest.created_at if newest else None,
        )
    )
