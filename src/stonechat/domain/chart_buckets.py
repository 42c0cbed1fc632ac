"""Which rollups a chart reads: the coarsest grain that still gives its resolution.

A chart bucket of ``minutes`` is made of whole rollup buckets of the coarsest grain whose
length divides it (a 2-hour bucket: two hourly rollups; a 5-minute bucket: five per-minute
ones), so a chart reads about as many rows as it has buckets, whatever its range. Chart
buckets start at multiples of their length from the epoch (UTC), as rollups do.

When that grain's rollups no longer reach back to the chart's start (per-minute rollups are
kept 90 days by default), the buckets grow to the next grain that does, and the chart says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stonechat.domain.retention import GRAIN_MS, GRAINS, Retention

MINUTE_MS = GRAIN_MS["minute"]
_HOUR = GRAIN_MS["hour"] // MINUTE_MS
_DAY = GRAIN_MS["day"] // MINUTE_MS


@dataclass(frozen=True, slots=True)
class ChartPlan:
    minutes: int  # length of a chart bucket
    grain: str  # the rollups it reads
    note: str | None = None  # why the buckets are coarser than asked

    @property
    def step(self) -> int:
        return self.minutes * MINUTE_MS


def rounded_to_grain(minutes: int) -> int:
    """Past 16 hours (the longest of Adafruit IO's resolutions), a bucket length rounded up
    to whole days, so long ranges read daily rollups."""
    if minutes > 16 * _HOUR:
        return math.ceil(minutes / _DAY) * _DAY
    return minutes


def grain_for(minutes: int) -> str:
    """The coarsest rollup grain whose buckets tile a chart bucket of ``minutes``."""
    return next(g for g in reversed(GRAINS) if minutes * MINUTE_MS % GRAIN_MS[g] == 0)


def plan(minutes: int, start: int, retention: Retention, now: int) -> ChartPlan:
    """The buckets and rollups of a chart from ``start`` with buckets of ``minutes``."""
    grain = grain_for(minutes)
    for coarser in GRAINS[GRAINS.index(grain) :]:
        cutoff = retention.cutoff(coarser, now)
        if cutoff is None or cutoff <= start:
            if coarser == grain:
                return ChartPlan(minutes, grain)
            size = GRAIN_MS[coarser] // MINUTE_MS
            return ChartPlan(
                math.ceil(minutes / size) * size,
                coarser,
                f"{grain} summaries are kept {retention.days(grain)} days: "
                f"this range is drawn from {coarser} summaries",
            )
    return ChartPlan(
        minutes, grain, "part of this range is older than every summary this feed keeps"
    )
