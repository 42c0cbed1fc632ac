"""Helpers for the black-box broker conformance tests.

Two kinds of client: ``Paho`` (paho-mqtt 2.x, for well-formed traffic at 3.1.1 and 5.0)
and ``Raw`` (a plain socket and hand-built bytes, for exact wire checks and malformed
input). Nothing here imports the broker or its codec: the tests see only the wire.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from support import Server

TIMEOUT = 5.0  # how long a helper waits for something that must happen
QUIET = 0.4  # how long a helper watches for something that must not happen

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14


def wait_until(predicate: Callable[[], object], timeout: float = TIMEOUT) -> bool:
    """Poll ``predicate`` every 10 ms until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


# -- accounts -----------------------------------------------------------------------------


def make_users(server: Server, count: int) -> list[tuple[str, str]]:
    """``count`` new (username, key) pairs, made straight in the server's database."""
    return server.create_users(count, "m")


@dataclass
class Account:
    """A user plus a topic prefix of its own: ``{username}/c{random}`` (free-form)."""

    server: Server
    username: str
    key: str
    prefix: str = ""

    def __post_init__(self) -> None:
        if not self.prefix:
            self.prefix = f"{self.username}/c{uuid.uuid4().hex[:8]}"

    def t(self, rest: str = "") -> str:
        return f"{self.prefix}/{rest}" if rest else self.prefix

    def cid(self, tag: str = "c") -> str:
        return f"{tag}-{uuid.uuid4().hex[:12]}"


class UserPool:
    """Users per server, made in batches; every test gets a fresh topic prefix."""

    def __init__(self) -> None:
        self._free: dict[tuple[int, str, str | None], list[tuple[str, str]]] = {}

    def account(self, server: Server) -> Account:
        key = (server.mqtt_port, str(server.data_dir), server.database_url)
        free = self._free.setdefault(key, [])
        if not free:
            free.extend(make_users(server, 6))
        username, key = free.pop()
        return Account(server, username, key)


POOL = UserPool()


def account_on(server: Server) -> Account:
    """A user of ``server`` with a fresh free-form topic prefix."""
    return POOL.account(server)


# -- paho ---------------------------------------------------------------------------------


@dataclass
class Connack:
    reason_code: int
    session_present: bool
    properties: Any


