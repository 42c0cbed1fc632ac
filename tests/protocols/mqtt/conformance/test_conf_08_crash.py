"""What survives a kill -9: persistent sessions, their messages, retained messages.

Every test kills its own server with SIGKILL and starts it again on the same data, on both
backends. A PUBACK to a free-form publish that changed the durable state comes after the
commit, and the state is committed in order: so a PUBACK is also the moment everything the
server recorded before it (a SUBSCRIBE, a PUBREC received) is on disk. The tests use that as
their "now it is kept" point; they never sleep for a batch window.
"""

from __future__ import annotations

import resource
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from mqtt_conformance_support import (
    PUBREL,
    Account,
    Paho,
    Raw,
    account_on,
    ack,
    connect_props,
    rss_kib,
)

from support import Server, free_port

PahoFactory = Callable[..., Paho]
RawFactory = Callable[..., Raw]

SESSION_PRESENT_V4 = b"\x20\x02\x01\x00"


def kept(paho: PahoFactory, acct: Account, port: int) -> None:
    """Publish a retained QoS 1 message: its PUBACK means all recorded before is committed."""
    paho(acct, port=port).publish(acct.t("sync"), b"now", 1, retain=True)


def test_retained_and_queued_messages_as_acknowledged_survive_sigkill(
    private_server: Callable[..., Server], paho: PahoFactory
) -> None:
    """Issue 11, reproduction 2: the retained state is the last acknowledged one (a cleared
    message stays cleared) and a queued PUBACKed message is delivered after the restart."""
    server = private_server()
    acct = account_on(server)
    port = server.mqtt_port
    cid = acct.cid("keeper")
    keeper = paho(acct, version=4, client_id=cid, clean=False, port=port)
    keeper.subscribe(acct.t("q/#"), 1)
    keeper.close()
    pub = paho(acct, port=port)
    pub.publish(acct.t("r/a"), b"v1", 1, retain=True)
    pub.publish(acct.t("r/b"), b"b1", 1, retain=True)
    pub.close()

    server.stop()  # graceful
    server.start()
    pub = paho(acct, port=port)
    pub.publish(acct.t("r/a"), b"v2", 1, retain=True)
    pub.publish(acct.t("r/b"), b"", 1, retain=True)  # cleared
    pub.publish(acct.t("q/x"), b"queued", 1)  # for the offline persistent session
    server.kill()
    server.start()

    keeper = paho(acct, version=4, client_id=cid, clean=False, port=port)
    assert keeper.connack is not None and keeper.connack.session_present
    (msg,) = keeper.expect(1)
    assert (msg.topic, msg.payload, msg.qos) == (acct.t("q/x"), b"queued", 1)
    paho(acct, port=port).publish(acct.t("q/y"), b"live", 1)
    assert [m.payload for m in keeper.expect(2)] == [b"queued", b"live"]  # subscription kept

    sub = paho(acct, port=port)
    sub.subscribe(acct.t("r/#"), 1)
    (retained,) = sub.expect(1)
    assert (retained.topic, retained.payload, retained.retain) == (acct.t("r/a"), b"v2", True)
    sub.quiet(already=1)  # r/b stays cleared


def test_persistent_sessions_and_subscriptions_survive_sigkill(
    private_server: Callable[..., Server], paho: PahoFactory
) -> None:
    server = private_server()
    acct = account_on(server)
    port = server.mqtt_port
    v4, v5 = acct.cid("v4"), acct.cid("v5")
    a = paho(acct, version=4, client_id=v4, clean=False, port=port)
    a.subscribe([(acct.t("s/1"), 1), (acct.t("s/+/deep"), 2)])
    a.close()
    b = paho(
        acct,
        client_id=v5,
        clean=False,
        port=port,
        properties=connect_props(SessionExpiryInterval=600),
    )
    b.subscribe(acct.t("s/#"), 1)  # stays connected through the crash
    kept(paho, acct, port)
    server.kill()
    server.start()

    a = paho(acct, version=4, client_id=v4, clean=False, port=port)
    assert a.connack is not None and a.connack.session_present
    b = paho(
        acct,
        client_id=v5,
        clean=False,
        port=port,
        properties=connect_props(SessionExpiryInterval=600),
    )
    assert b.connack is not None and b.connack.session_present
    pub = paho(acct, port=port)
    pub.publish(acct.t("s/1"), b"one", 1)
    pub.publish(acct.t("s/x/deep"), b"two", 2)
    assert sorted(m.payload for m in a.expect(2)) == [b"one", b"two"]
    assert sorted(m.payload for m in b.expect(2)) == [b"one", b"two"]


