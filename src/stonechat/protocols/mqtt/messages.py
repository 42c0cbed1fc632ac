"""What the broker moves between sessions, and their stored forms."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson

from stonechat.protocols.mqtt.codec import (
    EMPTY_PROPERTIES,
    PacketType,
    Properties,
    encode_properties,
)
from stonechat.protocols.mqtt.codec.property_codec import decode_properties
from stonechat.protocols.mqtt.persistence import MessageRow, RetainedRow

SHARE_PREFIX = "$share/"  # shared subscriptions (MQTT 5 §4.8.2; 3.1.1 as Mosquitto allows)

# The encodings of one message shared by the sessions of one fan-out (``Session.deliver``),
# keyed by what makes them differ: QoS 0 packets and QoS 1/2 templates.
Encodings = dict[Any, Any]


@dataclass(slots=True)
class Message:
    """An application message on its way to subscribers."""

    topic: str
    payload: bytes
    qos: int
    retain: bool = False
    properties: Properties = EMPTY_PROPERTIES
    expires_at: float | None = None  # time.monotonic() deadline of a Message Expiry Interval


@dataclass(slots=True)
class Kept:
    """A QoS 1/2 delivery a session keeps until its client acknowledges it: queued, then in
    flight. ``msg`` is shared by every session it went to (never copied per session); what
    belongs to this session's delivery sits beside it."""

    msg: Message
    qos: int  # the lower of the publish's and the subscription's [MQTT-3.8.4-8]
    retain: bool  # as sent (retain-as-published decides)
    seq: int  # its place in the session's order, and its key in the store
    # Delivered through a shared subscription: what lets the share group hand it to another
    # member (``shares.Handed``); None otherwise.
    share: Any = None
    packet: bytes = b""  # the encoded PUBLISH with its packet id, once in flight
    released: bool = False  # QoS 2: PUBREC received and PUBREL sent


@dataclass(slots=True)
class Subscription:
    """One filter of one session, with what the broker needs to deliver on it."""

    topic_filter: str
    qos: int
    no_local: bool = False
    retain_as_published: bool = False
    retain_handling: int = 0
    identifier: int | None = None
    kind: str = "free"  # free | feed | group | time | account | integration | get
    owner: str = ""  # lower-cased owner namespace
    ident: str = ""  # feed identifier or group key for feed/group subscriptions
    fmt: str = ""  # "", "json" or "csv"
    # Held by permission, not ownership (another user's feed or group, or any subscription
    # of a scoped token): re-checked whenever access to ``owner_id``'s resources changes.
    guarded: bool = False
    owner_id: int = 0
    # A group subscription that may read only some of the group's feeds: their ids (None:
    # every feed of the group).
    feeds: frozenset[int] | None = None

    @property
    def share(self) -> str | None:
        """The share name of a ``$share/{name}/{filter}`` subscription, else None."""
        if not self.topic_filter.startswith(SHARE_PREFIX):
            return None
        return self.topic_filter[len(SHARE_PREFIX) :].partition("/")[0]

    @property
    def matched(self) -> str:
        """The filter matched against topics: ``{filter}`` of ``$share/{name}/{filter}``."""
        if not self.topic_filter.startswith(SHARE_PREFIX):
            return self.topic_filter
        return self.topic_filter[len(SHARE_PREFIX) :].partition("/")[2]


def message_state(m: Message) -> dict[str, Any]:
    """A JSON-able copy of a message, for the bus between processes."""
    return {
        "topic": m.topic,
        "payload": m.payload.hex(),
        "qos": m.qos,
        "retain": m.retain,
        "props": encode_properties(m.properties).hex(),  # user properties etc.
        "expires": None  # wall-clock deadline (ms): the downtime counts too
        if m.expires_at is None
        else int((time.time() + m.expires_at - time.monotonic()) * 1000),
    }


def message_from_state(state: dict[str, Any]) -> Message:
    msg = Message(state["topic"], bytes.fromhex(state["payload"]), state["qos"], state["retain"])
    if state.get("props"):  # absent in sessions saved by older versions
        block = bytes.fromhex(state["props"])
        msg.properties = decode_properties(block, 0, len(block), PacketType.PUBLISH)[0]
    if state.get("expires") is not None:
        msg.expires_at = time.monotonic() + state["expires"] / 1000 - time.time()
    return msg


def _wall_ms(expires_at: float | None) -> int | None:
    """A monotonic deadline as wall-clock ms: the time the server is down counts too."""
    if expires_at is None:
        return None
    return int((time.time() + expires_at - time.monotonic()) * 1000)


def _monotonic(expires_at_ms: int | None) -> float | None:
    if expires_at_ms is None:
        return None
    return time.monotonic() + expires_at_ms / 1000 - time.time()


def _properties(block: bytes) -> Properties:
    if not block:
        return EMPTY_PROPERTIES
    return decode_properties(block, 0, len(block), PacketType.PUBLISH)[0]


def _block(properties: Properties) -> bytes:
    return b"" if properties is EMPTY_PROPERTIES else encode_properties(properties)


def message_row(
    key: tuple[int, str], kept: Kept, packet_id: int | None = None, released: bool = False
) -> MessageRow:
    """A session's delivery as stored."""
    m = kept.msg
    return MessageRow(
        key[0],
        key[1],
        kept.seq,
        m.topic,
        m.payload,
        kept.qos,
        kept.retain,
        _block(m.properties),
        _wall_ms(m.expires_at),
        packet_id,
        released,
    )


def kept_from_row(row: MessageRow) -> Kept:
    msg = Message(
        row.topic,
        row.payload,
        row.qos,
        row.retain,
        _properties(row.properties),
        _monotonic(row.expires_at),
    )
    return Kept(msg, row.qos, row.retain, row.seq, released=row.released)


def retained_row(owner: str, m: Message) -> RetainedRow:
    return RetainedRow(
        owner, m.topic, m.payload, m.qos, _block(m.properties), _wall_ms(m.expires_at)
    )


def retained_from_row(row: RetainedRow) -> Message:
    return Message(
        row.topic,
        row.payload,
        row.qos,
        True,
        _properties(row.properties),
        _monotonic(row.expires_at),
    )


_SUBSCRIPTION_FIELDS = (
    "topic_filter",
    "qos",
    "no_local",
    "retain_as_published",
    "retain_handling",
    "identifier",
    "kind",
    "owner",
    "ident",
    "fmt",
    "guarded",
    "owner_id",
)


def pack_subscriptions(subs: list[Subscription]) -> bytes:
    """A session's subscriptions as one small blob (JSON arrays, fields in a fixed order);
    a group's readable feeds are not kept: they are worked out again when it is loaded."""
    return orjson.dumps([[getattr(s, f) for f in _SUBSCRIPTION_FIELDS] for s in subs])


def unpack_subscriptions(blob: bytes) -> list[Subscription]:
    return [Subscription(*values) for values in orjson.loads(blob)]
