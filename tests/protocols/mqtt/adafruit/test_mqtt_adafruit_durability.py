"""A PUBACK is a promise: SIGKILL the server mid-stream and every acknowledged point is kept.

Each backend gets a server of its own (own data directory, fresh PostgreSQL database). A
paho client publishes QoS 1 points to one feed as fast as 50 unacknowledged messages allow;
the server is killed with SIGKILL while that goes on, restarted on the same data, and the
points are counted through REST.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from mqtt_adafruit_helpers import Client, own_server, rest, wait_for

WINDOW = 50  # unacknowledged publishes in flight at most
MAX_MESSAGES = 1000  # one REST page; the kill comes long before


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_every_acknowledged_point_survives_sigkill(
    backend: str, tmp_path: Path, version: int
) -> None:
    with own_server(backend, tmp_path / "data") as server:
        user = server.create_user("m")
        topic = f"{user[0]}/f/durable"
        client = Client(server.mqtt_port, *user, version=version)
        client.paho.max_inflight_messages_set(WINDOW)
        client.paho.reconnect_delay_set(60, 60)  # no reconnect to the restarted server
        assert client.connect() == 0
        sent: dict[int, str] = {}
        stop = threading.Event()

        def pump() -> None:
            for i in range(MAX_MESSAGES):
                while not stop.is_set() and i - len(client._pubacks) >= WINDOW:
                    time.sleep(0.0005)
                if stop.is_set():
                    return
                info = client.paho.publish(topic, str(i), qos=1)
                if info.rc != mqtt.MQTT_ERR_SUCCESS:
                    return
                sent[info.mid] = str(i)

        publisher = threading.Thread(target=pump, daemon=True)
        publisher.start()
        try:
            wait_for(lambda: len(client._pubacks) >= 300, timeout=20)
            server.kill()  # SIGKILL while publishes are in flight
        finally:
            stop.set()
            publisher.join(5)
            client.paho.loop_stop()
        with client._cond:
            acked = {sent[mid] for mid, reason in client._pubacks.items() if reason == 0}
        assert len(acked) >= 300
        assert len(acked) < len(sent) < MAX_MESSAGES, "the kill came mid-stream"

        server.start()
        with rest(server, *user) as api:
            response = api.get("/feeds/durable/data", params={"limit": 1000})
            assert response.status_code == 200
            stored = [d["value"] for d in response.json()]
            details = api.get("/feeds/durable/details").json()
        assert acked <= set(stored), f"lost after PUBACK: {sorted(acked - set(stored), key=int)}"
        assert set(stored) <= set(sent.values())
        assert len(stored) == len(set(stored))  # nothing stored twice
        assert details["details"]["data"]["count"] == len(stored)
        # The restarted server takes new publishes on the same feed.
        with Client(server.mqtt_port, *user, version=version) as again:
            assert again.connect() == 0
            assert again.publish(topic, "after-restart", qos=1) == 0
        with rest(server, *user) as api:
            assert api.get("/feeds/durable/data/last").json()["value"] == "after-restart"