def test_in_flight_messages_are_sent_again_with_dup_after_sigkill(
    private_server: Callable[..., Server], paho: PahoFactory, raw: RawFactory
) -> None:
    server = private_server()
    acct = account_on(server)
    port = server.mqtt_port
    cid = acct.cid("flight")
    conn = raw(4, port)
    conn.login(acct, cid, clean=False)
    assert conn.subscribe(1, (acct.t("f/1"), 1), (acct.t("f/2"), 2)) == b"\x01\x02"
    pub = paho(acct, port=port)
    pub.publish(acct.t("f/1"), b"unacknowledged", 1)
    pub.publish(acct.t("f/2"), b"released", 2)
    first = conn.recv_publish()
    second = conn.recv_publish()
    assert (first.payload, second.payload) == (b"unacknowledged", b"released")
    conn.send(ack(0x50, second.packet_id or 0))  # PUBREC: the server answers PUBREL
    assert conn.recv().type == PUBREL
    kept(paho, acct, port)
    server.kill()
    server.start()

    conn = raw(4, port)
    assert conn.connect(acct, cid, clean=False).raw == SESSION_PRESENT_V4
    again = conn.recv_publish()  # [MQTT-4.4.0-1]
    assert (again.payload, again.dup, again.qos, again.packet_id) == (
        b"unacknowledged",
        True,
        1,
        first.packet_id,
    )
    assert conn.recv().raw == ack(0x62, second.packet_id or 0)  # PUBREL again, not the PUBLISH
    conn.send(ack(0x40, first.packet_id or 0))
    conn.send(ack(0x70, second.packet_id or 0))
    conn.expect_nothing()
    conn.close()
    conn = raw(4, port)  # acknowledged: nothing comes back a second time
    assert conn.connect(acct, cid, clean=False).raw == SESSION_PRESENT_V4
    conn.expect_nothing()


def test_v5_session_expiry_is_honoured_after_sigkill(
    private_server: Callable[..., Server], paho: PahoFactory
) -> None:
    server = private_server()
    acct = account_on(server)
    port = server.mqtt_port
    short, long = acct.cid("short"), acct.cid("long")
    for cid, expiry in ((short, 2), (long, 600)):
        c = paho(
            acct,
            client_id=cid,
            clean=False,
            port=port,
            properties=connect_props(SessionExpiryInterval=expiry),
        )
        c.subscribe(acct.t("e"), 1)
        c.close()
    kept(paho, acct, port)
    server.kill()
    server.start()
    restarted = time.monotonic()
    paho(acct, port=port).publish(acct.t("e"), b"while away", 1)
    time.sleep(max(0.0, restarted + 2.5 - time.monotonic()))

    gone = paho(acct, client_id=short, clean=False, port=port)
    assert gone.connack is not None and not gone.connack.session_present
    gone.quiet()
    here = paho(
        acct,
        client_id=long,
        clean=False,
        port=port,
        properties=connect_props(SessionExpiryInterval=600),
    )
    assert here.connack is not None and here.connack.session_present
    assert [m.payload for m in here.expect(1)] == [b"while away"]


def test_bytes_queued_per_session_and_per_user_are_bounded(
    private_server: Callable[..., Server], paho: PahoFactory
) -> None:
    """Beyond the bounds messages for a session are dropped, and said once on {user}/errors."""
    server = private_server(
        STONECHAT_MQTT_MAX_QUEUED_BYTES_PER_SESSION="10000",
        STONECHAT_MQTT_MAX_QUEUED_BYTES_PER_USER="15000",
    )
    acct = account_on(server)
    port = server.mqtt_port
    first, second = acct.cid("one"), acct.cid("two")
    for cid, topic in ((first, "b1"), (second, "b2")):
        c = paho(acct, version=4, client_id=cid, clean=False, port=port)
        c.subscribe(acct.t(topic), 1)
        c.close()
    errors = paho(acct, port=port)
    errors.subscribe(f"{acct.username}/errors", 0)
    pub = paho(acct, port=port)
    # Session one keeps 10 (its own bound); session two what is left of the user's: 5.
    for topic in ("b1", "b2"):
        for i in range(12):
            pub.publish(acct.t(topic), bytes([65 + i]) * 1000, 1)
    counts = []
    for cid, kept in ((first, 10), (second, 5)):
        c = paho(acct, version=4, client_id=cid, clean=False, port=port)
        c.expect(kept)  # the stored messages come in flight-window turns: wait for them all
        c.quiet(0.5)  # and no more
        got = c.take()
        counts.append(len(got))
        assert [m.payload[:1] for m in got] == [bytes([65 + i]) for i in range(len(got))]
        c.close()
    assert counts == [10, 5]
    notices = [m.payload.decode() for m in errors.expect(2)]
    errors.quiet(0.3)
    assert len(notices) == 2  # once per session, not once per dropped message
    assert all("queue limit reached" in n for n in notices)
    # Acknowledged messages no longer count: the bounds hold room again.
    pub.publish(acct.t("b1"), b"after", 1)
    c = paho(acct, version=4, client_id=first, clean=False, port=port)
    assert [m.payload for m in c.expect(1)] == [b"after"]