class Paho:
    """A paho-mqtt 2.x client on its own network thread; records what arrives."""

    def __init__(
        self,
        acct: Account,
        *,
        version: int = 5,
        client_id: str | None = None,
        clean: bool = True,
        keepalive: int = 60,
        properties: Properties | None = None,
        will: tuple[str, bytes, int, bool] | None = None,
        will_properties: Properties | None = None,
        username: str | None = None,
        password: str | None = None,
        port: int | None = None,
        expect_success: bool = True,
    ) -> None:
        self.acct = acct
        self.version = version
        self.client_id = acct.cid() if client_id is None else client_id
        protocol = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        kwargs: dict[str, Any] = {}
        if version != 5:
            kwargs["clean_session"] = clean
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=protocol,
            reconnect_on_failure=False,
            **kwargs,
        )
        self.client.username_pw_set(
            acct.username if username is None else username,
            acct.key if password is None else password,
        )
        if will is not None:
            topic, payload, qos, retain = will
            self.client.will_set(topic, payload, qos, retain, properties=will_properties)
        self.messages: list[mqtt.MQTTMessage] = []
        self.connack: Connack | None = None
        self.disconnected = threading.Event()
        self.disconnect_reason: Any = None
        self._acks: dict[int, Any] = {}
        self._lock = threading.Lock()
        c = self.client
        c.on_connect = self._on_connect
        c.on_message = self._on_message
        c.on_subscribe = self._on_ack
        c.on_unsubscribe = self._on_ack
        c.on_disconnect = self._on_disconnect
        connect_kwargs: dict[str, Any] = {"keepalive": keepalive}
        if version == 5:
            connect_kwargs["clean_start"] = clean
            connect_kwargs["properties"] = properties
        c.connect("127.0.0.1", port or acct.server.mqtt_port, **connect_kwargs)
        c.loop_start()
        assert wait_until(lambda: self.connack is not None or self.disconnected.is_set()), (
            "no CONNACK"
        )
        if expect_success:
            assert self.connack is not None and self.connack.reason_code == 0, self.connack

    # callbacks (network thread)
    def _on_connect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        self.connack = Connack(int(rc.value), bool(flags.session_present), props)

    def _on_message(self, client: Any, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append(msg)

    def _on_ack(self, client: Any, userdata: Any, mid: int, codes: Any, props: Any) -> None:
        self._acks[mid] = [int(c.value) for c in codes]

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any) -> None:
        self.disconnect_reason = rc
        self.disconnected.set()

    # actions
    def subscribe(
        self,
        topic: str | list[tuple[str, Any]],
        qos: int = 0,
        options: Any = None,
        properties: Properties | None = None,
    ) -> list[int]:
        """SUBSCRIBE and wait for the SUBACK; returns its codes."""
        if isinstance(topic, str):
            arg: Any = topic
            sub_kwargs: dict[str, Any] = {"qos": qos} if options is None else {"options": options}
        else:
            arg, sub_kwargs = topic, {}
        rc, mid = self.client.subscribe(arg, properties=properties, **sub_kwargs)
        assert rc == mqtt.MQTT_ERR_SUCCESS, rc
        assert wait_until(lambda: mid in self._acks), "no SUBACK"
        return list(self._acks.pop(mid))

    def unsubscribe(self, topic: str | list[str]) -> list[int]:
        rc, mid = self.client.unsubscribe(topic)
        assert rc == mqtt.MQTT_ERR_SUCCESS, rc
        assert wait_until(lambda: mid in self._acks), "no UNSUBACK"
        return list(self._acks.pop(mid))

    def publish(
        self,
        topic: str,
        payload: bytes | str = b"",
        qos: int = 0,
        retain: bool = False,
        properties: Properties | None = None,
    ) -> None:
        """PUBLISH and wait until the broker acknowledged it (QoS 1/2) or it was written."""
        info = self.client.publish(topic, payload, qos, retain, properties=properties)
        info.wait_for_publish(TIMEOUT)
        assert info.is_published(), f"publish to {topic} not acknowledged"

    def expect(self, count: int = 1, timeout: float = TIMEOUT) -> list[mqtt.MQTTMessage]:
        """Wait until at least ``count`` messages arrived; return all so far."""
        wait_until(lambda: len(self.messages) >= count, timeout)
        with self._lock:
            got = list(self.messages)
        assert len(got) >= count, f"expected {count} messages, got {[m.topic for m in got]}"
        return got

    def quiet(self, seconds: float = QUIET, already: int | None = None) -> None:
        """Nothing (more) arrives for ``seconds``."""
        before = len(self.messages) if already is None else already
        time.sleep(seconds)
        extra = self.messages[before:]
        assert not extra, f"unexpected messages: {[(m.topic, m.payload) for m in extra]}"

    def take(self) -> list[mqtt.MQTTMessage]:
        with self._lock:
            got, self.messages = self.messages, []
        return got

    def close(self) -> None:
        """DISCONNECT normally (no will) and stop the network thread."""
        if not self.disconnected.is_set():
            self.client.disconnect()
            self.disconnected.wait(TIMEOUT)
        self.client.loop_stop()


def props(packet_type: int = PacketTypes.PUBLISH, **values: Any) -> Properties:
    """paho Properties: ``props(ContentType="x", UserProperty=[("a", "b")])``."""
    p = Properties(packet_type)
    for name, value in values.items():
        setattr(p, name, value)
    return p


def connect_props(**values: Any) -> Properties:
    return props(PacketTypes.CONNECT, **values)


def will_props(**values: Any) -> Properties:
    return props(PacketTypes.WILLMESSAGE, **values)


def sub_props(**values: Any) -> Properties:
    return props(PacketTypes.SUBSCRIBE, **values)


# -- raw bytes ----------------------------------------------------------------------------


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def u16(n: int) -> bytes:
    return struct.pack(">H", n)


def u32(n: int) -> bytes:
    return struct.pack(">I", n)


def string(s: str | bytes) -> bytes:
    data = s.encode() if isinstance(s, str) else s
    return u16(len(data)) + data


def frame(first: int, body: bytes) -> bytes:
    return bytes((first,)) + varint(len(body)) + body


def block(properties: bytes) -> bytes:
    """A v5 property block: its length, then the properties."""
    return varint(len(properties)) + properties


# v5 properties, each as id + value
def p_u8(ident: int, value: int) -> bytes:
    return bytes((ident, value))


def p_u16(ident: int, value: int) -> bytes:
    return bytes((ident,)) + u16(value)


def p_u32(ident: int, value: int) -> bytes:
    return bytes((ident,)) + u32(value)


def p_var(ident: int, value: int) -> bytes:
    return bytes((ident,)) + varint(value)


def p_str(ident: int, value: str | bytes) -> bytes:
    return bytes((ident,)) + string(value)


def p_pair(name: str, value: str) -> bytes:
    return b"\x26" + string(name) + string(value)


