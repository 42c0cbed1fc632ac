"""Abuse of a running server (issue 11's reproductions 3, 4, 5 and 8) and what it costs.

Shared by ``test_mqtt_abuse.py`` (which asserts bounds) and ``bench/mqtt_abuse.py`` (which
prints the numbers). ``Watch`` polls ``/health`` and the server's RSS while a scenario runs.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import statistics
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from stonechat.protocols.mqtt.codec import (
    Connack,
    Connect,
    Decoder,
    Packet,
    Puback,
    Publish,
    Suback,
    Subscribe,
    SubscriptionOptions,
    encode,
)
from support import Server

MIB = 1024 * 1024


def rss_bytes(pid: int) -> int:
    """The process's resident set (VmRSS in /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@dataclass
class Watch:
    """``/health`` latencies (s) and the RSS peak of the server while a scenario runs."""

    server: Server
    health_timeout: float = 2.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    rss_before: int = 0
    rss_peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    @property
    def pid(self) -> int:
        assert self.server.process is not None
        return self.server.process.pid

    def _run(self) -> None:
        with httpx.Client(timeout=self.health_timeout) as client:
            while not self._stop.is_set():
                self.rss_peak = max(self.rss_peak, rss_bytes(self.pid))
                started = time.monotonic()
                try:
                    status = client.get(f"{self.server.base_url}/health").status_code
                    if status != 200:
                        self.failures.append(f"status {status}")
                except httpx.HTTPError as error:
                    self.failures.append(repr(error))
                self.latencies.append(time.monotonic() - started)
                self._stop.wait(0.02)

    @contextlib.contextmanager
    def running(self) -> Iterator[Watch]:
        self.rss_before = self.rss_peak = rss_bytes(self.pid)
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        self._probed(0)  # one answer before the abuse starts
        try:
            yield self
        finally:
            self._probed(len(self.latencies) + len(self.failures))  # and one after it
            self._stop.set()
            thread.join(10)

    def _probed(self, seen: int, wait: float = 30.0) -> None:
        """Wait until a probe beyond the first ``seen`` has finished (or ``wait`` passed)."""
        deadline = time.monotonic() + wait
        while len(self.latencies) <= seen and time.monotonic() < deadline:
            time.sleep(0.01)

    @property
    def growth(self) -> int:
        return self.rss_peak - self.rss_before

    def summary(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies) or [0.0]
        return (
            f"/health max {ms[-1]:.0f} ms, p50 {statistics.median(ms):.1f} ms "
            f"({len(self.latencies)} probes, {len(self.failures)} failed); "
            f"RSS {self.rss_before / MIB:.0f} -> peak {self.rss_peak / MIB:.0f} MiB"
        )


class RawClient:
    """A bare MQTT socket through Stonechat's codec, signed in at ``level``."""

    def __init__(self, server: Server, username: str, key: str, level: int = 5) -> None:
        self.sock = socket.create_connection(("127.0.0.1", server.mqtt_port), timeout=30)
        self.level = level
        self.decoder = Decoder(server_side=False, protocol_level=level)
        self.packets: list[Packet] = []
        self.send(
            Connect(
                protocol_level=level,
                client_id=f"abuse-{uuid.uuid4().hex[:8]}",
                username=username,
                password=key.encode(),
            )
        )
        connack = self.recv(Connack)
        assert connack.reason_code == 0, connack

    def send(self, packet: Packet) -> None:
        self.sock.sendall(encode(packet, self.level))

    def recv(self, kind: type | None = None, timeout: float = 30) -> Any:
        self.sock.settimeout(timeout)
        while True:
            for index, packet in enumerate(self.packets):
                if kind is None or isinstance(packet, kind):
                    return self.packets.pop(index)
            data = self.sock.recv(1 << 20)
            if not data:
                raise AssertionError("connection closed")
            self.packets.extend(self.decoder.feed(data))

    def subscribe(self, filters: list[str], packet_id: int = 1) -> list[int]:
        options = SubscriptionOptions(qos=0)
        self.send(Subscribe(packet_id, [(f, options) for f in filters]))
        suback = self.recv(Suback, timeout=120)
        assert suback.packet_id == packet_id
        return list(suback.reason_codes)

    def pubacks(self, ids: set[int], timeout: float = 30) -> dict[int, int]:
        got: dict[int, int] = {}
        while set(got) != ids:
            ack = self.recv(Puback, timeout)
            got[ack.packet_id] = ack.reason_code
        return got

    def close(self) -> None:
        self.sock.close()


# -- reproduction 3: one huge SUBSCRIBE over many retained messages ---------------------


def huge_subscribe(
    server: Server, username: str, key: str, filters: int = 30_000, retained: int = 1000
) -> list[int]:
    """``retained`` retained messages, then one SUBSCRIBE of ``filters`` filters (each names
    one retained topic); returns the SUBACK's codes."""
    client = RawClient(server, username, key)
    try:
        for i in range(retained):
            client.send(Publish(f"{username}/r/{i}", b"v", 0, retain=True))
        client.send(Publish(f"{username}/r/done", b"v", 1, packet_id=1))
        assert client.pubacks({1}) == {1: 0}
        return client.subscribe([f"{username}/r/{i % retained}" for i in range(filters)])
    finally:
        client.close()


# -- reproduction 3: REST writes of a user with many wildcard subscriptions -------------


