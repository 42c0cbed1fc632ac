"""The ingest writer tells an outage from one bad value (services/ingest.py ``_commit``).

A scripted batch writer stands in for the database: it fails as the real ones do once
``storage.errors`` has translated their errors (``Unavailable``: nothing can be stored now;
``Invalid``: the database refuses one value). The real databases failing are in
tests/protocols/mqtt/adafruit/test_mqtt_storage_failure.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest

from stonechat.bus.events import FeedEvent
from stonechat.bus.memory import MemoryBus
from stonechat.domain.errors import Invalid, Unavailable
from stonechat.domain.points import PointInput
from stonechat.domain.records import Feed, User
from stonechat.limits.counter import MinuteCounter
from stonechat.services.ingest import IngestService, Stored
from stonechat.storage.data import NewDatum
from stonechat.storage.database import Database

USER = User(1, "ada", None, False, None, None, 0, 0)
FEED = Feed(1, 1, 1, "default", True, "f", "f", None, None, None, True, "private", None, False,
            0, None, None, 0, 0, 0)  # fmt: skip


class ScriptedWriter:
    """Fails each write as ``fail(values)`` says (an exception, or None to store)."""

    def __init__(self, fail: Callable[[list[str]], Exception | None]) -> None:
        self.fail = fail
        self.calls: list[list[str]] = []

    async def write(self, points: Sequence[NewDatum]) -> None:
        values = [p.datum.value for p in points]
        self.calls.append(values)
        error = self.fail(values)
        if error is not None:
            raise error

    async def close(self) -> None:
        return None


def outage() -> Unavailable:
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError as cause:
        try:
            raise Unavailable("the database is not reachable right now") from cause
        except Unavailable as error:
            return error


@pytest.fixture
async def ingest(tmp_path: Path) -> AsyncIterator[IngestService]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")
    service = IngestService(db, MemoryBus(), MinuteCounter())
    await service.writer.close()
    await service.start()
    yield service
    await service.stop()
    await db.engine.dispose()


def submit(ingest: IngestService, *values: str) -> list[asyncio.Future[None]]:
    """One submission per value, queued in one loop turn: the writer takes them as a batch."""
    futures = []
    loop = asyncio.get_running_loop()
    for value in values:
        future: asyncio.Future[None] = loop.create_future()
        waiting = ingest.enqueue(USER, [(FEED, PointInput(value))], then=told(future))
        assert waiting is None  # room in the queue: no waiting
        futures.append(future)
    return futures


def told(future: asyncio.Future[None]) -> Stored:
    """The enqueue callback as a future (called once: a second call would raise here)."""

    def then(error: BaseException | None) -> None:
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    return then


async def outcomes(futures: list[asyncio.Future[None]]) -> list[type | None]:
    results = await asyncio.gather(*futures, return_exceptions=True)
    return [type(r) if isinstance(r, BaseException) else None for r in results]


async def test_an_outage_fails_the_whole_batch_at_once_and_is_logged_twice(
    ingest: IngestService, caplog: pytest.LogCaptureFixture
) -> None:
    down = True
    writer = ScriptedWriter(lambda _values: outage() if down else None)
    ingest.writer = writer
    published: list[FeedEvent] = []
    ingest.bus.subscribe(published.extend)
    caplog.set_level(logging.INFO)

    assert await outcomes(submit(ingest, *[f"p{i}" for i in range(5)])) == [Unavailable] * 5
    assert writer.calls == [["p0", "p1", "p2", "p3", "p4"]]  # one try, not one per submission
    assert await outcomes(submit(ingest, "p5", "p6")) == [Unavailable] * 2
    assert ingest.outage.active and ingest.outage.count == 1
    down = False
    assert await outcomes(submit(ingest, "p7")) == [None]  # resumes by itself
    assert not ingest.outage.active
    assert [e.datum.value for e in published] == ["p7"]

    lines = [r for r in caplog.records if r.name.startswith("stonechat")]
    assert [r.levelno for r in lines] == [logging.WARNING, logging.WARNING], caplog.text
    assert "cannot store data" in lines[0].getMessage()
    assert "ConnectionRefusedError" in lines[0].getMessage()  # the cause, once
    assert "7 points were refused" in lines[1].getMessage()
    assert all(r.exc_info is None for r in lines)  # no traceback


async def test_one_value_the_database_refuses_fails_alone(
    ingest: IngestService, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(values: list[str]) -> Exception | None:
        return Invalid("a value the database cannot hold") if "bad" in values else None

    writer = ScriptedWriter(fail)
    ingest.writer = writer
    published: list[FeedEvent] = []
    ingest.bus.subscribe(published.extend)

    assert await outcomes(submit(ingest, "a", "bad", "c")) == [None, Invalid, None]
    assert writer.calls == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]
    assert sorted(e.datum.value for e in published) == ["a", "c"]
    assert not ingest.outage.active
    assert "Traceback" not in caplog.text


async def test_an_outage_that_begins_while_isolating_stops_trying(
    ingest: IngestService,
) -> None:
    def fail(values: list[str]) -> Exception | None:
        return Invalid("refused") if len(values) > 1 else outage()

    writer = ScriptedWriter(fail)
    ingest.writer = writer
    results = await outcomes(submit(ingest, "a", "b", "c", "d"))
    assert results == [Unavailable] * 4
    assert writer.calls == [["a", "b", "c", "d"], ["a"]]  # the others are not tried one by one
    assert ingest.outage.active and ingest.outage.refused == 4


async def test_an_unexpected_error_is_logged_and_not_a_refusal(
    ingest: IngestService, caplog: pytest.LogCaptureFixture
) -> None:
    ingest.writer = ScriptedWriter(lambda _values: KeyError("a bug"))
    assert await outcomes(submit(ingest, "a")) == [Unavailable]  # not the client's fault
    assert "could not store 1 points" in caplog.text
