"""Load for the storage failure tests: QoS 1 publishers and REST writers that record what
the server answered each point, and the values stored in a feed, read back over REST."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

WINDOW = 10  # QoS 1 publishes a publisher has unacknowledged at most


class Publisher:
    """A paho client sending ``{name}-{n}`` at QoS 1 to one feed, as a device would.

    paho reconnects by itself (every second at most) and sends again what was not
    acknowledged. Recorded: the values acknowledged as kept, those refused with a reason
    code (MQTT 5), how often the server closed the connection, and each CONNACK code.
    """

    def __init__(self, port: int, username: str, key: str, feed: str, version: int) -> None:
        self.name = f"v{version}-{uuid.uuid4().hex[:6]}"
        self.topic = f"{username}/feeds/{feed}"
        self.version = version
        self.paho = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.name,
            protocol=mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311,
        )
        self.paho.username_pw_set(username, key)
        self.paho.reconnect_delay_set(1, 1)
        self.paho.on_publish = self._on_publish
        self.paho.on_disconnect = self._on_disconnect
        self.paho.on_connect = self._on_connect
        self.port = port
        self._lock = threading.Lock()
        self._sent: dict[int, str] = {}
        self._early: dict[int, int] = {}
        self.published: list[str] = []
        self.acked: set[str] = set()
        self.failed: dict[str, int] = {}
        self.disconnects = 0
        self.connacks: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _on_publish(self, _c: Any, _u: Any, mid: int, reason: Any, _p: Any) -> None:
        with self._lock:
            value = self._sent.pop(mid, None)
            if value is None:  # answered before ``publish`` returned its mid
                self._early[mid] = int(reason.value)
            else:
                self._answered(value, int(reason.value))

    def _answered(self, value: str, reason: int) -> None:
        if reason >= 0x80:
            self.failed[value] = reason
        else:
            self.acked.add(value)

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, _reason: Any, _p: Any) -> None:
        with self._lock:
            self.disconnects += 1

    def _on_connect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        with self._lock:
            self.connacks.append(int(reason.value))

    @property
    def outstanding(self) -> int:
        with self._lock:
            return len(self._sent)

    def start(self) -> None:
        self.paho.connect("127.0.0.1", self.port, keepalive=30)
        self.paho.loop_start()
        self._thread.start()

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            if self.outstanding >= WINDOW:
                time.sleep(0.005)
                continue
            n += 1
            value = f"{self.name}-{n}"
            # Not under our lock: paho calls on_publish holding its own.
            info = self.paho.publish(self.topic, value, qos=1)
            with self._lock:
                self.published.append(value)
                early = self._early.pop(info.mid, None)
                if early is None:
                    self._sent[info.mid] = value
                else:
                    self._answered(value, early)
            time.sleep(0.002)

    def stop_sending(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def close(self) -> None:
        self.paho.disconnect()
        self.paho.loop_stop()


@dataclass
class RestWriter:
    """A thread posting single points to one feed, recording each answer's status and body."""

    api: str
    key: str
    feed: str
    answers: list[tuple[str, int, Any]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(headers={"X-AIO-Key": self.key}, timeout=15) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                value = f"rest-{n}"
                try:
                    response = client.post(
                        f"{self.api}/feeds/{self.feed}/data", json={"value": value}
                    )
                except httpx.HTTPError:
                    self.answers.append((value, 0, None))
                    time.sleep(0.05)
                    continue
                try:
                    body = response.json()
                except ValueError:
                    body = response.text
                self.answers.append((value, response.status_code, body))
                time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(20)

    def statuses(self) -> set[int]:
        return {status for _, status, _ in self.answers}

    def stored(self) -> set[str]:
        return {value for value, status, _ in self.answers if status == 200}


def stored_values(api: httpx.Client, feed: str) -> set[str]:
    """Every value stored in ``feed``, page by page (``Link`` header)."""
    values: set[str] = set()
    page = api.get(f"/feeds/{feed}/data", params={"limit": 1000})
    while True:
        assert page.status_code == 200, page.text
        values |= {d["value"] for d in page.json()}
        links = page.headers.get("Link", "").split(", <")
        if len(links) < 2:
            return values
        page = api.get(links[1].rstrip(">"))


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.05)
