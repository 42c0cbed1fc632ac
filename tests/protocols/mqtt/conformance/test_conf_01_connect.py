"""CONNECT and CONNACK: credentials, protocol levels, client identifiers, takeover, timers.

MQTT 3.1.1 §3.1/§3.2 and MQTT 5 §3.1/§3.2. Raw sockets, so every CONNACK is checked byte
for byte. Credential checks run on both backends (the key is looked up in the database);
the rest is marked ``sqlite_only``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from mqtt_conformance_support import (
    CONNACK,
    DISCONNECT,
    PINGREQ_BYTES,
    PINGRESP,
    Account,
    Packet,
    Raw,
    connect_packet,
    parse_properties,
    publish_packet,
    read_varint,
)

from support import Server

RawFactory = Callable[..., Raw]

ACCEPTED_V4 = b"\x20\x02\x00\x00"


def v5_connack(packet: Packet) -> tuple[int, int, dict[int, list[object]]]:
    """(session present flags, reason code, properties) of a v5 CONNACK."""
    assert packet.type == CONNACK
    length, pos = read_varint(packet.body, 2)
    assert pos + length == len(packet.body)
    return packet.body[0], packet.body[1], parse_properties(packet.body[pos:])


def disconnect_reason(packet: Packet) -> int:
    """The reason code of a v5 DISCONNECT (0 when the body is empty)."""
    assert packet.type == DISCONNECT, packet
    if not packet.body:
        return 0
    assert packet.body[1:] in (b"", b"\x00"), packet  # no properties
    return packet.body[0]


# -- credentials (both backends) ------------------------------------------------------------


@pytest.mark.parametrize("case", ["wrong key", "unknown user", "other user's key", "no password"])
def test_bad_credentials_v311_return_code_5(
    raw: RawFactory, acct: Account, acct2: Account, case: str
) -> None:
    username, password = {
        "wrong key": (acct.username, "aio_" + "x" * 28),
        "unknown user": ("nobody" + acct.username, acct.key),
        "other user's key": (acct.username, acct2.key),
        "no password": (acct.username, None),
    }[case]
    conn = raw()
    conn.send(connect_packet("cid", username, password, version=4))
    assert [p.raw for p in conn.expect_closed()] == [b"\x20\x02\x00\x05"]


@pytest.mark.parametrize("case", ["wrong key", "other user's key"])
def test_bad_credentials_v5_reason_0x86(
    raw: RawFactory, acct: Account, acct2: Account, case: str
) -> None:
    password = "aio_" + "x" * 28 if case == "wrong key" else acct2.key
    conn = raw(5)
    conn.send(connect_packet("cid", acct.username, password, version=5))
    got = conn.expect_closed()
    assert len(got) == 1, got
    flags, reason, _props = v5_connack(got[0])
    assert (flags, reason) == (0, 0x86)


def test_good_credentials_v311_and_v5(raw: RawFactory, acct: Account) -> None:
    assert raw(4).connect(acct, acct.cid()).raw == ACCEPTED_V4
    flags, reason, props = v5_connack(raw(5).connect(acct, acct.cid()))
    assert (flags, reason) == (0, 0)
    assert 0x12 not in props  # a client id was given: nothing assigned


# -- protocol level, client identifier --------------------------------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize(("name", "level"), [("MQTT", 3), ("MQTT", 6), ("MQTT", 0), ("MQIsdp", 4)])
def test_unsupported_protocol_level_return_code_1(
    raw: RawFactory, acct: Account, name: str, level: int
) -> None:
    conn = raw()
    conn.send(connect_packet("cid", acct.username, acct.key, version=level, protocol_name=name))
    assert [p.raw for p in conn.expect_closed()] == [b"\x20\x02\x00\x01"]  # [MQTT-3.1.2-2]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("name", ["MQTX", "MQIsdp", ""])
def test_wrong_protocol_name_at_level_5_gets_connack_0x84_in_v5_form(
    raw: RawFactory, acct: Account, name: str
) -> None:
    """[MQTT-3.1.2-1] a wrong protocol name, [MQTT-3.1.2-2] refused with 0x84: a client
    that asked for level 5 reads the MQTT 5 CONNACK (with its property length)."""
    conn = raw()
    conn.send(connect_packet("cid", acct.username, acct.key, version=5, protocol_name=name))
    assert [p.raw for p in conn.expect_closed()] == [b"\x20\x03\x00\x84\x00"]


@pytest.mark.sqlite_only
def test_empty_client_id_with_clean_session_v311_is_accepted(
    raw: RawFactory, acct: Account
) -> None:
    conn = raw()
    assert conn.connect(acct, "", clean=True).raw == ACCEPTED_V4  # [MQTT-3.1.3-6]
    conn.send(PINGREQ_BYTES)
    assert conn.recv().raw == b"\xd0\x00"


@pytest.mark.sqlite_only
def test_empty_client_id_without_clean_session_v311_return_code_2(
    raw: RawFactory, acct: Account
) -> None:
    conn = raw()
    conn.send(connect_packet("", acct.username, acct.key, version=4, clean=False))
    assert [p.raw for p in conn.expect_closed()] == [b"\x20\x02\x00\x02"]  # [MQTT-3.1.3-8]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("clean", [True, False])
def test_empty_client_id_v5_gets_assigned_client_identifier(
    raw: RawFactory, acct: Account, clean: bool
) -> None:
    assigned = []
    for _ in range(2):
        flags, reason, props = v5_connack(raw(5).connect(acct, "", clean=clean))
        assert (flags, reason) == (0, 0)
        assert len(props.get(0x12, [])) == 1, props  # Assigned Client Identifier
        assigned.append(props[0x12][0])
    assert all(assigned) and assigned[0] != assigned[1]


# -- one CONNECT per connection, one connection per client id --------------------------------


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_second_connect_closes_the_connection(raw: RawFactory, acct: Account, version: int) -> None:
    conn = raw(version)
    conn.login(acct, acct.cid())
    conn.send(connect_packet(acct.cid(), acct.username, acct.key, version=version))
    got = conn.expect_closed()  # [MQTT-3.1.0-2]
    if version == 4:
        assert got == []
    else:
        assert [disconnect_reason(p) for p in got] == [0x82]  # protocol error


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_client_id_takeover_closes_the_old_connection(
    raw: RawFactory, acct: Account, version: int
) -> None:
    cid = acct.cid()
    old = raw(version)
    old.login(acct, cid)
    new = raw(version)
    new.login(acct, cid)  # [MQTT-3.1.4-2]
    got = old.expect_closed()
    if version == 4:
        assert got == []
    else:
        assert [disconnect_reason(p) for p in got] == [0x8E]  # session taken over
    new.send(PINGREQ_BYTES)
    assert new.recv().type == PINGRESP
    assert new.is_open()


@pytest.mark.sqlite_only
def test_same_client_id_of_another_user_is_no_takeover(
    raw: RawFactory, acct: Account, acct2: Account
) -> None:
    cid = acct.cid()
    first = raw(5)
    first.login(acct, cid)
    second = raw(5)
    second.login(acct2, cid)
    for conn in (first, second):
        conn.send(PINGREQ_BYTES)
        assert conn.recv().raw == b"\xd0\x00"


# -- timers -----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_connection_without_connect_is_closed(server: Server, raw: RawFactory) -> None:
    # The connect timeout is not a setting (10 s in the broker), so this waits for it.
    conn = raw()
    start = time.monotonic()
    assert conn.expect_closed(timeout=12.0) == []
    assert time.monotonic() - start >= 1.0  # not dropped at once, only after a while


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_keep_alive_expiry_closes_after_one_and_a_half_periods(
    raw: RawFactory, acct: Account, version: int
) -> None:
    conn = raw(version)
    conn.login(acct, acct.cid(), keepalive=1)
    start = time.monotonic()
    got = conn.expect_closed(timeout=4.0)  # [MQTT-3.1.2-24]
    elapsed = time.monotonic() - start
    assert 1.4 <= elapsed <= 3.0, elapsed
    if version == 4:
        assert got == []
    else:
        assert [disconnect_reason(p) for p in got] == [0x8D]  # keep alive timeout


@pytest.mark.sqlite_only
def test_keep_alive_is_kept_by_pings_and_by_other_packets(raw: RawFactory, acct: Account) -> None:
    conn = raw()
    conn.login(acct, acct.cid(), keepalive=1)
    for i in range(5):  # 2.5 s in all: well past 1.5 keep-alive periods
        time.sleep(0.5)
        if i % 2:
            conn.send(PINGREQ_BYTES)
            assert conn.recv().raw == b"\xd0\x00"
        else:
            conn.send(publish_packet(acct.t("ka"), b"x"))
    assert conn.is_open()
