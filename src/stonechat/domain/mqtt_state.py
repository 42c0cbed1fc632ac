"""The MQTT broker's durable state as plain rows: what its store of record keeps.

Shared by the broker (``protocols.mqtt.persistence``, ``journal``) and the store that
implements it (``storage.mqtt_state``). Payloads and MQTT 5 property blocks are bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SessionKey = tuple[int, str]  # (user id, client id)


@dataclass(slots=True)
class SessionRow:
    """A persistent session (Session Expiry Interval > 0) without its messages."""

    user_id: int
    client_id: str
    protocol_level: int
    expiry: int  # seconds kept after the connection ends
    expires_at: int | None  # wall-clock ms when it ends offline; None while connected
    token_id: int | None  # the scoped token it signed in with, None for the master key
    subscriptions: bytes  # ``messages.pack_subscriptions``
    incoming_qos2: bytes  # QoS 2 ids received and not yet released, 2 bytes each


@dataclass(slots=True)
class MessageRow:
    """A QoS 1/2 message for a persistent session: queued, or in flight once it has an id."""

    user_id: int
    client_id: str
    seq: int  # order within the session
    topic: str
    payload: bytes
    qos: int
    retain: bool
    properties: bytes  # the encoded MQTT 5 property block (b"" for none)
    expires_at: int | None  # wall-clock ms of a Message Expiry Interval
    packet_id: int | None = None  # set once sent
    released: bool = False  # QoS 2: PUBREC received, PUBREL sent


@dataclass(slots=True)
class RetainedRow:
    owner: str  # lower-cased username
    topic: str
    payload: bytes
    qos: int
    properties: bytes
    expires_at: int | None


@dataclass(slots=True)
class StoredSession:
    """A session read back: its row, and how much is queued for it (not the messages)."""

    row: SessionRow
    messages: int
    message_bytes: int
    next_seq: int


@dataclass(slots=True)
class Changes:
    """One batch, applied in this order in one transaction: sessions (and their messages)
    removed, sessions written, messages removed, messages written, retained messages."""

    purged: list[SessionKey] = field(default_factory=list)
    sessions: list[SessionRow] = field(default_factory=list)
    removed: list[tuple[int, str, int]] = field(default_factory=list)  # (user, client, seq)
    messages: list[MessageRow] = field(default_factory=list)
    retained: list[RetainedRow] = field(default_factory=list)
    cleared: list[tuple[str, str]] = field(default_factory=list)  # (owner, topic)
