"""Issue 11, reproduction 1: nothing is acknowledged that is not kept.

While the database cannot store anything (its disk full, PostgreSQL restarting) a QoS 1
publisher on MQTT 3.1.1 gets no PUBACK and its connection is closed (it sends the point
again when it reconnects); on MQTT 5 it gets PUBACK 0x80. REST answers 503. Storage failures
never count toward bans, writes resume by themselves, every acknowledged point is stored,
and the log tells the outage in a few lines, not one traceback per point.

The disk fills up for real: the server process's file size limit (RLIMIT_FSIZE) is lowered
below the size of its SQLite files, so SQLite's writes fail with EFBIG ("disk I/O error";
CPython ignores SIGXFSZ), as they fail with ENOSPC on a full disk. PostgreSQL is a server
of the test's own (``initdb`` + ``pg_ctl``), stopped and started during the load.
"""

from __future__ import annotations

import resource
import time
from pathlib import Path

import pytest
from mqtt_adafruit_helpers import Client, connected, rest
from mqtt_outage_helpers import Publisher, RestWriter, stored_values, wait_until

from protocols.http.test_database_outage import (  # the fixture: a PostgreSQL of the test's own
    PrivatePostgres,
    private_postgres,  # noqa: F401
)
from support import Server, free_port

# Bans on, with a failed-publish limit so low that counting storage failures would show.
BANS = {
    "STONECHAT_BANS": "true",
    "STONECHAT_BAN_FAILED_PUBLISHES": "3",
    "STONECHAT_BAN_CONNECTS": "20",
    # The outage's own lines are counted; the REST writer's access lines would drown them.
    "STONECHAT_ACCESS_LOG": "false",
}
MAX_OUTAGE_LOG_LINES = 20


def outage_log(server: Server, before: int) -> list[str]:
    """The server's log lines written since ``before`` (a length of its text)."""
    return [line for line in server.log()[before:].splitlines() if line.strip()]


def start_load(server: Server, username: str, key: str) -> tuple[list[Publisher], RestWriter]:
    with rest(server, username, key) as api:
        for feed in ("mqtt-v4", "mqtt-v5", "rest"):
            assert api.post("/feeds", json={"name": feed}).status_code == 201
    publishers = [
        Publisher(server.mqtt_port, username, key, f"mqtt-v{version}", version)
        for version in (4, 5)
    ]
    for publisher in publishers:
        publisher.start()
    writer = RestWriter(f"{server.base_url}/api/v2/{username}", key, "rest")
    writer.start()
    wait_until(lambda: all(len(p.acked) >= 50 for p in publishers), 20, "publishers running")
    wait_until(lambda: 200 in writer.statuses(), 20, "REST writes running")
    return publishers, writer


def wait_for_failures(publishers: list[Publisher], writer: RestWriter) -> None:
    """Until every client saw the failure: 3.1.1 closed, 5.0 refused with 0x80, REST 503."""
    v4, v5 = publishers
    disconnects = v4.disconnects
    wait_until(lambda: v4.disconnects > disconnects, 30, "the 3.1.1 connection closed")
    wait_until(lambda: v5.failed, 30, "the MQTT 5 publisher refused")
    wait_until(lambda: 503 in writer.statuses(), 30, "REST answered 503")


def errors_watcher(server: Server, username: str, key: str) -> Client:
    """A client of the user reading ``{user}/errors`` throughout."""
    watcher = connected(server, username, key, version=5)
    assert watcher.subscribe(f"{username}/errors") == [0]
    return watcher


def check_notices(watcher: Client, publishers: list[Publisher]) -> None:
    """``{user}/errors`` told each failing connection once per outage, not once per point."""
    v4, _v5 = publishers
    notices = [m.text for m in watcher.pending() if "could not be stored" in m.text]
    watcher.close()
    assert notices, "nothing on {user}/errors"
    connections = 1 + v4.disconnects  # the MQTT 5 one, and each 3.1.1 one that was closed
    assert len(notices) <= connections, notices[:5]


def check_after(server: Server, username: str, key: str, publishers: list[Publisher]) -> None:
    """Writes resumed by themselves; every acknowledged point is stored; nobody banned."""
    v4, v5 = publishers
    resumed = {p.name: len(p.acked) for p in publishers}
    wait_until(
        lambda: all(len(p.acked) >= resumed[p.name] + 50 for p in publishers),
        60,
        "MQTT writes resumed",
    )
    for publisher in publishers:
        publisher.stop_sending()
    # paho sends again what the closed 3.1.1 connection left unacknowledged: it all lands.
    wait_until(lambda: v4.outstanding == 0 and v5.outstanding == 0, 30, "all answered")
    for publisher in publishers:
        publisher.close()

    assert set(v5.failed.values()) == {0x80}, v5.failed
    with rest(server, username, key) as api:
        for publisher in publishers:
            stored = stored_values(api, f"mqtt-v{publisher.version}")
            lost = publisher.acked - stored
            assert not lost, f"{len(lost)} acknowledged points are not stored: {sorted(lost)[:5]}"
        # On 3.1.1 nothing was given up: every point published was resent until kept.
        assert v4.acked == set(v4.published)
        assert set(v4.published) <= stored_values(api, "mqtt-v4")
        # Storage failures are not failed publishes: no ban, nothing counted.
        throttle = api.get("/throttle").json()
        assert throttle["publish_authorization_rate"] == 0, throttle
        assert throttle["mqtt_ban_error_message"] is None, throttle
    for version in (4, 5):
        with connected(server, username, key, version=version) as device:
            assert device.publish(f"{username}/feeds/after", "1", qos=1) == 0


