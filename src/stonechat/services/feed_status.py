"""Feed status: a feed with ``status_notify`` on that gets no data for ``status_timeout``
minutes turns offline, and its owner hears of it; its next point turns it online again.

One process of an installation watches: the holder of the "feed status" role
(``storage.leader``: a PostgreSQL advisory lock of its own, next to the actions engine's;
on SQLite the only process). A lock of its own rather than a seat in the engine: the
watcher shares nothing with the engine but the "one process" rule, and the lock already
gives exactly that. Every ``check_seconds`` it asks the database for the feeds that went
quiet (``FeedStatusStore.due``), marks each offline (a conditional update: a point
committed in between wins), records the change, emails the owner (when the owner has an
email address and email is set up) and says it on ``{user}/errors`` through ``notify``
(the runtime wires it to the broker, which carries it to every process over the bus).

Committed points reach the watcher through the bus from every process; a point of a feed
it holds offline turns that feed online again, with a change recorded and a notice on
``{user}/errors``, but no email (one email per outage: the notice says it is back).
Between two holders (the role moving), a point may be missed; the next one turns the
feed online.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from stonechat.actions.errors import DeliveryFailed
from stonechat.actions.mail import Mailer
from stonechat.bus.base import FanOutBus
from stonechat.bus.events import FeedEvent
from stonechat.domain.records import Feed
from stonechat.domain.timestamps import iso
from stonechat.storage.feed_status import FeedStatusStore
from stonechat.storage.leader import LeaderLock
from stonechat.storage.users import UserStore

log = logging.getLogger(__name__)

ROLE = "feed status"
CHECK_SECONDS = 30.0  # default interval between two checks (and tries to take the role)
MAX_SENDING = 10  # emails on their way at the same time

Notify = Callable[[str, str], None]  # (username, text) for {username}/errors


class FeedStatusWatcher:
    def __init__(
        self,
        store: FeedStatusStore,
        users: UserStore,
        bus: FanOutBus,
        lock: LeaderLock,
        mailer: Mailer | None,
        notify: Notify | None = None,
        *,
        check_seconds: float = CHECK_SECONDS,
        public_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.users = users
        self.bus = bus
        self.lock = lock
        self.mailer = mailer
        self.notify = notify
        self.check_seconds = check_seconds
        self.public_url = public_url
        self.clock = clock
        self.leading = False
        self.offline: set[int] = set()  # feeds this watcher holds offline
        self.stats: dict[str, int] = {"offline": 0, "online": 0, "emails": 0, "failed": 0}
        self._back: set[int] = set()  # offline feeds that got a point, to turn online
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_SENDING)

    def _now(self) -> int:
        return int(self.clock() * 1000)

    # -- life ----------------------------------------------------------------------------

    async def start(self) -> None:
        self.bus.subscribe(self._on_points)
        self._tasks = [
            asyncio.create_task(self._watch(), name="feed-status-watch"),
            asyncio.create_task(self._revive(), name="feed-status-online"),
        ]

    async def close(self) -> None:
        self.bus.unsubscribe(self._on_points)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.leading = False
        if self._sending:
            await asyncio.wait(self._sending, timeout=10)
        await self.lock.release()

    async def _watch(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:
                log.exception("feed status: the check failed")
            await asyncio.sleep(self.check_seconds)

    async def step(self) -> None:
        """Hold the role (or notice it lost), then turn the feeds that went quiet offline."""
        held = await self.lock.try_hold()
        if held and not self.leading:
            self.offline = await self.store.offline_ids()
            self.leading = True
        elif not held:
            self.leading = False
            self.offline = set()
        if self.leading:
            await self.check()

    async def check(self) -> int:
        """Turn every due feed offline; returns how many."""
        now = self._now()
        count = 0
        for feed in await self.store.due(now):
            if await self.store.mark_offline(feed, now):
                self.offline.add(feed.id)
                count += 1
                self.stats["offline"] += 1
                await self._tell_offline(feed)
        return count

    # -- points --------------------------------------------------------------------------

    def _on_points(self, events: list[FeedEvent]) -> None:
        """Bus listener (must not block): note offline feeds that got a point."""
        if not self.leading:
            return
        back = {e.feed.id for e in events if e.feed.id in self.offline}
        if back:
            self._back |= back  # bounded by the number of offline feeds
            self._wake.set()

    async def _revive(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            back, self._back = self._back, set()
            for feed_id in back:
                try:
                    await self._online(feed_id)
                except Exception:
                    log.exception("feed status: feed %d could not be turned online", feed_id)

    async def _online(self, feed_id: int) -> None:
        self.offline.discard(feed_id)
        if not await self.store.mark_online(feed_id, self._now()):
            return
        self.stats["online"] += 1
        feed = await self.store.feed(feed_id)
        owner = await self.users.by_id(feed.user_id) if feed else None
        if feed is not None and owner is not None and self.notify is not None:
            self.notify(owner.username, f"feed {feed.full_key} is online again")

    # -- telling the owner ---------------------------------------------------------------

    async def _tell_offline(self, feed: Feed) -> None:
        owner = await self.users.by_id(feed.user_id)
        if owner is None:
            return
        since = iso(feed.last_value_at) if feed.last_value_at is not None else "never"
        text = (
            f"feed {feed.full_key} is offline: no data for {feed.status_timeout} minutes "
            f"(last at {since})"
        )
        if self.notify is not None:
            self.notify(owner.username, text)
        if owner.email and self.mailer is not None and self.mailer.configured:
            # Sent aside (retries wait minutes on a slow server); bounded by MAX_SENDING.
            task = asyncio.create_task(self._email(owner.email, owner.username, feed, since))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _email(self, to: str, username: str, feed: Feed, since: str) -> None:
        assert self.mailer is not None
        async with self._slots:
            link = f"{self.public_url.rstrip('/')}/feeds/{feed.full_key}" if self.public_url else ""
            body = "\n".join(
                [
                    f"Hello {username},",
                    "",
                    f"Your feed {feed.name} ({feed.full_key}) has had no data for "
                    f"{feed.status_timeout} minutes; its last point came at {since}.",
                    "It is marked offline until its next point arrives.",
                    *(["", link] if link else []),
                    "",
                    "You get this email because the feed has status notifications on.",
                ]
            )
            try:
                await self.mailer.send(to, f"Feed {feed.name} is offline", body)
                self.stats["emails"] += 1
            except DeliveryFailed as error:
                self.stats["failed"] += 1
                log.warning("feed status: email to the owner of feed %d: %s", feed.id, error)
