"""A storage outage, told in two log lines: one when writes start failing, one when they
work again.

While the database is unreachable or its disk is full every batch of points fails at once
with ``Unavailable``. Logging each failure wrote one traceback per point (11,477 error lines
for an 8 s PostgreSQL restart); the cause is the same for all of them, so it is told once,
and the end says how long it lasted and how many points were refused meanwhile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from stonechat.storage.errors import describe

log = logging.getLogger(__name__)


class Outage:
    """Whether writes are failing now, since when, and what they refused meanwhile."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.since: float | None = None
        self.count = 0  # outages begun since the server started
        self.refused = 0  # points refused in the current (or last) outage

    @property
    def active(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException, points: int) -> None:
        """A batch of ``points`` could not be stored because of ``error`` (``Unavailable``)."""
        if self.since is None:
            self.since = self._clock()
            self.count += 1
            self.refused = 0
            log.warning(
                "cannot store data, refusing it until storage works again: %s",
                describe(error.__cause__ or error),
            )
        self.refused += points

    def ended(self) -> None:
        """A batch was stored: if writes were failing, say that they work again."""
        if self.since is None:
            return
        seconds = self._clock() - self.since
        self.since = None
        log.warning(
            "storing data again after %.1f s; %d points were refused meanwhile",
            seconds,
            self.refused,
        )