def check_rest(server: Server, username: str, key: str, writer: RestWriter) -> None:
    writer.stop()
    assert writer.statuses() <= {200, 503}, writer.statuses()
    for _value, status, body in writer.answers:
        if status == 503:
            assert isinstance(body, dict) and set(body) == {"error"}, body
    with rest(server, username, key) as api:
        assert writer.stored() <= stored_values(api, "rest")
        after = api.post("/feeds/rest/data", json={"value": "after"})
        assert after.status_code == 200, after.text


def check_log(lines: list[str], what: str) -> None:
    text = "\n".join(lines)
    assert "Traceback" not in text, text[-3000:]
    assert len(lines) <= MAX_OUTAGE_LOG_LINES, f"{len(lines)} log lines:\n{text[-3000:]}"
    assert "cannot store data" in text, text
    assert "storing data again" in text, text
    assert what in text, text


# -- the disk fills up (SQLite) ---------------------------------------------------------------


def database_size(data_dir: Path) -> int:
    return sum(f.stat().st_size for f in data_dir.glob("stonechat.db*"))


def test_disk_full_on_sqlite(tmp_path: Path) -> None:
    server = Server(
        backend="sqlite",
        data_dir=tmp_path / "server",
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=BANS,
    )
    server.start()
    try:
        username, key = server.create_user("full")
        with rest(server, username, key) as api:  # a database larger than the limit below
            assert api.post("/feeds", json={"name": "filler"}).status_code == 201
            filler = [{"value": f"filler-{i:06d}-" + "x" * 64} for i in range(1000)]
            for _ in range(10):
                assert api.post("/feeds/filler/data/batch", json=filler).status_code == 200
        watcher = errors_watcher(server, username, key)
        publishers, writer = start_load(server, username, key)
        assert server.process is not None
        pid = server.process.pid
        limit = 256 * 1024
        assert database_size(server.data_dir) > 4 * limit
        assert len(server.log()) < limit // 4  # the log file stays writable
        before = len(server.log())
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        try:
            wait_for_failures(publishers, writer)
            time.sleep(1.0)  # the clients keep trying meanwhile
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
        check_after(server, username, key, publishers)
        check_notices(watcher, publishers)
        check_rest(server, username, key, writer)
        check_log(outage_log(server, before), "disk I/O error")
    finally:
        server.stop()


# -- PostgreSQL restarts --------------------------------------------------------------------------


def test_postgresql_restart(private_postgres: PrivatePostgres, tmp_path: Path) -> None:  # noqa: F811
    server = Server(
        backend="postgresql",
        data_dir=tmp_path / "server",
        database_url=private_postgres.url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=BANS,
    )
    server.start()
    try:
        username, key = server.create_user("restart")
        watcher = errors_watcher(server, username, key)
        publishers, writer = start_load(server, username, key)
        before = len(server.log())
        private_postgres.stop()
        stopped = time.monotonic()
        try:
            wait_for_failures(publishers, writer)
            time.sleep(max(0.0, 3.0 - (time.monotonic() - stopped)))
        finally:
            private_postgres.start()
        check_after(server, username, key, publishers)
        check_notices(watcher, publishers)
        check_rest(server, username, key, writer)
        check_log(outage_log(server, before), "the database")
    finally:
        server.stop()


# -- one bad value ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_a_value_with_nul_is_refused_alike_everywhere(
    server: Server, user: tuple[str, str], version: int
) -> None:
    """Refused before storage on every backend: 3.1.1 a PUBACK and ``{user}/errors``, 5.0
    0x99, REST 422; a validation refusal, so the connection stays and may go on."""
    username, key = user
    with rest(server, username, key) as api:
        assert api.post("/feeds", json={"name": "nul"}).status_code == 201
        answer = api.post("/feeds/nul/data", json={"value": "a\u0000b"})
        assert answer.status_code == 422 and "NUL" in answer.json()["error"], answer.text
        with connected(server, username, key, version=version) as device:
            assert device.subscribe(f"{username}/errors") == [0]
            reason = device.publish(f"{username}/feeds/nul", b"a\x00b", qos=1)
            assert reason == (0x99 if version == 5 else 0)
            assert "NUL" in device.next().text
            assert device.publish(f"{username}/feeds/nul", b'{"value": "c\\u0000d"}', qos=1) == (
                0x99 if version == 5 else 0
            )
            assert device.publish(f"{username}/feeds/nul", b"fine", qos=1) == 0
        assert [d["value"] for d in api.get("/feeds/nul/data").json()] == ["fine"]