def wildcard_writes(
    server: Server,
    username: str,
    key: str,
    subscriptions: int = 50_000,
    per_packet: int = 1000,
    writes: int = 5,
    points: int = 20,
) -> tuple[list[int], list[float]]:
    """One connection holding ``subscriptions`` wildcard filters (few match), then
    ``writes`` REST batch writes of ``points`` points; returns (SUBACK codes, write times)."""
    client = RawClient(server, username, key)
    codes: list[int] = []
    try:
        filters = [f"{username}/other{i}/+" for i in range(subscriptions - 1)]
        filters.append(f"{username}/feeds/+")
        for start in range(0, len(filters), per_packet):
            codes += client.subscribe(filters[start : start + per_packet], start // per_packet + 1)
        times = []
        with httpx.Client(
            base_url=f"{server.base_url}/api/v2/{username}",
            headers={"X-AIO-Key": key},
            timeout=60,
        ) as api:
            for _ in range(writes):
                started = time.monotonic()
                body = {"data": [{"value": str(i)} for i in range(points)]}
                response = api.post("/feeds/wild/data/batch", json=body)
                assert response.status_code == 200, response.text
                times.append(time.monotonic() - started)
        received = 0
        while received < writes * points:  # the matching filter got every point
            packet = client.recv(Publish)
            assert packet.topic == f"{username}/feeds/wild"
            received += 1
        return codes, times
    finally:
        client.close()


# -- reproduction 4: megabyte packets behind a publish that waits -----------------------


@contextlib.contextmanager
def database_locked(server: Server) -> Iterator[None]:
    """Hold SQLite's write lock: the server's writes (a new feed) wait meanwhile."""
    assert server.database_url is None, "SQLite only"
    db = sqlite3.connect(server.data_dir / "stonechat.db", timeout=30, isolation_level=None)
    try:
        db.execute("BEGIN EXCLUSIVE")
        yield
        db.execute("ROLLBACK")
    finally:
        db.close()


@dataclass
class Flood:
    """A thread sending ``packets`` 1 MiB publishes after a QoS 1 publish to a new feed."""

    client: RawClient
    username: str
    packets: int
    sent: int = 0
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        feed = f"{self.username}/feeds/new-{uuid.uuid4().hex[:8]}"
        self.client.send(Publish(feed, b"1", 1, packet_id=1))  # waits for the locked database
        big = encode(Publish(f"{self.username}/flood", b"x" * (MIB - 100)), self.client.level)
        try:
            for _ in range(self.packets):
                self.client.sock.sendall(big)
                self.sent += 1
            self.client.send(Publish(f"{self.username}/flood", b"end", 1, packet_id=2))
        except OSError:
            pass
        self.done.set()


def flood_behind_wait(
    server: Server, username: str, key: str, watch: Watch, connections: int = 2, mib: int = 150
) -> tuple[list[int], list[dict[int, int]]]:
    """Reproduction 4 on SQLite: while the database is locked, each connection publishes to
    a new feed and then ``mib`` 1 MiB packets. Returns how many each got out while the
    lock was held, and each one's acknowledgements once it is released."""
    clients = [RawClient(server, username, key) for _ in range(connections)]
    floods = [Flood(c, username, mib) for c in clients]
    try:
        with database_locked(server):
            threads = [threading.Thread(target=f.run, daemon=True) for f in floods]
            for thread in threads:
                thread.start()
            last, still = -1, time.monotonic()
            deadline = time.monotonic() + 6
            while time.monotonic() < deadline:  # until the senders stall or finish
                total = sum(f.sent for f in floods)
                if total != last:
                    last, still = total, time.monotonic()
                elif time.monotonic() - still > 1.5 or all(f.done.is_set() for f in floods):
                    break
                time.sleep(0.1)
            sent_while_locked = [f.sent for f in floods]
            watch.rss_peak = max(watch.rss_peak, rss_bytes(watch.pid))
        acks = []
        for flood, client in zip(floods, clients, strict=True):
            assert flood.done.wait(60), "the connection was never read again"
            acks.append(client.pubacks({1, 2}, timeout=60))
        return sent_while_locked, acks
    finally:
        for client in clients:
            client.close()


# -- reproduction 5: a deeply nested payload behind a publish that waits ----------------


def deep_payload(server: Server, username: str, key: str, depth: int = 5000) -> dict[int, int]:
    """A publish to a new feed, then ``{"value": [[[...`` ``depth`` deep to another new feed,
    then an ordinary publish, pipelined; returns the PUBACK reason codes by packet id."""
    client = RawClient(server, username, key)
    try:
        deep = b'{"value": ' + b"[" * depth + b"]" * depth + b"}"
        batch = b"".join(
            encode(packet, 5)
            for packet in (
                Publish(f"{username}/feeds/first-{uuid.uuid4().hex[:6]}", b"1", 1, packet_id=1),
                Publish(f"{username}/feeds/deep-{uuid.uuid4().hex[:6]}", deep, 1, packet_id=2),
                Publish(f"{username}/feeds/after", b"3", 1, packet_id=3),
            )
        )
        client.sock.sendall(batch)
        acks = client.pubacks({1, 2, 3})
        client.send(Publish(f"{username}/feeds/after", b"4", 1, packet_id=4))
        acks.update(client.pubacks({4}))
        return acks
    finally:
        client.close()


# -- reproduction 8: TLS connections that never say hello -------------------------------


def silent_tls(port: int, count: int = 20, wait: float = 30) -> list[float]:
    """Open ``count`` TCP connections to the TLS port, send nothing; returns how long the
    server kept each open (``wait`` when it still had not closed it)."""
    socks = [socket.create_connection(("127.0.0.1", port), timeout=wait) for _ in range(count)]
    started = time.monotonic()
    held: list[float] = []
    try:
        for sock in socks:
            sock.settimeout(max(0.01, started + wait - time.monotonic()))
            try:
                while sock.recv(4096):
                    pass
            except TimeoutError:
                held.append(wait)
                continue
            except OSError:
                pass
            held.append(time.monotonic() - started)
        return held
    finally:
        for sock in socks:
            sock.close()