def connect_packet(
    client_id: str | bytes,
    username: str | None = None,
    password: str | None = None,
    *,
    version: int = 4,
    clean: bool = True,
    keepalive: int = 60,
    properties: bytes = b"",
    will: tuple[str, bytes, int, bool] | None = None,
    will_properties: bytes = b"",
    protocol_name: str = "MQTT",
) -> bytes:
    flags = 0x02 if clean else 0
    if will is not None:
        flags |= 0x04 | (will[2] << 3) | (0x20 if will[3] else 0)
    if username is not None:
        flags |= 0x80
    if password is not None:
        flags |= 0x40
    body = string(protocol_name) + bytes((version, flags)) + u16(keepalive)
    if version == 5:
        body += block(properties)
    body += string(client_id)
    if will is not None:
        if version == 5:
            body += block(will_properties)
        body += string(will[0]) + string(will[1])
    if username is not None:
        body += string(username)
    if password is not None:
        body += string(password)
    return frame(0x10, body)


def publish_packet(
    topic: str | bytes,
    payload: bytes = b"",
    qos: int = 0,
    *,
    packet_id: int = 1,
    retain: bool = False,
    dup: bool = False,
    v5: bool = False,
    properties: bytes = b"",
) -> bytes:
    first = 0x30 | (qos << 1) | (0x01 if retain else 0) | (0x08 if dup else 0)
    body = string(topic)
    if qos:
        body += u16(packet_id)
    if v5:
        body += block(properties)
    return frame(first, body + payload)


def subscribe_packet(
    packet_id: int, filters: Iterable[tuple[str, int]], *, v5: bool = False, properties: bytes = b""
) -> bytes:
    body = u16(packet_id) + (block(properties) if v5 else b"")
    for topic_filter, options in filters:
        body += string(topic_filter) + bytes((options,))
    return frame(0x82, body)


def unsubscribe_packet(packet_id: int, filters: Iterable[str], *, v5: bool = False) -> bytes:
    body = u16(packet_id) + (b"\x00" if v5 else b"")
    for topic_filter in filters:
        body += string(topic_filter)
    return frame(0xA2, body)


def ack(first: int, packet_id: int) -> bytes:
    """PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70: the two-byte form."""
    return bytes((first, 2)) + u16(packet_id)


PINGREQ_BYTES = b"\xc0\x00"
DISCONNECT_BYTES = b"\xe0\x00"


def read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


_PROP_TYPES = {
    0x01: "u8", 0x02: "u32", 0x03: "str", 0x08: "str", 0x09: "bin", 0x0B: "var",
    0x11: "u32", 0x12: "str", 0x13: "u16", 0x15: "str", 0x16: "bin", 0x17: "u8",
    0x18: "u32", 0x19: "u8", 0x1A: "str", 0x1C: "str", 0x1F: "str", 0x21: "u16",
    0x22: "u16", 0x23: "u16", 0x24: "u8", 0x25: "u8", 0x26: "pair", 0x27: "u32",
    0x28: "u8", 0x29: "u8", 0x2A: "u8",
}  # fmt: skip


def parse_properties(data: bytes) -> dict[int, list[Any]]:
    """A v5 property block's contents (without its length) as id -> values."""
    out: dict[int, list[Any]] = {}
    pos = 0
    while pos < len(data):
        ident = data[pos]
        pos += 1
        kind = _PROP_TYPES[ident]
        value: Any
        if kind == "u8":
            value, pos = data[pos], pos + 1
        elif kind == "u16":
            value, pos = struct.unpack_from(">H", data, pos)[0], pos + 2
        elif kind == "u32":
            value, pos = struct.unpack_from(">I", data, pos)[0], pos + 4
        elif kind == "var":
            value, pos = read_varint(data, pos)
        elif kind in ("str", "bin"):
            n = struct.unpack_from(">H", data, pos)[0]
            raw = data[pos + 2 : pos + 2 + n]
            value, pos = (raw.decode() if kind == "str" else raw), pos + 2 + n
        else:
            n = struct.unpack_from(">H", data, pos)[0]
            name = data[pos + 2 : pos + 2 + n].decode()
            pos += 2 + n
            m = struct.unpack_from(">H", data, pos)[0]
            value = (name, data[pos + 2 : pos + 2 + m].decode())
            pos += 2 + m
        out.setdefault(ident, []).append(value)
    return out


@dataclass
class Packet:
    first: int
    body: bytes

    @property
    def type(self) -> int:
        return self.first >> 4

    @property
    def raw(self) -> bytes:
        return frame(self.first, self.body)

    def packet_id(self) -> int:
        assert self.type != PUBLISH
        return int(struct.unpack_from(">H", self.body, 0)[0])


