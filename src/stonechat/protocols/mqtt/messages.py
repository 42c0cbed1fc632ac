"""What the broker moves between sessions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from stonechat.protocols.mqtt.codec import (
    EMPTY_PROPERTIES,
    PacketType,
    Properties,
    encode_properties,
)
from stonechat.protocols.mqtt.codec.property_codec import decode_properties

SHARE_PREFIX = "$share/"  # shared subscriptions (MQTT 5 §4.8.2; 3.1.1 as Mosquitto allows)


@dataclass(slots=True)
class Message:
    """An application message on its way to subscribers."""

    topic: str
    payload: bytes
    qos: int
    retain: bool = False
    properties: Properties = EMPTY_PROPERTIES
    expires_at: float | None = None  # time.monotonic() deadline of a Message Expiry Interval
    # Queued for a session through a shared subscription: what lets the share group hand it
    # to another member (``shares.Handed``); None otherwise.
    share: Any = None


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
    """A JSON-able copy of a message, kept across a restart (queued or retained)."""
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
