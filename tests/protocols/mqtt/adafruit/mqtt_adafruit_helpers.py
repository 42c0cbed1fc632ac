"""Helpers for the Adafruit IO MQTT tests: cheap users, a paho client that waits, a raw
MQTT socket, REST access and a throw-away certificate authority."""

from __future__ import annotations

import datetime as dt
import ipaddress
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties as PahoProperties

from stonechat.protocols.mqtt.codec import Decoder, Packet, encode
from support import Server

TIMEOUT = 5.0


def rest(server: Server, username: str, key: str) -> httpx.Client:
    """An httpx client for ``/api/v2/{username}`` authenticated as ``key``."""
    return httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}",
        headers={"X-AIO-Key": key},
        timeout=10,
    )


def wait_for(check: Callable[[], Any], timeout: float = TIMEOUT, interval: float = 0.02) -> Any:
    """Poll ``check`` until it returns something truthy; its last value otherwise fails."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        time.sleep(interval)


def values(api: httpx.Client, feed: str) -> list[str]:
    """The stored values of a feed, oldest first."""
    response = api.get(f"/feeds/{feed}/data")
    assert response.status_code == 200, response.text
    return [d["value"] for d in reversed(response.json())]


@dataclass(slots=True)
class Msg:
    topic: str
    payload: bytes
    qos: int
    retain: bool

    @property
    def text(self) -> str:
        return self.payload.decode()


class Client:
    """A paho-mqtt 2.x client whose calls wait for their acknowledgements."""

    def __init__(
        self,
        port: int,
        username: str,
        key: str,
        *,
        version: int = 4,
        transport: str = "tcp",
        client_id: str = "",
        host: str = "127.0.0.1",
        tls: Any = None,
        ws_path: str = "/mqtt",
    ) -> None:
        self.username = username
        self.version = version
        protocol = mqtt.MQTTv5 if version == 5 else mqtt.MQTTv311
        self.paho = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=protocol,
            transport=transport,  # type: ignore[arg-type]
        )
        if transport == "websockets":
            self.paho.ws_set_options(path=ws_path)
        if tls is not None:
            self.paho.tls_set_context(tls)
        self.paho.username_pw_set(username, key)
        self.messages: queue.Queue[Msg] = queue.Queue()
        self._cond = threading.Condition()
        self._connack: Any = None
        self.session_present: bool | None = None
        self._subacks: dict[int, list[int]] = {}
        self._pubacks: dict[int, int] = {}
        self.disconnected: Any = None
        self.paho.on_connect = self._on_connect
        self.paho.on_subscribe = self._on_subscribe
        self.paho.on_publish = self._on_publish
        self.paho.on_message = self._on_message
        self.paho.on_disconnect = self._on_disconnect
        self.host, self.port = host, port

    # -- callbacks (paho's thread) -----------------------------------------------------

    def _on_connect(self, _c: Any, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        with self._cond:
            self.session_present = bool(flags.session_present)
            self._connack = reason
            self._cond.notify_all()

    def _on_subscribe(self, _c: Any, _u: Any, mid: int, reasons: Any, _p: Any) -> None:
        with self._cond:
            self._subacks[mid] = [int(r.value) for r in reasons]
            self._cond.notify_all()

    def _on_publish(self, _c: Any, _u: Any, mid: int, reason: Any, _p: Any) -> None:
        with self._cond:
            self._pubacks[mid] = int(reason.value)
            self._cond.notify_all()

    def _on_message(self, _c: Any, _u: Any, msg: Any) -> None:
        self.messages.put(Msg(msg.topic, bytes(msg.payload), msg.qos, bool(msg.retain)))

    def _on_disconnect(self, _c: Any, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        # The first reason is the server's; paho then reconnects by itself (with the same,
        # maybe revoked, credentials) and would report that attempt's end on top of it.
        with self._cond:
            if self.disconnected is None:
                self.disconnected = reason
            self._cond.notify_all()

    def _wait(self, check: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
        with self._cond:
            if not self._cond.wait_for(check, timeout):
                raise AssertionError(f"no {what} within {timeout}s")
            return check()

    # -- actions -----------------------------------------------------------------------

    def connect(self, timeout: float = TIMEOUT, *, session_expiry: int | None = None) -> int:
        """Connect and wait for CONNACK; returns its reason code.

        ``session_expiry`` (MQTT 5): resume or start a persistent session (clean start off)
        that outlives the connection by that many seconds; ``session_present`` tells which.
        """
        self.disconnected = None
        if session_expiry is None:
            self.paho.connect(self.host, self.port, keepalive=30)
        else:
            props = PahoProperties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = session_expiry
            self.paho.connect(
                self.host, self.port, keepalive=30, clean_start=False, properties=props
            )
        self.paho.loop_start()
        reason = self._wait(lambda: self._connack is not None, "CONNACK", timeout)
        return int(self._connack.value) if reason else -1

    def close(self) -> None:
        self.paho.disconnect()
        self.paho.loop_stop()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(self, *topics: str, qos: int = 0) -> list[int]:
        """SUBSCRIBE and wait for SUBACK; returns the granted QoS / reason codes."""
        request: list[Any] = (
            [(t, mqtt.SubscribeOptions(qos=qos)) for t in topics]
            if self.version == 5
            else [(t, qos) for t in topics]
        )
        result, mid = self.paho.subscribe(request)
        assert result == mqtt.MQTT_ERR_SUCCESS, result
        return list(self._wait(lambda: self._subacks.get(mid), "SUBACK"))

    def publish(
        self,
        topic: str,
        payload: bytes | str,
        qos: int = 0,
        retain: bool = False,
        properties: PahoProperties | None = None,
    ) -> int:
        """PUBLISH; for QoS 1/2 wait for the acknowledgement and return its reason code."""
        info = self.paho.publish(topic, payload, qos=qos, retain=retain, properties=properties)
        assert info.rc == mqtt.MQTT_ERR_SUCCESS, info.rc
        self._wait(lambda: info.mid in self._pubacks, "PUBACK")
        return self._pubacks[info.mid]

    def next(self, timeout: float = TIMEOUT) -> Msg:
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout}s") from None

    def take(self, n: int, timeout: float = TIMEOUT) -> list[Msg]:
        """The next ``n`` messages (fails if fewer arrive in time)."""
        deadline = time.monotonic() + timeout
        out: list[Msg] = []
        while len(out) < n:
            out.append(self.next(max(0.01, deadline - time.monotonic())))
        return out

    def pending(self) -> list[Msg]:
        """Whatever has arrived so far, without waiting."""
        out = []
        while True:
            try:
                out.append(self.messages.get_nowait())
            except queue.Empty:
                return out

    def until(self, topic: str, payload: bytes | str, timeout: float = TIMEOUT) -> list[Msg]:
        """Messages up to and excluding the marker ``(topic, payload)``; fails without it."""
        want = payload.encode() if isinstance(payload, str) else payload
        deadline = time.monotonic() + timeout
        before: list[Msg] = []
        while True:
            msg = self.next(max(0.01, deadline - time.monotonic()))
            if msg.topic == topic and msg.payload == want:
                return before
            before.append(msg)

    def barrier(self) -> list[Msg]:
        """Everything delivered before a marker on a free-form topic of this user."""
        marker = f"{self.username}/barrier/{uuid.uuid4().hex[:8]}"
        assert self.subscribe(marker) == [0]
        self.publish(marker, b"x", qos=1)
        return self.until(marker, b"x")


def connected(server: Server, username: str, key: str, **kwargs: Any) -> Client:
    client = Client(server.mqtt_port, username, key, **kwargs)
    assert client.connect() == 0
    return client


class Raw:
    """A bare MQTT socket speaking through Stonechat's own codec (for DUP resends)."""

    def __init__(self, port: int, level: int = 4) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.level = level
        self.decoder = Decoder(server_side=False, protocol_level=level)
        self.packets: list[Packet] = []

    def send(self, packet: Packet) -> None:
        self.sock.sendall(encode(packet, self.level))

    def recv(self, kind: type | None = None) -> Any:
        """The next packet (of ``kind``, skipping others)."""
        while True:
            while self.packets:
                packet = self.packets.pop(0)
                if kind is None or isinstance(packet, kind):
                    return packet
            data = self.sock.recv(65536)
            if not data:
                raise AssertionError("connection closed")
            self.packets.extend(self.decoder.feed(data))

    def close(self) -> None:
        self.sock.close()