def test_offline_sessions_keep_their_messages_in_the_database_not_in_memory(
    private_server: Callable[..., Server], paho: PahoFactory
) -> None:
    """Issue 11, reproduction 4: two offline persistent sessions with 48 MiB queued between
    them; the server's memory stays well under that, and a graceful stop writes no dump."""
    server = private_server(
        STONECHAT_MQTT_MAX_QUEUED_BYTES_PER_SESSION=str(64 * 1024 * 1024),
        STONECHAT_MQTT_MAX_QUEUED_BYTES_PER_USER=str(128 * 1024 * 1024),
    )
    acct = account_on(server)
    port = server.mqtt_port
    cids = [acct.cid("big1"), acct.cid("big2")]
    for cid in cids:
        c = paho(acct, version=4, client_id=cid, clean=False, port=port)
        c.subscribe(acct.t("big"), 1)
        c.close()
    assert server.process is not None
    pid = server.process.pid
    pub = paho(acct, port=port)
    pub.publish(acct.t("warm"), b"x" * 256 * 1024, 1)
    before = rss_kib(pid)
    count = 96  # x 256 KiB x 2 sessions = 48 MiB queued
    for i in range(count):
        pub.publish(acct.t("big"), bytes([i]) * 256 * 1024, 1)
    grown = rss_kib(pid) - before
    print(f"RSS grew by {grown} KiB")
    # 24 MiB of distinct payloads (each shared by both queues when kept in memory).
    assert grown < 8 * 1024, f"RSS grew by {grown} KiB for 48 MiB queued offline"
    data_before = sum(f.stat().st_size for f in server.data_dir.rglob("*") if f.is_file())
    server.stop()
    data_after = sum(f.stat().st_size for f in server.data_dir.rglob("*") if f.is_file())
    assert data_after - data_before < 4 * 1024 * 1024  # no dump at stop
    server.start()
    for cid in cids:
        c = paho(acct, version=4, client_id=cid, clean=False, port=port)
        got = c.expect(count, timeout=30)
        assert [m.payload[0] for m in got] == list(range(count))
        c.close()


def test_a_suback_to_a_persistent_session_means_the_subscription_is_kept(
    tmp_path: Path, paho: PahoFactory, raw: RawFactory
) -> None:
    """A SUBACK granting a filter to a persistent session comes after the subscription is
    committed: with the disk full (the server's file size limit lowered below the emptied
    write-ahead log's first page, as in test_mqtt_storage_failure) the new filter is
    refused (0x80) and taken back; once writes succeed again one is granted, and after a
    kill -9 the session holds exactly that one."""
    server = Server(
        backend="sqlite",
        data_dir=tmp_path / "server",
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
    )
    server.start()
    try:
        acct = account_on(server)
        port = server.mqtt_port
        headers = {"X-AIO-Key": acct.key}
        api = f"{server.base_url}/api/v2/{acct.username}"
        assert httpx.post(f"{api}/feeds", json={"name": "filler"}, headers=headers).is_success
        filler = [{"value": f"filler-{i:06d}-" + "x" * 64} for i in range(1000)]
        for _ in range(10):  # a database (and its write-ahead log) past the limit below
            response = httpx.post(
                f"{api}/feeds/filler/data/batch", json=filler, headers=headers, timeout=30
            )
            assert response.is_success
        cid = acct.cid("kept")
        conn = raw(4, port)
        conn.login(acct, cid, clean=False)
        kept(paho, acct, port)  # the session row is committed
        assert server.process is not None
        pid = server.process.pid
        # Empty the write-ahead log first: after a checkpoint SQLite writes the log again
        # from its start, inside the file's old size, where a size limit does not bite.
        with sqlite3.connect(server.data_dir / "stonechat.db") as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (1024, resource.RLIM_INFINITY))
        try:
            assert conn.subscribe(1, (acct.t("refused"), 1)) == b"\x80"
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
        assert conn.subscribe(2, (acct.t("granted"), 1)) == b"\x01"
        server.kill()
        server.start()

        conn = raw(4, port)
        assert conn.connect(acct, cid, clean=False).raw == SESSION_PRESENT_V4
        pub = paho(acct, port=port)
        pub.publish(acct.t("refused"), b"no", 1)
        pub.publish(acct.t("granted"), b"yes", 1)
        assert conn.recv_publish().payload == b"yes"
        conn.expect_nothing()
    finally:
        server.stop()
