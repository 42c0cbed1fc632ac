"""replies.py: each domain error's reason code, and what 3.1.1 and 5.0 clients are sent.

A fake link stands in for the connection: it records the bytes the broker would write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from stonechat.domain.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    PayloadTooLarge,
    StonechatError,
    Throttled,
    TooLarge,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)
from stonechat.protocols.mqtt import replies
from stonechat.protocols.mqtt.codec import Packet, Publish, ReasonCode, encode
from stonechat.protocols.mqtt.codec.reason_codes import CONNACK_V5, PUBACK_V5, SUBACK_V5


@dataclass
class FakeSession:
    incoming_qos2: set[int] = field(default_factory=set)


@dataclass
class FakeLink:
    """What replies.py uses of a connection."""

    protocol_level: int
    session: FakeSession | None = field(default_factory=FakeSession)
    unacked_incoming: int = 1
    closed: bool = False
    sent: list[bytes] = field(default_factory=list)

    def send(self, data: bytes) -> None:
        if not self.closed:
            self.sent.append(data)

    def send_packet(self, packet: Packet) -> None:
        self.send(encode(packet, self.protocol_level))

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (Unauthorized("no key"), ReasonCode.NOT_AUTHORIZED),
        (Forbidden("not yours"), ReasonCode.NOT_AUTHORIZED),
        (NotFound("not found"), ReasonCode.NOT_AUTHORIZED),
        (BadRequest("unreadable"), ReasonCode.PAYLOAD_FORMAT_INVALID),
        (Invalid("bad value"), ReasonCode.PAYLOAD_FORMAT_INVALID),
        (TooLarge("too big"), ReasonCode.PAYLOAD_FORMAT_INVALID),
        (Conflict("taken"), ReasonCode.PAYLOAD_FORMAT_INVALID),
        (PayloadTooLarge("too big"), ReasonCode.PAYLOAD_FORMAT_INVALID),
        (Throttled("slow down"), ReasonCode.QUOTA_EXCEEDED),
        (TooManyRequests("wait"), ReasonCode.QUOTA_EXCEEDED),
        (Unavailable("database away"), ReasonCode.UNSPECIFIED_ERROR),
        (StonechatError("a bug"), ReasonCode.UNSPECIFIED_ERROR),
        (KeyError("a bug"), ReasonCode.UNSPECIFIED_ERROR),
    ],
)
def test_each_error_has_one_reason_code(error: BaseException, reason: ReasonCode) -> None:
    assert replies.reason_for(error) is reason
    assert reason in PUBACK_V5  # valid in a PUBACK and PUBREC


@pytest.mark.parametrize(
    ("error", "refusal"),
    [
        (Invalid("bad value"), True),
        (TooLarge("too big"), True),
        (NotFound("not found"), True),
        (Forbidden("not yours"), True),
        (Throttled("slow down"), True),
        (Unavailable("database away"), False),
        (StonechatError("a bug"), False),
        (RuntimeError("a bug"), False),
    ],
)
def test_only_the_clients_faults_are_refusals(error: BaseException, refusal: bool) -> None:
    assert replies.is_refusal(error) is refusal


def test_every_domain_error_is_in_the_table() -> None:
    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    for cls in subclasses(StonechatError):
        assert any(base in replies.REASONS for base in cls.__mro__), cls


# -- PUBLISH acknowledgements -------------------------------------------------------------


@pytest.mark.parametrize("level", [4, 5])
def test_a_stored_qos1_point_gets_a_plain_puback(level: int) -> None:
    conn = FakeLink(level)
    replies.acknowledge(conn, Publish("u/f/x", b"1", qos=1, packet_id=7))  # type: ignore[arg-type]
    assert conn.sent == [b"\x40\x02\x00\x07"]
    assert conn.unacked_incoming == 0 and not conn.closed


def test_a_refusal_carries_its_reason_on_v5_only() -> None:
    v5, v3 = FakeLink(5), FakeLink(4)
    for conn in (v5, v3):
        packet = Publish("u/f/x", b"1", qos=1, packet_id=7)
        replies.acknowledge(conn, packet, replies.reason_for(Invalid("x")))  # type: ignore[arg-type]
    assert v5.sent == [b"\x40\x03\x00\x07\x99"]
    assert v3.sent == [b"\x40\x02\x00\x07"]  # [MQTT-3.3.5-2]: 3.1.1 has no failure code


def test_a_qos2_id_is_remembered_until_pubrel_unless_refused() -> None:
    accepted, refused = FakeLink(5), FakeLink(5)
    replies.acknowledge(accepted, Publish("u/f/x", b"1", qos=2, packet_id=9))  # type: ignore[arg-type]
    assert accepted.sent == [b"\x50\x02\x00\x09"]
    assert accepted.session is not None and accepted.session.incoming_qos2 == {9}
    assert accepted.unacked_incoming == 1  # counted until PUBCOMP
    assert refused.session is not None
    refused.session.incoming_qos2.add(9)
    replies.acknowledge(refused, Publish("u/f/x", b"1", qos=2, packet_id=9), 0x87)  # type: ignore[arg-type]
    assert refused.sent == [b"\x50\x03\x00\x09\x87"]
    assert refused.session.incoming_qos2 == set() and refused.unacked_incoming == 0


@pytest.mark.parametrize("qos", [1, 2])
def test_a_point_not_stored_is_never_acknowledged_on_v3(qos: int) -> None:
    conn = FakeLink(4)
    assert conn.session is not None
    if qos == 2:
        conn.session.incoming_qos2.add(3)  # taken while it was being stored
    replies.not_stored(conn, Publish("u/f/x", b"1", qos=qos, packet_id=3))  # type: ignore[arg-type]
    assert conn.sent == []  # no PUBACK / PUBREC: the client sends it again
    assert conn.closed
    assert conn.session.incoming_qos2 == set()  # so that the resend is taken as new


@pytest.mark.parametrize(("qos", "first"), [(1, 0x40), (2, 0x50)])
def test_a_point_not_stored_gets_0x80_on_v5(qos: int, first: int) -> None:
    conn = FakeLink(5)
    replies.not_stored(conn, Publish("u/f/x", b"1", qos=qos, packet_id=3))  # type: ignore[arg-type]
    assert conn.sent == [bytes([first, 3, 0, 3, 0x80])]
    assert not conn.closed
    assert conn.session is not None and conn.session.incoming_qos2 == set()


@pytest.mark.parametrize("level", [4, 5])
def test_qos0_gets_nothing(level: int) -> None:
    conn = FakeLink(level)
    replies.not_stored(conn, Publish("u/f/x", b"1", qos=0))  # type: ignore[arg-type]
    replies.acknowledge(conn, Publish("u/f/x", b"1", qos=0))  # type: ignore[arg-type]
    assert conn.sent == [] and not conn.closed


# -- SUBACK, CONNACK, DISCONNECT -------------------------------------------------------------


def test_suback_failure_is_0x80_on_v3_and_the_reason_on_v5() -> None:
    reason = ReasonCode.TOPIC_FILTER_INVALID
    assert reason in SUBACK_V5
    assert replies.suback_failure(FakeLink(4), reason) == 0x80  # type: ignore[arg-type]
    assert replies.suback_failure(FakeLink(5), reason) == 0x8F  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("why", "v3", "v5"),
    [
        ("version", 1, 0x84),
        ("identifier", 2, 0x85),
        ("unavailable", 3, 0x88),
        ("credentials", 4, 0x86),
        ("authorized", 5, 0x87),
        ("rate", 6, 0x9F),  # Adafruit IO's own 3.1.1 codes
        ("banned", 7, 0x8A),
    ],
)
def test_connack_refusals(why: replies.ConnectRefusal, v3: int, v5: int) -> None:
    old, new = FakeLink(4, session=None), FakeLink(5, session=None)
    replies.refuse_connect(old, why)  # type: ignore[arg-type]
    replies.refuse_connect(new, why)  # type: ignore[arg-type]
    assert old.sent == [bytes([0x20, 2, 0, v3])] and old.closed
    assert new.sent == [bytes([0x20, 3, 0, v5, 0])] and new.closed
    assert v5 in CONNACK_V5


def test_disconnect_tells_the_reason_to_v5_only() -> None:
    v5, v3, unknown = FakeLink(5), FakeLink(4), FakeLink(5, session=None)
    for conn in (v5, v3, unknown):
        replies.disconnect(conn, ReasonCode.ADMINISTRATIVE_ACTION)  # type: ignore[arg-type]
        assert conn.closed
    assert v5.sent == [b"\xe0\x01\x98"]
    assert v3.sent == [] and unknown.sent == []  # before CONNACK: no DISCONNECT
