"""What travels on the bus."""

from __future__ import annotations

from dataclasses import dataclass

from stonechat.domain.records import Datum, Feed


@dataclass(slots=True, frozen=True)
class FeedEvent:
    """A data point that has been committed to storage."""

    username: str
    feed: Feed
    datum: Datum
    # Points written together (one request, one MQTT publish) share a batch number, so a
    # group update reaches group subscribers as one message (mqtt-api.md §5.3).
    batch: int = 0
