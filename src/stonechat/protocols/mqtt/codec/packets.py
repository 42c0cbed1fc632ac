"""One dataclass per MQTT control packet (MQTT 5 chapter 3, MQTT 3.1.1 chapter 3).

The classes are plain data: the same objects describe MQTT 3.1.1 and MQTT 5 packets.
Fields that only exist in MQTT 5 (``properties``, most ``reason_code`` fields, the
subscription option flags other than QoS) are ignored when encoding for 3.1.1 and come
back as their defaults when decoding 3.1.1. ``Connack.reason_code`` holds the 3.1.1
return code (0..5) on a 3.1.1 connection and the MQTT 5 reason code otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import ClassVar, TypeAlias

from .properties import EMPTY_PROPERTIES, Properties


class PacketType(IntEnum):
    """Control packet types (the high nibble of the first byte)."""

    CONNECT = 1
    CONNACK = 2
    PUBLISH = 3
    PUBACK = 4
    PUBREC = 5
    PUBREL = 6
    PUBCOMP = 7
    SUBSCRIBE = 8
    SUBACK = 9
    UNSUBSCRIBE = 10
    UNSUBACK = 11
    PINGREQ = 12
    PINGRESP = 13
    DISCONNECT = 14
    AUTH = 15


@dataclass(slots=True)
class Will:
    """The Will Message carried by a CONNECT packet."""

    topic: str
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Connect:
    """CONNECT: client request to connect (level 3 = MQTT 3.1, 4 = 3.1.1, 5 = MQTT 5)."""

    packet_type: ClassVar[PacketType] = PacketType.CONNECT
    protocol_name: str = "MQTT"
    protocol_level: int = 4
    clean_start: bool = True
    keep_alive: int = 0
    client_id: str = ""
    username: str | None = None
    password: bytes | None = None
    will: Will | None = None
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Connack:
    """CONNACK: server answer to CONNECT."""

    packet_type: ClassVar[PacketType] = PacketType.CONNACK
    session_present: bool = False
    reason_code: int = 0
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Publish:
    """PUBLISH: an application message. ``packet_id`` is ``None`` exactly when QoS is 0."""

    packet_type: ClassVar[PacketType] = PacketType.PUBLISH
    topic: str
    payload: bytes = b""
    qos: int = 0
    retain: bool = False
    dup: bool = False
    packet_id: int | None = None
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Puback:
    """PUBACK: QoS 1 acknowledgement."""

    packet_type: ClassVar[PacketType] = PacketType.PUBACK
    packet_id: int
    reason_code: int = 0
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Pubrec:
    """PUBREC: QoS 2 delivery part 1."""

    packet_type: ClassVar[PacketType] = PacketType.PUBREC
    packet_id: int
    reason_code: int = 0
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Pubrel:
    """PUBREL: QoS 2 delivery part 2."""

    packet_type: ClassVar[PacketType] = PacketType.PUBREL
    packet_id: int
    reason_code: int = 0
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Pubcomp:
    """PUBCOMP: QoS 2 delivery part 3."""

    packet_type: ClassVar[PacketType] = PacketType.PUBCOMP
    packet_id: int
    reason_code: int = 0
    properties: Properties = EMPTY_PROPERTIES


@dataclass(frozen=True, slots=True)
class SubscriptionOptions:
    """Subscription Options byte (MQTT 5 3.8.3.1); 3.1.1 only has ``qos``."""

    qos: int = 0
    no_local: bool = False
    retain_as_published: bool = False
    retain_handling: int = 0


@dataclass(slots=True)
class Subscribe:
    """SUBSCRIBE: a list of ``(topic_filter, options)`` pairs."""

    packet_type: ClassVar[PacketType] = PacketType.SUBSCRIBE
    packet_id: int
    subscriptions: list[tuple[str, SubscriptionOptions]] = field(default_factory=list)
    properties: Properties = EMPTY_PROPERTIES
    # Filters past the decoder's limit (``Decoder(max_subscribe_filters=...)``): counted,
    # not decoded; the broker refuses each. Never encoded.
    beyond: int = 0


@dataclass(slots=True)
class Suback:
    """SUBACK: one reason code (3.1.1: return code) per requested subscription."""

    packet_type: ClassVar[PacketType] = PacketType.SUBACK
    packet_id: int
    reason_codes: list[int] = field(default_factory=list)
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Unsubscribe:
    """UNSUBSCRIBE: a list of topic filters."""

    packet_type: ClassVar[PacketType] = PacketType.UNSUBSCRIBE
    packet_id: int
    topic_filters: list[str] = field(default_factory=list)
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Unsuback:
    """UNSUBACK: one reason code per topic filter in MQTT 5; none in 3.1.1."""

    packet_type: ClassVar[PacketType] = PacketType.UNSUBACK
    packet_id: int
    reason_codes: list[int] = field(default_factory=list)
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Pingreq:
    """PINGREQ: keep-alive ping from the client."""

    packet_type: ClassVar[PacketType] = PacketType.PINGREQ


@dataclass(slots=True)
class Pingresp:
    """PINGRESP: answer to PINGREQ."""

    packet_type: ClassVar[PacketType] = PacketType.PINGRESP


@dataclass(slots=True)
class Disconnect:
    """DISCONNECT: orderly end of the connection (reason code and properties: MQTT 5)."""

    packet_type: ClassVar[PacketType] = PacketType.DISCONNECT
    reason_code: int = 0
    properties: Properties = EMPTY_PROPERTIES


@dataclass(slots=True)
class Auth:
    """AUTH: enhanced authentication exchange (MQTT 5 only)."""

    packet_type: ClassVar[PacketType] = PacketType.AUTH
    reason_code: int = 0
    properties: Properties = EMPTY_PROPERTIES


Packet: TypeAlias = (
    Connect
    | Connack
    | Publish
    | Puback
    | Pubrec
    | Pubrel
    | Pubcomp
    | Subscribe
    | Suback
    | Unsubscribe
    | Unsuback
    | Pingreq
    | Pingresp
    | Disconnect
    | Auth
)
"""Any decoded or encodable control packet."""

__all__ = [
    "Auth",
    "Connack",
    "Connect",
    "Disconnect",
    "Packet",
    "PacketType",
    "Pingreq",
    "Pingresp",
    "Puback",
    "Pubcomp",
    "Publish",
    "Pubrec",
    "Pubrel",
    "Suback",
    "Subscribe",
    "SubscriptionOptions",
    "Unsuback",
    "Unsubscribe",
    "Will",
]
