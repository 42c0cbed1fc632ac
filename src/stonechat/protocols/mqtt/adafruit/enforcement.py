"""Rate limits and bans on the broker (mqtt-api.md §1, §3.5, §7).

- A publish over the data rate is dropped: MQTT 5 QoS 1 gets PUBACK 0x97 (quota exceeded),
  3.1.1 a plain PUBACK (it has no failure code). Adafruit's sentence goes to
  ``{username}/throttle`` (what CircuitPython and Arduino clients expect there) and the same
  facts as JSON to ``{username}/throttle/json``.
- Events that can ban (failed sign-ins, SUBSCRIBEs, failed SUBSCRIBEs and PUBLISHes,
  throttled publishes) are counted by the limiter; a ban is announced on
  ``{username}/errors`` (and as JSON on ``{username}/throttle/json``). While banned, every
  PUBLISH and SUBSCRIBE is refused ("user is temporarily blocked") and CONNECT gets
  CONNACK 7 (3.1.1, as the Arduino library reads it) or 0x8A Banned (MQTT 5); the failed
  sign-in that crosses the rate gets CONNACK 6 or 0x9F (connection rate exceeded).
- Storage failures are never the client's doing and count toward nothing (replies.py).
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING, Any

import orjson

from stonechat.domain.errors import Throttled
from stonechat.domain.timestamps import iso
from stonechat.limits.constants import CONNECTS, DATA_WINDOW_SECONDS, THROTTLED_PUBLISHES
from stonechat.limits.limiter import Ban, ban_message
from stonechat.protocols.mqtt.codec import Publish, ReasonCode
from stonechat.protocols.mqtt.notices import publish_error, publish_notice
from stonechat.protocols.mqtt.replies import ConnectRefusal, acknowledge, reason_for

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services

log = logging.getLogger(__name__)

BLOCKED = "rejected, user is temporarily blocked"


class Enforcement:
    """Bans and the data rate on the broker (see the module docstring)."""

    def __init__(self, broker: BrokerState, services: Services) -> None:
        self.broker = broker
        self.services = services
        self.limiter = services.limiter
        self._tasks: set[asyncio.Task[None]] = set()

    # -- bans ------------------------------------------------------------------------------

    def blocked(self, username: str) -> bool:
        """Whether ``username`` is banned now: a dict lookup, nothing when nobody is."""
        return bool(self.limiter.banned) and self.limiter.banned_for(username) > 0

    def count(self, event: str, username: str) -> None:
        """Count an event that may ban, without holding up the packet that caused it."""
        if not self.limiter.watches(event):
            return
        task = asyncio.get_running_loop().create_task(self._count(event, username))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _count(self, event: str, username: str) -> None:
        try:
            ban = await self.limiter.record(event, username)
        except Exception:
            log.warning("could not count %s of %s", event, username, exc_info=True)
            return
        if ban is not None:
            self.announce(ban)

    def announce(self, ban: Ban) -> None:
        self.broker.stats["bans"] += 1
        message = ban_message(ban.seconds)
        publish_error(self.broker, ban.username, message)
        self._json(
            ban.username,
            {
                "type": "ban",
                "reason": ban.reason,
                "username": ban.username,
                "seconds": ban.seconds,
                "retry_after": ban.seconds,
                "until": iso(math.ceil(ban.until * 1000)),
                "message": message,
            },
        )

    def admit(self, username: str) -> ConnectRefusal | None:
        """Before authenticating a CONNECT: ``banned`` while a ban of ``username`` runs."""
        if self.blocked(username):
            self.broker.stats["banned_connects"] += 1
            return "banned"
        return None

    async def failed_sign_in(self, username: str) -> ConnectRefusal | None:
        """Count a CONNECT whose credentials were wrong; ``rate`` when that crossed the
        connection rate (the attempt is refused for it, and the user banned).

        Only failures count: a fleet of one user's devices reconnecting at once after a
        restart is not abuse, a flood of wrong keys is."""
        if not self.limiter.watches(CONNECTS):
            return None
        ban = await self.limiter.record(CONNECTS, username)
        if ban is None:
            return None
        self.announce(ban)
        return "rate"

    def refuse_publish(self, conn: Connection, packet: Publish) -> None:
        """A PUBLISH from a banned user: reported, refused, not counted again."""
        self.broker.stats["blocked_publishes"] += 1
        session = conn.session
        if session is not None:
            publish_error(
                self.broker,
                session.user.username,
                f"{session.client_id} {conn.peer} PUBLISH {packet.topic} {BLOCKED}",
            )
        acknowledge(conn, packet, ReasonCode.NOT_AUTHORIZED)

    def refuse_subscribe(self, conn: Connection, topic_filter: str) -> None:
        self.broker.stats["blocked_subscribes"] += 1
        session = conn.session
        if session is not None:
            publish_error(
                self.broker,
                session.user.username,
                f"{session.client_id} {conn.peer} SUBSCRIBE {topic_filter} {BLOCKED}",
            )

    # -- data rate -------------------------------------------------------------------------

    def throttled(self, conn: Connection, packet: Publish, error: Throttled) -> None:
        """A publish over the data rate: dropped, acknowledged 0x97, announced."""
        self.broker.stats["throttled_publishes"] += 1
        acknowledge(conn, packet, reason_for(error))  # 0x97 quota exceeded
        session = conn.session
        if session is None:
            return
        username = session.user.username
        seconds = max(1, math.ceil(error.retry_after))
        publish_notice(self.broker, username, "throttle", error.message.encode())
        until_ms = math.ceil(self.limiter.now() * 1000) + seconds * 1000
        self._json(
            username,
            {
                "type": "throttle",
                "reason": "data_rate",
                "username": username,
                "limit": error.limit,
                "window_seconds": DATA_WINDOW_SECONDS,
                "retry_after": seconds,
                "until": iso(until_ms),
                "topic": packet.topic,
                "client_id": session.client_id,
                "message": error.message,
            },
        )
        self.count(THROTTLED_PUBLISHES, username)

    def _json(self, username: str, notice: dict[str, Any]) -> None:
        publish_notice(self.broker, username, "throttle/json", orjson.dumps(notice))
