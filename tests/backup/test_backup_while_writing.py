"""A backup taken while clients write (HTTP, MQTT QoS 1), restored into a fresh data
directory or database: every point acknowledged before the backup began is there, with the
users and their keys, a dashboard and a retained MQTT message."""

from __future__ import annotations

import stat
import threading
import time
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
from backup_files import manifest_of, member_of, restore_into
from paho.mqtt.enums import CallbackAPIVersion

from stonechat.storage.backup import head_revision
from support import Server, free_port, ok

MAX_POINTS = 900  # per writer: the restored feeds are read in one page of 1000
PAUSE = 0.01  # between writes: 900 points take longer than a backup, even on a slow machine


class HttpWriter(threading.Thread):
    """Posts h0, h1, ... and records each value the server acknowledged (HTTP 200)."""

    def __init__(self, server: Server, username: str, key: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{server.base_url}/api/v2/{username}/feeds/http-feed/data"
        self.key = key
        self.acked: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(headers={"X-AIO-Key": self.key}, timeout=30) as client:
            for i in range(MAX_POINTS):
                if self.stop.is_set():
                    return
                if client.post(self.url, json={"value": f"h{i}"}).status_code == 200:
                    self.acked.append(f"h{i}")
                time.sleep(PAUSE)


class MqttWriter(threading.Thread):
    """Publishes m0, m1, ... with QoS 1 and records each value the server acknowledged."""

    def __init__(self, server: Server, username: str, key: str) -> None:
        super().__init__(daemon=True)
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        self.client.username_pw_set(username, key)
        self.client.connect("127.0.0.1", server.mqtt_port, keepalive=30)
        self.client.loop_start()
        self.topic = f"{username}/feeds/mqtt-feed"
        self.acked: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            for i in range(MAX_POINTS):
                if self.stop.is_set():
                    return
                info = self.client.publish(self.topic, f"m{i}", qos=1)
                info.wait_for_publish(10)
                if info.is_published():  # the PUBACK came: stored
                    self.acked.append(f"m{i}")
                time.sleep(PAUSE)
        finally:
            self.client.loop_stop()
            self.client.disconnect()


def publish_retained(server: Server, username: str, key: str, topic: str, text: str) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(username, key)
    client.connect("127.0.0.1", server.mqtt_port, keepalive=30)
    client.loop_start()
    try:
        info = client.publish(topic, text, qos=1, retain=True)
        info.wait_for_publish(10)
        assert info.is_published()
    finally:
        client.loop_stop()
        client.disconnect()


def receive_retained(server: Server, username: str, key: str, topic: str) -> tuple[str, bool]:
    got: list[tuple[str, bool]] = []
    arrived = threading.Event()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    client.username_pw_set(username, key)

    def on_message(_c, _u, message):  # type: ignore[no-untyped-def]
        got.append((message.payload.decode(), bool(message.retain)))
        arrived.set()

    client.on_message = on_message
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.connect("127.0.0.1", server.mqtt_port, keepalive=30)
    client.loop_start()
    try:
        assert arrived.wait(10), "the retained message did not arrive"
        return got[0]
    finally:
        client.loop_stop()
        client.disconnect()


def wait_for(condition: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def values(server: Server, username: str, key: str, feed: str) -> set[str]:
    rows = ok(
        httpx.get(
            f"{server.base_url}/api/v2/{username}/feeds/{feed}/data",
            params={"limit": 1000},
            headers={"X-AIO-Key": key},
        )
    )
    return {row["value"] for row in rows}


def test_backup_while_writing_restores_everything_acknowledged_before(
    backend: str, own_database: str | None, restore_database: str | None, tmp_path: Path
) -> None:
    source = Server(backend, tmp_path / "source", own_database, free_port(), free_port())
    source.start()
    archive = tmp_path / "backups" / "stonechat.tar.gz"
    archive.parent.mkdir()
    try:
        (alice, alice_key), (bob, bob_key) = source.create_users(2, "bk")
        base = f"{source.base_url}/api/v2/{alice}"
        headers = {"X-AIO-Key": alice_key}
        ok(httpx.post(f"{base}/dashboards", json={"name": "Backyard"}, headers=headers), 201)
        publish_retained(source, alice, alice_key, f"{alice}/status/door", "open")

        writers = [HttpWriter(source, alice, alice_key), MqttWriter(source, bob, bob_key)]
        for writer in writers:
            writer.start()
        wait_for(lambda: all(len(w.acked) >= 20 for w in writers), "the writers got no acks")
        before = [list(w.acked) for w in writers]  # acknowledged before the backup began
        result = source.cli("backup", str(archive), check=False)
        assert result.returncode == 0, result.stderr
        assert "backup written to" in result.stdout
        during = [len(w.acked) for w in writers]  # acknowledged once the backup had ended
        for writer in writers:
            writer.stop.set()
            writer.join(30)
        # The writers went on while the backup ran.
        assert all(n > len(b) for n, b in zip(during, before, strict=True)), (during, before)
    finally:
        source.stop()

    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [p.name for p in archive.parent.iterdir()] == [archive.name]  # no temporary left
    manifest = manifest_of(archive)
    assert manifest["dialect"] == backend
    assert manifest["schema_revision"] == head_revision()
    counts = manifest["counts"]
    assert counts["users"] >= 3  # the first administrator, alice, bob
    assert counts["dashboards"] == 1
    assert counts["retained_mqtt_messages"] == 1
    assert counts["data_points"] >= len(before[0]) + len(before[1])
    assert member_of(archive, "secret.key") == (source.data_dir / "secret.key").read_bytes()

    target = Server(backend, tmp_path / "restored", restore_database, free_port(), free_port())
    restored = restore_into(target, str(archive))
    assert restored.returncode == 0, restored.stderr
    assert stat.S_IMODE((target.data_dir / "secret.key").stat().st_mode) == 0o600
    target.start()
    try:
        for name, key in ((alice, alice_key), (bob, bob_key)):  # the keys came along
            me = httpx.get(f"{target.base_url}/api/v2/user", headers={"X-AIO-Key": key})
            assert ok(me)["username"] == name
        assert set(before[0]) <= values(target, alice, alice_key, "http-feed")
        assert set(before[1]) <= values(target, bob, bob_key, "mqtt-feed")
        dashboards = ok(httpx.get(f"{target.base_url}/api/v2/{alice}/dashboards", headers=headers))
        assert [d["name"] for d in dashboards] == ["Backyard"]
        topic = f"{alice}/status/door"
        assert receive_retained(target, alice, alice_key, topic) == ("open", True)
    finally:
        target.stop()
