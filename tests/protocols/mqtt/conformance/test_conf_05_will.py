"""Will messages: when they are published and when not, delay, retain, QoS, properties.

MQTT 3.1.1 §3.1.2.5 and MQTT 5 §3.1.2.5, §3.1.3.2, §3.14.2.1. The client holding the will
is a raw socket, so "abnormal" really is a TCP close without DISCONNECT. Wills to free-form
topics are routed in memory: all but the first test are ``sqlite_only``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from mqtt_conformance_support import (
    DISCONNECT_BYTES,
    Account,
    Paho,
    Raw,
    connect_packet,
    p_pair,
    p_str,
    p_u32,
    wait_until,
)

PahoFactory = Callable[..., Paho]
RawFactory = Callable[..., Raw]


def holder(
    raw: RawFactory,
    acct: Account,
    version: int,
    topic: str,
    payload: bytes = b"gone",
    qos: int = 1,
    retain: bool = False,
    will_properties: bytes = b"",
    client_id: str | None = None,
    **kwargs: object,
) -> Raw:
    """A raw client connected with a will."""
    conn = raw(version)
    conn.login(
        acct,
        client_id or acct.cid("w"),
        will=(topic, payload, qos, retain),
        will_properties=will_properties,
        **kwargs,
    )
    return conn


def watch(paho: PahoFactory, acct: Account, topic: str, qos: int = 2) -> Paho:
    watcher = paho(acct)
    watcher.subscribe(topic, qos)
    return watcher


@pytest.mark.parametrize("version", [4, 5])
def test_will_is_published_when_the_connection_drops(
    paho: PahoFactory, raw: RawFactory, acct: Account, version: int
) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    conn = holder(raw, acct, version, acct.t("will"), b"gone", 1)
    conn.close()  # no DISCONNECT [MQTT-3.1.2-8]
    (msg,) = watcher.expect(1)
    assert (msg.topic, msg.payload, msg.qos, msg.retain) == (acct.t("will"), b"gone", 1, False)
    watcher.quiet(0.2)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_no_will_after_disconnect(
    paho: PahoFactory, raw: RawFactory, acct: Account, version: int
) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    conn = holder(raw, acct, version, acct.t("will"))
    conn.send(DISCONNECT_BYTES)  # [MQTT-3.1.2-10]: the will is deleted
    assert conn.expect_closed() == []
    watcher.quiet(0.5)


@pytest.mark.sqlite_only
def test_v5_disconnect_with_will_message_0x04(
    paho: PahoFactory, raw: RawFactory, acct: Account
) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    conn = holder(raw, acct, 5, acct.t("will"), b"asked for")
    conn.send(b"\xe0\x01\x04")  # DISCONNECT, reason 0x04
    assert conn.expect_closed() == []
    assert [m.payload for m in watcher.expect(1)] == [b"asked for"]


@pytest.mark.sqlite_only
def test_will_on_keep_alive_timeout(paho: PahoFactory, raw: RawFactory, acct: Account) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    conn = holder(raw, acct, 4, acct.t("will"), b"silent", keepalive=1)
    start = time.monotonic()
    assert watcher.expect(1, timeout=4)[0].payload == b"silent"
    assert time.monotonic() - start >= 1.3  # only once 1.5 keep-alive periods passed
    assert conn.expect_closed() == []


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_will_on_protocol_error(
    paho: PahoFactory, raw: RawFactory, acct: Account, version: int
) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    conn = holder(raw, acct, version, acct.t("will"), b"broken")
    conn.send(b"\x36\x00")  # PUBLISH with QoS 3: malformed, the broker closes
    conn.expect_closed()
    assert [m.payload for m in watcher.expect(1)] == [b"broken"]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("version", [4, 5])
def test_will_on_takeover(paho: PahoFactory, raw: RawFactory, acct: Account, version: int) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    cid = acct.cid()
    old = holder(raw, acct, version, acct.t("will"), b"taken over", client_id=cid)
    raw(version).login(acct, cid)
    old.expect_closed()
    assert [m.payload for m in watcher.expect(1)] == [b"taken over"]  # [MQTT-3.1.4-3]


@pytest.mark.sqlite_only
def test_will_topic_outside_the_namespace_is_refused(
    raw: RawFactory, acct: Account, acct2: Account
) -> None:
    for version, connack in ((4, b"\x20\x02\x00\x05"), (5, b"\x20\x03\x00\x87\x00")):
        conn = raw(version)
        conn.send(
            connect_packet(
                acct.cid(),
                acct.username,
                acct.key,
                version=version,
                will=(acct2.t("will"), b"x", 0, False),
            )
        )
        assert [p.raw for p in conn.expect_closed()] == [connack]


@pytest.mark.sqlite_only
def test_will_retained(paho: PahoFactory, raw: RawFactory, acct: Account) -> None:
    conn = holder(raw, acct, 4, acct.t("lastwill"), b"offline", 1, retain=True)
    conn.close()
    later = paho(acct, version=4)
    wait_until(lambda: False, 0.3)  # the will is published as the close is noticed
    later.subscribe(acct.t("lastwill"), 1)
    (msg,) = later.expect(1)
    assert (msg.payload, msg.retain, msg.qos) == (b"offline", True, 1)


@pytest.mark.sqlite_only
def test_will_qos_is_downgraded_and_properties_are_forwarded(
    paho: PahoFactory, raw: RawFactory, acct: Account
) -> None:
    watcher = watch(paho, acct, acct.t("will"), qos=1)
    will_properties = (
        p_str(0x03, "text/plain")  # content type
        + p_str(0x08, acct.t("reply"))  # response topic
        + p_str(0x09, b"\x01\x02")  # correlation data
        + p_pair("origin", "will")
    )
    conn = holder(raw, acct, 5, acct.t("will"), b"w", 2, will_properties=will_properties)
    conn.close()
    (msg,) = watcher.expect(1)
    assert msg.qos == 1
    p = msg.properties
    assert p.ContentType == "text/plain"
    assert p.ResponseTopic == acct.t("reply")
    assert p.CorrelationData == b"\x01\x02"
    assert p.UserProperty == [("origin", "will")]


# -- MQTT 5 will delay ------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_will_delay_interval(paho: PahoFactory, raw: RawFactory, acct: Account) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    conn = holder(
        raw,
        acct,
        5,
        acct.t("will"),
        b"late",
        will_properties=p_u32(0x18, 2),  # Will Delay Interval 2 s
        clean=False,
        properties=p_u32(0x11, 60),  # Session Expiry Interval 60 s
    )
    conn.close()
    start = time.monotonic()
    watcher.quiet(1.5)  # [MQTT-3.1.3-9]: not before the delay
    assert [m.payload for m in watcher.expect(1, timeout=2.0)] == [b"late"]
    assert time.monotonic() - start >= 1.9


@pytest.mark.sqlite_only
def test_will_delay_is_cancelled_by_a_reconnect(
    paho: PahoFactory, raw: RawFactory, acct: Account
) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    cid = acct.cid()
    conn = holder(
        raw,
        acct,
        5,
        acct.t("will"),
        b"never",
        client_id=cid,
        will_properties=p_u32(0x18, 1),
        clean=False,
        properties=p_u32(0x11, 60),
    )
    conn.close()
    time.sleep(0.3)
    raw(5).login(acct, cid, clean=False, properties=p_u32(0x11, 60))  # the session resumes
    watcher.quiet(1.5)  # [MQTT-3.1.3-9]


@pytest.mark.sqlite_only
@pytest.mark.parametrize("expiry", [0, 1])
def test_will_is_published_when_the_session_ends_before_the_delay(
    paho: PahoFactory, raw: RawFactory, acct: Account, expiry: int
) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    conn = holder(
        raw,
        acct,
        5,
        acct.t("will"),
        b"session over",
        will_properties=p_u32(0x18, 30),
        clean=False,
        properties=p_u32(0x11, expiry),
    )
    conn.close()
    start = time.monotonic()
    assert [m.payload for m in watcher.expect(1, timeout=expiry + 1.5)] == [b"session over"]
    assert time.monotonic() - start >= expiry - 0.2


@pytest.mark.sqlite_only
def test_delayed_will_is_published_when_a_clean_start_ends_the_session(
    paho: PahoFactory, raw: RawFactory, acct: Account
) -> None:
    watcher = watch(paho, acct, acct.t("will"))
    cid = acct.cid()
    conn = holder(
        raw,
        acct,
        5,
        acct.t("will"),
        b"session replaced",
        client_id=cid,
        will_properties=p_u32(0x18, 30),
        clean=False,
        properties=p_u32(0x11, 60),
    )
    conn.close()
    time.sleep(0.3)
    watcher.quiet(0.1)  # still within the delay
    raw(5).login(acct, cid, clean=True)  # Clean Start: the old session ends here
    # MQTT 5 §3.1.3.2.2: the will goes when the delay passes or the session ends, whichever
    # happens first.
    assert [m.payload for m in watcher.expect(1, timeout=2.0)] == [b"session replaced"]