@dataclass
class Pub:
    """A decoded PUBLISH from the broker."""

    topic: str
    payload: bytes
    qos: int
    retain: bool
    dup: bool
    packet_id: int | None
    properties: dict[int, list[Any]] = field(default_factory=dict)


def parse_publish(packet: Packet, v5: bool) -> Pub:
    assert packet.type == PUBLISH, packet
    body = packet.body
    n = struct.unpack_from(">H", body, 0)[0]
    topic = body[2 : 2 + n].decode()
    pos = 2 + n
    qos = (packet.first >> 1) & 3
    packet_id = None
    if qos:
        packet_id = struct.unpack_from(">H", body, pos)[0]
        pos += 2
    properties: dict[int, list[Any]] = {}
    if v5:
        length, pos = read_varint(body, pos)
        properties = parse_properties(body[pos : pos + length])
        pos += length
    return Pub(
        topic,
        body[pos:],
        qos,
        bool(packet.first & 1),
        bool(packet.first & 8),
        packet_id,
        properties,
    )


class Closed(Exception):
    """The broker closed the connection."""


class Raw:
    """A plain TCP connection to the broker, for exact bytes."""

    def __init__(self, port: int, version: int = 4) -> None:
        self.version = version
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self._buf = b""

    @property
    def v5(self) -> bool:
        return self.version == 5

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, n: int, deadline: float) -> None:
        while len(self._buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError) as error:
                raise Closed from error
            except TimeoutError:
                raise
            if not chunk:
                raise Closed
            self._buf += chunk

    def recv(self, timeout: float = TIMEOUT) -> Packet:
        """The next packet; ``TimeoutError`` if none comes, ``Closed`` on EOF."""
        deadline = time.monotonic() + timeout
        self._fill(2, deadline)
        pos, length, shift = 1, 0, 0
        while True:
            self._fill(pos + 1, deadline)
            byte = self._buf[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        self._fill(pos + length, deadline)
        first = self._buf[0]
        body = self._buf[pos : pos + length]
        self._buf = self._buf[pos + length :]
        return Packet(first, body)

    def recv_type(self, kind: int, timeout: float = TIMEOUT) -> Packet:
        packet = self.recv(timeout)
        assert packet.type == kind, f"expected type {kind}, got {packet}"
        return packet

    def recv_publish(self, timeout: float = TIMEOUT) -> Pub:
        return parse_publish(self.recv_type(PUBLISH, timeout), self.v5)

    def expect_closed(self, timeout: float = TIMEOUT) -> list[Packet]:
        """Every packet the broker sends before it closes; fails if it stays open."""
        got: list[Packet] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                got.append(self.recv(max(0.0, deadline - time.monotonic())))
            except Closed:
                return got
            except TimeoutError:
                raise AssertionError(
                    f"connection still open after {timeout}s; got {len(got)} packets, "
                    f"the last ones {got[-3:]}"
                ) from None

    def expect_nothing(self, seconds: float = QUIET) -> None:
        try:
            packet = self.recv(seconds)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected packet {packet}")

    def is_open(self, seconds: float = 0.2) -> bool:
        try:
            self.recv(seconds)
        except TimeoutError:
            return True
        except Closed:
            return False
        return True

    def connect(self, acct: Account, client_id: str = "", **kwargs: Any) -> Packet:
        """CONNECT with the account's credentials; returns the CONNACK."""
        kwargs.setdefault("version", self.version)
        self.send(connect_packet(client_id, acct.username, acct.key, **kwargs))
        return self.recv_type(CONNACK)

    def login(self, acct: Account, client_id: str = "", **kwargs: Any) -> Packet:
        """CONNECT that must succeed."""
        connack = self.connect(acct, client_id, **kwargs)
        assert connack.body[1] == 0, f"CONNACK refused: {connack}"
        return connack

    def subscribe(
        self, packet_id: int, *filters: tuple[str, int], properties: bytes = b""
    ) -> bytes:
        """SUBSCRIBE; returns the SUBACK's reason codes."""
        self.send(subscribe_packet(packet_id, filters, v5=self.v5, properties=properties))
        suback = self.recv_type(SUBACK)
        assert suback.packet_id() == packet_id
        if self.v5:
            length, pos = read_varint(suback.body, 2)
            return suback.body[pos + length :]
        return suback.body[2:]

    def publish(self, topic: str, payload: bytes = b"", qos: int = 0, **kwargs: Any) -> None:
        self.send(publish_packet(topic, payload, qos, v5=self.v5, **kwargs))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def rss_kib(pid: int) -> int:
    """The resident set size of a process, from /proc/<pid>/status (VmRSS, in KiB)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")
