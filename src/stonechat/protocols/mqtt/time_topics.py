"""The time topics: ``time/seconds``, ``time/millis``, ``time/ISO-8601`` every second and
``time/hours`` every hour (mqtt-api.md §4), published by each process to its own
subscribers."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from stonechat.domain.timestamps import iso_ms, now_ms
from stonechat.protocols.mqtt.failures import delivery_failed
from stonechat.protocols.mqtt.messages import Encodings, Message

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.registry import Registry

# Where in each second the time topics are published (see ``publish_time``).
TICK_PHASE = 0.5


async def publish_time(registry: Registry) -> None:
    """``time/seconds``, ``time/millis``, ``time/ISO-8601`` each second; ``time/hours``.

    Each tick is sent half-way through its second and carries the clock as it is then,
    milliseconds included: a timer that wakes a little early or late (uvloop rounds to
    the millisecond) neither skips nor repeats a second, and ``millis`` is real time,
    not a rounded one. Each second is published once, in order.
    """
    last_hour = -1
    second = int(time.time()) + 1
    while True:
        await asyncio.sleep(max(0.0, second + TICK_PHASE - time.time()))
        ms = max(now_ms(), second * 1000)  # never a second already published
        second = ms // 1000 + 1  # each second once, in order
        payloads = {
            "seconds": str(ms // 1000),
            "millis": str(ms),
            "ISO-8601": iso_ms(ms),
        }
        hour = (ms // 3_600_000) % 24
        if hour != last_hour:
            payloads["hours"] = str(hour)
            last_hour = hour
        for name, payload in payloads.items():
            subs = registry.time.get(name)
            if not subs:
                continue
            msg = Message(f"time/{name}", payload.encode(), 0)
            cache: Encodings = {}
            for (session, _filter), sub in list(subs.items()):
                try:
                    session.deliver(msg, sub, cache)
                except Exception as error:
                    delivery_failed(session, error)
