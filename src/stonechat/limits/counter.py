"""Per-user counts of data points in the current one-minute window."""

from __future__ import annotations

import time


class MinuteCounter:
    """Counts actions per user in fixed one-minute windows (in-process)."""

    def __init__(self) -> None:
        self._window = 0
        self._counts: dict[int, int] = {}

    def _roll(self) -> None:
        window = int(time.time() // 60)
        if window != self._window:
            self._window = window
            self._counts = {}

    def add(self, user_id: int, n: int = 1) -> None:
        self._roll()
        self._counts[user_id] = self._counts.get(user_id, 0) + n

    def current(self, user_id: int) -> int:
        self._roll()
        return self._counts.get(user_id, 0)
