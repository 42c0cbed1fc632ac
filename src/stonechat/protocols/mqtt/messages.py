"""What the broker moves between sessions."""

from __future__ import annotations

from dataclasses import dataclass

from stonechat.protocols.mqtt.codec import EMPTY_PROPERTIES, Properties


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
