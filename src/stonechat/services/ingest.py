"""The ingest pipeline: validate, persist with group commit, answer, publish.

Every data write (REST single, batch, group, webhook, MQTT) comes through ``services.writes``,
which resolves the feeds, asks the access policy and counts the data rate, then calls
``IngestService.store`` or ``enqueue``. Points are validated and queued; the writer task
takes whatever is queued, stores it in one transaction with a multi-row insert, resolves the
waiting callers, then publishes the stored points on the bus.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from stonechat.bus.base import Bus
from stonechat.bus.events import ANY_QOS, FeedEvent, Origin
from stonechat.domain.errors import Invalid, Unavailable
from stonechat.domain.ids import UlidGenerator
from stonechat.domain.points import FUTURE_MESSAGE, PointInput, location_of
from stonechat.domain.records import Datum, Feed, User
from stonechat.domain.timestamps import now_ms, parse_time
from stonechat.domain.values import check_size, numeric, value_to_text
from stonechat.limits.counter import MinuteCounter
from stonechat.limits.limiter import Limiter, LimiterConfig
from stonechat.services.outage import Outage
from stonechat.storage.batch_writer import batch_writer
from stonechat.storage.data import NewDatum
from stonechat.storage.database import Database
from stonechat.storage.errors import RETRY_AFTER, UNAVAILABLE

log = logging.getLogger(__name__)


# Told once what became of queued points: None once committed, else the error.
Stored = Callable[[BaseException | None], None]


@dataclass(slots=True)
class _Submission:
    username: str
    user_id: int
    feeds: list[Feed]
    points: list[NewDatum]
    # How the caller learns the outcome: a future it awaits (``store``), or a callback
    # the writer calls straight after the commit (``enqueue``: no future, no extra event
    # loop callback per point).
    done: asyncio.Future[None] | Stored
    qos: int = ANY_QOS
    origin: Origin | None = None
    chain: int = 0  # written by an action (see ``FeedEvent.chain``)


class IngestService:
    def __init__(
        self,
        db: Database,
        bus: Bus,
        counter: MinuteCounter,
        *,
        limiter: Limiter | None = None,
        queue_size: int = 10_000,
        batch_size: int = 1_000,
    ) -> None:
        self.db = db
        self.writer = batch_writer(db)
        self.bus = bus
        self.counter = counter
        self.limiter = limiter or Limiter(LimiterConfig(data_rate_limit=0, bans=False))
        self.batch_size = batch_size
        self._queue: asyncio.Queue[_Submission | None] = asyncio.Queue(maxsize=queue_size)
        self._ids = UlidGenerator()
        self._task: asyncio.Task[None] | None = None
        self.outage = Outage()  # writes failing now: since when, how many points refused
        self.batches = 0
        self.submissions = 0
        self.points = 0
        # Called after each committed batch with its points and the commit's seconds
        # (the metrics' histograms); once per batch, never per point.
        self.on_commit: Callable[[int, float], None] | None = None

    @property
    def queued(self) -> int:
        """Submissions waiting for the writer."""
        return self._queue.qsize()

    async def start(self) -> None:
        """Start the writer, and the limiter's refresh of per-user limits and bans."""
        await self.limiter.start()
        self._task = asyncio.create_task(self._run(), name="ingest-writer")

    async def stop(self) -> None:
        """Finish what is queued, then stop the writer."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None
        await self.writer.close()
        await self.limiter.stop()

    def prepare(self, feed: Feed, point: PointInput, now: int) -> NewDatum:
        """Validate one point for ``feed``: value, size, location, time (rest-api.md §7)."""
        text = value_to_text(point.value)
        check_size(text, feed.history)
        if point.lat is None and point.lon is None and point.ele is None:
            lat = lon = ele = None  # the common case, without three lookups
        else:
            lat, lon, ele = location_of(point.lat, point.lon, point.ele)
        if point.created_at is not None:
            created = parse_time(point.created_at, "created_at")
        elif point.epoch is not None:
            created = parse_time(point.epoch, "epoch")
        else:
            created = now
        if created > now:
            raise Invalid(FUTURE_MESSAGE)
        datum = Datum(
            id=self._ids.new(created),
            feed_id=feed.id,
            value=text,
            lat=lat,
            lon=lon,
            ele=ele,
            created_at=created,
            updated_at=now,
        )
        return NewDatum(datum=datum, value_num=numeric(text), history=feed.history)

    def _submission(
        self,
        user: User,
        items: Sequence[tuple[Feed, PointInput]],
        done: asyncio.Future[None] | Stored | None,
        qos: int = ANY_QOS,
        origin: Origin | None = None,
    ) -> _Submission:
        if self._task is None:
            raise Unavailable("the server is not accepting data right now")
        now = now_ms()
        return _Submission(
            user.username,
            user.id,
            [feed for feed, _ in items],
            [self.prepare(feed, point, now) for feed, point in items],
            self._task.get_loop().create_future() if done is None else done,
            qos,
            origin,
        )

    async def store(
        self,
        owner: User,
        items: Sequence[tuple[Feed, PointInput]],
        qos: int = ANY_QOS,
        chain: int = 0,
    ) -> list[Datum]:
        """Validate and store points of ``owner``'s feeds; returns after they are committed.

        Callers go through ``services.writes`` (the access policy and the data rate are
        checked there, before anything changes). Validation errors are raised before
        anything is stored: a batch is all or nothing. ``qos``: the QoS the points go out
        at (an MQTT will's); other writes go at each subscription's QoS. ``chain``: the
        points are an action's output, that many runs deep.
        """
        submission = self._submission(owner, items, None, qos)
        submission.chain = chain
        if not submission.points:
            return []
        await self._queue.put(submission)  # a full queue makes writers wait here
        assert isinstance(submission.done, asyncio.Future)
        await submission.done
        return [p.datum for p in submission.points]

    def enqueue(
        self,
        owner: User,
        items: Sequence[tuple[Feed, PointInput]],
        then: Stored,
        qos: int = ANY_QOS,
        origin: Origin | None = None,
    ) -> Coroutine[Any, Any, None] | None:
        """Like ``store`` without awaiting the commit: ``then`` is called once, right after
        the batch holding these points was committed (with None) or failed (with the error).

        For callers that must not block (the MQTT broker). When the queue has room this
        returns None at once; when it is full it returns a coroutine that waits for room
        (the caller stops reading from its client meanwhile: back-pressure). ``qos`` and
        ``origin`` (the MQTT PUBLISH's) travel with the points to the subscribers.
        """
        submission = self._submission(owner, items, then, qos, origin)
        try:
            self._queue.put_nowait(submission)
        except asyncio.QueueFull:
            return self._queue.put(submission)
        return None

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            size = len(first.points)
            stopping = False
            while size < self.batch_size and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
                size += len(item.points)
            await self._commit(batch)
            if stopping:
                return

    async def _commit(self, batch: list[_Submission]) -> bool:
        """Store ``batch`` in one transaction, then answer its callers and publish it.

        Two kinds of failure are told apart. When nothing can be stored now (``Unavailable``:
        the database unreachable, its disk full) the whole batch fails at once with it and
        the outage is logged once, not per batch; the next batch tries again, so writes resume
        by themselves. When the database refuses something (``Invalid``, or an unexpected
        error) each submission is tried alone, so one bad point does not sink the others.
        Returns False when an outage stopped the batch.
        """
        points = [p for s in batch for p in s.points]
        started = time.perf_counter()
        try:
            await self.writer.write(points)
        except Unavailable as error:
            self._unavailable(batch, error)
            return False
        except Exception as error:
            if len(batch) == 1:
                self._refuse(batch[0], error)
                return True
            for index, submission in enumerate(batch):
                if not await self._commit([submission]):
                    self._unavailable(batch[index + 1 :], None)
                    return False
            return True
        if self.on_commit is not None:
            try:
                self.on_commit(len(points), time.perf_counter() - started)
            except Exception:  # metrics must never stop the writer
                log.exception("the commit callback failed")
        self.outage.ended()
        self.batches += 1
        events: list[FeedEvent] = []
        for submission in batch:
            self.submissions += 1
            self.points += len(submission.points)
            self.counter.add(submission.user_id, len(submission.points))
            _settle(submission, None)
            for feed, point in zip(submission.feeds, submission.points, strict=True):
                events.append(
                    FeedEvent(
                        submission.username,
                        feed,
                        point.datum,
                        self.submissions,
                        submission.qos,
                        submission.origin,
                        submission.chain,
                    )
                )
        await self.bus.publish(events)
        return True

    def _unavailable(self, batch: list[_Submission], error: Unavailable | None) -> None:
        """Fail every submission of ``batch``: nothing can be stored now."""
        if not batch:
            return
        if error is None:  # the rest of a batch an outage cut short
            error = Unavailable(UNAVAILABLE, RETRY_AFTER)
            self.outage.refused += sum(len(s.points) for s in batch)
        else:
            self.outage.failed(error, sum(len(s.points) for s in batch))
        for submission in batch:  # each caller its own exception to raise
            _settle(submission, Unavailable(error.message, error.retry_after))

    def _refuse(self, submission: _Submission, error: Exception) -> None:
        """Fail one submission the database would not take (alone, so it is this one's)."""
        if isinstance(error, Invalid):
            # The edge checks values first (domain.values, domain.text); this is the net.
            log.warning("the database refused %d points: %s", len(submission.points), error)
            failure: Exception = error
        else:
            log.exception("could not store %d points", len(submission.points))
            failure = Unavailable(f"could not store the data: {type(error).__name__}")
        _settle(submission, failure)


def _settle(submission: _Submission, error: BaseException | None) -> None:
    """Tell a submission's caller what became of its points (once)."""
    done = submission.done
    if isinstance(done, asyncio.Future):
        if not done.done():
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)
        return
    try:
        done(error)
    except Exception:  # one caller's failure never stops the writer or the others
        log.exception("telling a writer its points were stored failed")