# -- a test certificate authority -------------------------------------------------------------


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1/localhost: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(name("Stonechat test CA"))
        .issuer_name(name("Stonechat test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = (
        directory / "ca.pem",
        directory / "cert.pem",
        directory / "key.pem",
    )
    ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


@contextmanager
def own_server(
    backend: str, data_dir: Path, extra_env: dict[str, str] | None = None, mqtts: bool = False
) -> Iterator[Server]:
    """A server of its own (own data directory, fresh PostgreSQL database), stopped after.

    With ``mqtts`` it also listens for MQTT over TLS on ``extra_env["STONECHAT_MQTTS_PORT"]``.
    Ports are picked free but taken only when the server binds them, so a start that loses
    that race to another process is retried on new ports.
    """
    from support import IN_CI, create_pg_database, drop_pg_database, free_port, postgres_available

    url = None
    if backend == "postgresql":
        if not postgres_available():
            if IN_CI:
                pytest.fail("PostgreSQL is not running on 127.0.0.1:5432 (required in CI)")
            pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
        url = create_pg_database()
    server: Server | None = None
    try:
        for attempt in range(3):
            env = dict(extra_env or {})
            if mqtts:
                env["STONECHAT_MQTTS_PORT"] = str(free_port())
            server = Server(
                backend=backend,
                data_dir=data_dir,
                database_url=url,
                http_port=free_port(),
                mqtt_port=free_port(),
                extra_env=env,
            )
            try:
                server.start()
                break
            except RuntimeError:
                server.stop()
                if attempt == 2:
                    raise
        assert server is not None
        yield server
    finally:
        if server is not None:
            server.stop()
        if url is not None:
            drop_pg_database(url)
