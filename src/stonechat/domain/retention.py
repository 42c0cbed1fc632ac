"""How long a feed keeps its points and their summaries: four tiers, per feed over defaults.

A feed keeps its raw points for ``raw`` days, and summaries of them (rollups,
``storage/rollups.py``) per minute for ``minute`` days, per hour for ``hour`` days and per day
for ``day`` days; ``None`` keeps them forever. The server's settings give the defaults; a feed
may override any tier (its JSON's ``retention`` object).

Each tier lasts at least as long as the one before it (raw <= minute <= hour <= day): an edit
of a stored point recomputes its minute from the raw points, its hour from the minutes and its
day from the hours, and these must all still be there. Each cutoff is rounded down to the tier
below's grain (raw to the minute, minute rollups to the hour, hour and day rollups to the
day), so a summary is only ever dropped whole and a minute's raw points all go at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from stonechat.domain.errors import Invalid

DAY_MS = 86_400_000
TIERS = ("raw", "minute", "hour", "day")
# A rollup's grain: its number in storage, and its length.
GRAINS = ("minute", "hour", "day")
GRAIN_MS = {"minute": 60_000, "hour": 3_600_000, "day": DAY_MS}
# What each tier's cutoff is rounded down to.
_CUTOFF_GRAIN = {"raw": 60_000, "minute": 3_600_000, "hour": DAY_MS, "day": DAY_MS}
MAX_DAYS = 100_000  # about 270 years: beyond it, say forever (null)

Overrides = Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class Retention:
    """Days each tier is kept; ``None``: forever."""

    raw: int | None = 30
    minute: int | None = 90
    hour: int | None = 730
    day: int | None = None

    def days(self, tier: str) -> int | None:
        return getattr(self, tier)  # type: ignore[no-any-return]

    def over(self, overrides: Overrides, *, strict: bool = False) -> Retention:
        """These defaults with a feed's own tiers on top. A tier shorter than the one before
        it lasts as long as that one: a default tier (``{"raw": null}`` keeps the summaries
        forever too), or, unless ``strict``, one of the feed's own (the defaults changed
        after it was set); with ``strict`` that is refused."""
        merged = self
        longest: int | None = 0
        for tier in TIERS:
            days = overrides[tier] if tier in overrides else self.days(tier)
            if days is not None and (longest is None or days < longest):
                if strict and tier in overrides:
                    raise Invalid(
                        "retention: each tier must be kept at least as long as the one before "
                        "it (raw <= minute <= hour <= day; null = forever): "
                        f"{tier} {days} is shorter than {longest or 'forever'}"
                    )
                days = longest
            merged = replace(merged, **{tier: days})
            longest = days
        return merged

    def cutoff(self, tier: str, now: int) -> int | None:
        """Everything of ``tier`` older than this goes (``None``: nothing does)."""
        days = self.days(tier)
        if days is None:
            return None
        step = _CUTOFF_GRAIN[tier]
        return (now - days * DAY_MS) // step * step

    def expiration(self, created_at: int) -> int | None:
        """When a raw point of this time goes (``None``: never)."""
        return None if self.raw is None else created_at + self.raw * DAY_MS

    def as_json(self) -> dict[str, int | None]:
        return {tier: self.days(tier) for tier in TIERS}


def parse_overrides(value: Any, defaults: Retention) -> dict[str, int | None]:
    """A feed's ``retention`` field: an object of tiers (days, or null for forever); the
    tiers it leaves out follow the defaults. ``null`` resets every tier to the defaults."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid('retention must be an object such as {"raw": 365, "day": null}')
    unknown = sorted(set(value) - set(TIERS))
    if unknown:
        raise Invalid(f"retention: unknown tier {unknown[0]!r}; tiers are {', '.join(TIERS)}")
    overrides: dict[str, int | None] = {}
    for tier, days in value.items():
        if days is not None and (
            isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS
        ):
            raise Invalid(
                f"retention.{tier} must be a whole number of days from 1 to {MAX_DAYS}, "
                "or null (forever)"
            )
        overrides[tier] = days
    defaults.over(overrides, strict=True)
    return overrides


def grain_start(at: int, grain: str) -> int:
    step = GRAIN_MS[grain]
    return at // step * step
