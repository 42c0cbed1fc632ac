"""Helpers of the administration tests: an administrator's browser session, MQTT clients
that record how they were let go, and waiting for a condition."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from support import Server
from ui.helpers import Browser, browser

PASSWORD = "password123"


def make_admin(server: Server) -> str:
    """A new administrator (through ``stonechat user create --admin``); its username."""
    name = f"adm{uuid.uuid4().hex[:10]}"
    server.cli("user", "create", name, "--password", PASSWORD, "--admin")
    return name


def admin_browser(server: Server, name: str) -> Browser:
    client = browser(server)
    assert client.sign_in(name, PASSWORD).status_code == 200
    return client


def wait_until(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Poll ``check`` until true; fail after ``timeout`` seconds (a bound, not a timing)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Device:
    """A paho-mqtt client of one user that records its CONNACKs and disconnects."""

    def __init__(self, server: Server, username: str, key: str, v5: bool = True) -> None:
        self.client_id = f"dev-{uuid.uuid4().hex[:8]}"
        self.server = server
        protocol = mqtt.MQTTv5 if v5 else mqtt.MQTTv311
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=protocol
        )
        self.client.username_pw_set(username, key)
        self.connacks: list[int] = []
        self.disconnects: list[int] = []
        self.connected = threading.Event()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect

    def _on_connect(self, _c: object, _u: object, _f: object, rc: ReasonCode, _p: object) -> None:
        self.connacks.append(rc.value)
        if rc.value == 0:
            self.connected.set()

    def _on_disconnect(
        self, _c: object, _u: object, _f: object, rc: ReasonCode, _p: object
    ) -> None:
        self.disconnects.append(rc.value)
        self.connected.clear()

    def connect(self) -> None:
        """Connect once (no automatic reconnect: the test reconnects itself)."""
        self.client.connect("127.0.0.1", self.server.mqtt_port)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()

    def attempt(self) -> int:
        """A fresh connection attempt: its CONNACK code."""
        before = len(self.connacks)
        self.client.loop_stop()
        self.client.reconnect()
        self.client.loop_start()
        wait_until(lambda: len(self.connacks) > before, "a CONNACK")
        return self.connacks[-1]
