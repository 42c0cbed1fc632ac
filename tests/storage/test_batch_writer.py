"""The batch writer on both databases: every point of a batch stored as given, each feed's
count and last value right, whatever the batch size (SQLite cuts batches into multi-row
statements of a few sizes; PostgreSQL switches from INSERT over unnest to COPY)."""

from __future__ import annotations

import asyncio
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from db_seed import counts, open_db, point
from stonechat.storage.batch_writer import SQLITE_CHUNKS, batch_writer, chunks
from stonechat.storage.data import NewDatum

FEEDS = 3


@given(st.lists(st.tuples(st.integers(), st.text(max_size=3)), max_size=2_000))
def test_chunks_keep_every_row_in_order_in_the_fixed_sizes(rows: list[tuple[int, str]]) -> None:
    cut = list(chunks(rows))
    assert all(size in SQLITE_CHUNKS and len(params) == 2 * size for size, params in cut)
    assert [v for _, params in cut for v in params] == [v for row in rows for v in row]
    # Largest first, and never more of a size than fits in the next larger one.
    sizes = [size for size, _ in cut]
    assert sizes == sorted(sizes, reverse=True)
    for small, large in zip(SQLITE_CHUNKS[1:], SQLITE_CHUNKS, strict=False):
        assert sizes.count(small) * small < large


@pytest.mark.parametrize("size", [1, 7, 9, 73, 600, 1_100])
def test_a_batch_of_any_size_is_stored_exactly(url: str, size: int) -> None:
    rng = random.Random(size)
    base = 1_700_000_000_000
    # Several points per feed, out of time order, some at the same millisecond.
    batch: list[NewDatum] = [
        point(rng.randint(1, FEEDS), base + rng.randint(0, size // 2), f"v{i}") for i in range(size)
    ]

    async def go() -> None:
        db = await open_db(url, feeds=FEEDS)
        writer = batch_writer(db)
        try:
            await writer.write(batch)
            async with db.connect() as conn:
                rows = await conn.execute(text("SELECT id, feed_id, created_at, value FROM data"))
                got = {r[0]: (r[1], r[2], r[3]) for r in rows}
                feeds = await conn.execute(text("SELECT id, last_value FROM feeds"))
                last = {r[0]: r[1] for r in feeds}
            assert got == {
                p.datum.id: (p.datum.feed_id, p.datum.created_at, p.datum.value) for p in batch
            }
            expected_counts = {f: 0 for f in range(1, FEEDS + 1)}
            newest: dict[int, NewDatum] = {}
            for p in batch:
                d = p.datum
                expected_counts[d.feed_id] += 1
                best = newest.get(d.feed_id)
                if best is None or (d.created_at, d.id) > (best.datum.created_at, best.datum.id):
                    newest[d.feed_id] = p
            assert await counts(db) == expected_counts
            assert {f: last[f] for f in newest} == {f: p.datum.value for f, p in newest.items()}
        finally:
            await writer.close()
            await db.close()

    asyncio.run(go())


def test_a_feed_without_history_keeps_only_its_newest_point(url: str) -> None:
    """Feed 1 keeps history, feed 2 does not: after each batch, feed 2 holds its newest point
    only (a back-dated point never displaces a newer one), and its count is 1."""
    base = 1_700_000_000_000

    def off(p: NewDatum) -> NewDatum:
        return NewDatum(p.datum, p.value_num, history=False)

    batches = [
        [point(1, base, "a"), off(point(2, base, "b")), off(point(2, base + 5, "c"))],
        [off(point(2, base + 2, "back-dated")), point(1, base + 1, "d")],
        [off(point(2, base + 9, "e")), off(point(2, base + 9, "f"))],  # same millisecond
    ]

    async def go() -> None:
        db = await open_db(url, feeds=2)
        writer = batch_writer(db)
        try:
            seen: list[tuple[list[str], str, int]] = []
            for batch in batches:
                await writer.write(batch)
                async with db.connect() as conn:
                    rows = await conn.execute(
                        text("SELECT value FROM data WHERE feed_id = 2 ORDER BY created_at, id")
                    )
                    values = [r[0] for r in rows]
                    feed = (
                        await conn.execute(
                            text("SELECT last_value, data_count FROM feeds WHERE id = 2")
                        )
                    ).one()
                seen.append((values, feed[0], feed[1]))
            last_of_same_ms = max(batches[2], key=lambda p: p.datum.id).datum.value
            assert seen == [
                (["c"], "c", 1),
                (["c"], "c", 1),
                ([last_of_same_ms], last_of_same_ms, 1),
            ]
            assert (await counts(db))[1] == 2  # the feed with history keeps both its points
        finally:
            await writer.close()
            await db.close()

    asyncio.run(go())
