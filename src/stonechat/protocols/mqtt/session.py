"""Session state that outlives a connection: subscriptions and QoS 1/2 delivery.

Delivery keeps at most ``max_inflight`` unacknowledged QoS 1/2 messages per session (or the
client's Receive Maximum, if lower) and queues up to ``max_queued`` more; beyond that new
messages are dropped and counted, never buffered without bound.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from stonechat.domain.access import Principal
from stonechat.domain.records import User
from stonechat.protocols.mqtt.codec import (
    EMPTY_PROPERTIES,
    Properties,
    Will,
    encode_properties,
    encode_publish,
    publish_with_packet_id,
)
from stonechat.protocols.mqtt.messages import (
    Message,
    Subscription,
    message_from_state,
    message_state,
)

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection


@dataclass(slots=True)
class Inflight:
    packet: bytes  # the encoded PUBLISH with its packet id
    qos: int
    released: bool = False  # QoS 2: PUBREC received and PUBREL sent
    share: Any = None  # sent through a shared subscription (see ``Message.share``)


class Session:
    def __init__(
        self,
        user: User,
        client_id: str,
        *,
        max_inflight: int,
        max_queued: int,
    ) -> None:
        self.user = user
        # Who signed in: the user (master key) or one of the user's scoped tokens.
        self.principal = Principal(user)
        self.owner = user.username.lower()
        self.client_id = client_id
        self.subscriptions: dict[str, Subscription] = {}
        self.conn: Connection | None = None
        self.protocol_level = 4
        self.expiry: float = 0.0  # seconds kept after disconnect; 0 ends with the connection
        self.will: Will | None = None
        self.inflight: dict[int, Inflight] = {}
        self.queue: deque[Message] = deque()
        self.incoming_qos2: set[int] = set()
        self.max_inflight = max_inflight
        self.send_quota = max_inflight
        self.max_queued = max_queued
        self.max_packet_size = 0  # the client's limit (MQTT 5); 0 = none
        self.dropped = 0
        self.expiry_handle: Any = None
        self.will_handle: Any = None
        self._next_id = 0

    @property
    def key(self) -> tuple[int, str]:
        return (self.user.id, self.client_id)

    def _packet_id(self) -> int:
        for _ in range(65535):
            self._next_id = self._next_id % 65535 + 1
            if self._next_id not in self.inflight:
                return self._next_id
        raise RuntimeError("no free packet identifier")  # bounded by send_quota < 65535

    def deliver(
        self, msg: Message, sub: Subscription, cache: dict[Any, bytes] | None = None
    ) -> Message | Inflight | None:
        """Send ``msg`` on one subscription: QoS is the lower of the two [MQTT-3.8.4-8].

        Returns what the session keeps of a QoS 1/2 delivery (the queued message or the
        one in flight), None when it keeps nothing (QoS 0, expired, dropped).
        """
        if msg.expires_at is not None:
            fresh = _unexpired(msg)
            if fresh is None:
                return None
            if fresh is not msg:
                msg, cache = fresh, None
        qos = msg.qos if msg.qos < sub.qos else sub.qos
        retain = msg.retain and sub.retain_as_published
        conn = self.conn
        if qos == 0:
            if conn is None:
                return None  # QoS 0 is not kept for offline sessions
            data = self._encode(msg, 0, retain, sub, cache)
            if self.max_packet_size and len(data) > self.max_packet_size:
                self.dropped += 1
                return None
            conn.send_droppable(data)
            return None
        queued = Message(msg.topic, msg.payload, qos, retain, msg.properties, msg.expires_at)
        if sub.identifier is not None:
            queued.properties = _with_subscription_id(msg.properties, sub.identifier)
            cache = None  # the cache is keyed by id(properties): a fresh object's id is reused
        if conn is None or len(self.inflight) >= self.send_quota or self.queue:
            if len(self.queue) >= self.max_queued:
                self.dropped += 1
                return None
            self.queue.append(queued)
            return queued
        return self._send_now(queued, self._encode(queued, qos, retain, None, cache))

    def _encode(
        self,
        msg: Message,
        qos: int,
        retain: bool,
        sub: Subscription | None,
        cache: dict[Any, bytes] | None,
    ) -> bytes:
        properties = msg.properties
        if sub is not None and sub.identifier is not None and self.protocol_level == 5:
            properties = _with_subscription_id(properties, sub.identifier)
            return _publish(msg.topic, msg.payload, qos, retain, properties, self.protocol_level)
        if cache is None:
            return _publish(msg.topic, msg.payload, qos, retain, properties, self.protocol_level)
        key = (msg.topic, qos, retain, self.protocol_level == 5, id(properties))
        data = cache.get(key)
        if data is None:
            data = _publish(msg.topic, msg.payload, qos, retain, properties, self.protocol_level)
            cache[key] = data
        return data

    def _send_now(self, msg: Message, template: bytes) -> Inflight | None:
        assert self.conn is not None
        if self.max_packet_size and len(template) > self.max_packet_size:
            self.dropped += 1
            return None
        packet_id = self._packet_id()
        data = publish_with_packet_id(template, packet_id)
        entry = self.inflight[packet_id] = Inflight(data, msg.qos, share=msg.share)
        self.conn.send(data)
        return entry

    def pump(self) -> None:
        """Move queued messages into flight while the client's quota allows."""
        while self.queue and self.conn is not None and len(self.inflight) < self.send_quota:
            msg = self.queue.popleft()
            if msg.expires_at is not None:
                fresh = _unexpired(msg)
                if fresh is None:
                    continue
                fresh.share = msg.share
                msg = fresh
            self._send_now(
                msg,
                _publish(
                    msg.topic, msg.payload, msg.qos, msg.retain, msg.properties, self.protocol_level
                ),
            )

    def acknowledged(self, packet_id: int) -> bool:
        """PUBACK or PUBCOMP: the delivery is done."""
        if self.inflight.pop(packet_id, None) is None:
            return False
        self.pump()
        return True

    def received(self, packet_id: int) -> bool:
        """PUBREC: the QoS 2 delivery moves to its release step."""
        entry = self.inflight.get(packet_id)
        if entry is None or entry.qos != 2:
            return False
        entry.released = True
        return True

    def withdraw(self, take: Callable[[Any], bool]) -> list[Any]:
        """Take back deliveries made through shared subscriptions, so that another member
        of the share group gets them; returns their ``share`` records.

        ``take(share)`` chooses which. Queued messages and QoS 1 messages in flight go
        (MQTT 5 §4.8.2: the server may send a QoS 1 message to another client as soon as
        the connection is lost); a QoS 2 message in flight stays, even when the session
        ends [MQTT-4.8.2-4]/[MQTT-4.8.2-5].
        """
        taken: list[Any] = []
        if any(m.share is not None for m in self.queue):
            kept: deque[Message] = deque()
            for m in self.queue:
                if m.share is not None and take(m.share):
                    taken.append(m.share)
                else:
                    kept.append(m)
            self.queue = kept
        for packet_id, entry in list(self.inflight.items()):
            if entry.share is None or entry.qos == 2:
                continue
            if take(entry.share):
                del self.inflight[packet_id]
                taken.append(entry.share)
        return taken

    def resend(self) -> list[tuple[int, bytes | None]]:
        """What to send again on reconnect [MQTT-4.4.0-1]: PUBLISH with DUP, or PUBREL."""
        out: list[tuple[int, bytes | None]] = []
        for packet_id, entry in self.inflight.items():
            if entry.released:
                out.append((packet_id, None))
            else:
                entry.packet = publish_with_packet_id(entry.packet, packet_id, dup=True)
                out.append((packet_id, entry.packet))
        return out

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy of what a persistent session must keep across a restart."""
        return {
            "client_id": self.client_id,
            "user_id": self.user.id,
            "protocol_level": self.protocol_level,
            "expiry": self.expiry,
            "token_id": self.principal.token.id if self.principal.token is not None else None,
            "subscriptions": [
                {
                    "filter": s.topic_filter,
                    "qos": s.qos,
                    "no_local": s.no_local,
                    "rap": s.retain_as_published,
                    "rh": s.retain_handling,
                    "id": s.identifier,
                    "kind": s.kind,
                    "owner": s.owner,
                    "ident": s.ident,
                    "fmt": s.fmt,
                    "guarded": s.guarded,
                    "owner_id": s.owner_id,
                }
                for s in self.subscriptions.values()
            ],
            "inflight": [
                {"id": pid, "packet": e.packet.hex(), "qos": e.qos, "released": e.released}
                for pid, e in self.inflight.items()
            ],
            "queue": [message_state(m) for m in self.queue],
            "incoming_qos2": sorted(self.incoming_qos2),
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.protocol_level = int(state["protocol_level"])
        self.expiry = float(state["expiry"])
        for s in state["subscriptions"]:
            self.subscriptions[s["filter"]] = Subscription(
                s["filter"],
                s["qos"],
                s["no_local"],
                s["rap"],
                s["rh"],
                s["id"],
                s["kind"],
                s["owner"],
                s["ident"],
                s["fmt"],
                s.get("guarded", False),
                s.get("owner_id", 0),
            )
        for e in state["inflight"]:
            self.inflight[e["id"]] = Inflight(bytes.fromhex(e["packet"]), e["qos"], e["released"])
        for m in state["queue"]:
            self.queue.append(message_from_state(m))
        self.incoming_qos2 = set(state["incoming_qos2"])


def _unexpired(msg: Message) -> Message | None:
    """``None`` once the message expired before onward delivery [MQTT-3.3.2-5]; else the
    message with the seconds it has left as its Message Expiry Interval [MQTT-3.3.2-6]."""
    assert msg.expires_at is not None
    left = math.ceil(msg.expires_at - time.monotonic())
    if left <= 0:
        return None
    if left == msg.properties.message_expiry_interval:
        return msg
    properties = replace(msg.properties, message_expiry_interval=left)
    return Message(msg.topic, msg.payload, msg.qos, msg.retain, properties, msg.expires_at)


def _with_subscription_id(properties: Properties, identifier: int) -> Properties:
    return replace(properties, subscription_identifiers=(identifier,))


def _publish(
    topic: str, payload: bytes, qos: int, retain: bool, properties: Properties, level: int
) -> bytes:
    block: Properties | bytes | None = None
    if level == 5 and properties is not EMPTY_PROPERTIES:
        block = encode_properties(properties)
    return encode_publish(
        topic, payload, qos, retain, False, 1 if qos else None, block, protocol_level=level
    )
