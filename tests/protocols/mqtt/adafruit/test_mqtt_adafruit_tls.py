"""MQTT over TLS: a server started with a certificate from a throw-away test CA.

The official client (``secure=True``) trusts the CA through ``SSL_CERT_FILE`` or through its
paho TLS context; paho 3.1.1/5 clients through their own context. A client that does not
trust the CA is refused by its own certificate check.
"""

from __future__ import annotations

import queue
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from Adafruit_IO import MQTTClient
from mqtt_adafruit_helpers import TIMEOUT, Client, make_ca, own_server, rest, wait_for

from support import Server

pytestmark = pytest.mark.filterwarnings("ignore:Callback API version 1:DeprecationWarning")


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def tls_server(
    backend: str, ca_files: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, int]]:
    _ca, cert, key = ca_files
    env = {"STONECHAT_TLS_CERT": str(cert), "STONECHAT_TLS_KEY": str(key)}
    data_dir = tmp_path_factory.mktemp(f"tls-{backend}")
    with own_server(backend, data_dir, env, mqtts=True) as server:
        yield server, int(server.extra_env["STONECHAT_MQTTS_PORT"])


@pytest.fixture
def tls_user(tls_server: tuple[Server, int]) -> tuple[str, str]:
    return tls_server[0].create_user("m")


def trusting(ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    return context


def official_round_trip(client: MQTTClient, port: int, feed: str) -> list[tuple[str, str]]:
    """Connect on ``port``, subscribe, publish 1 and 2, return what came back."""
    messages: queue.Queue[tuple[str, str]] = queue.Queue()
    granted: queue.Queue[object] = queue.Queue()
    client.on_message = lambda _c, topic, payload: messages.put((topic, payload))
    client.on_subscribe = lambda *_a: granted.put(True)
    client._service_port = port
    client.connect()
    client.loop_background()
    try:
        wait_for(client.is_connected)
        client.subscribe(feed)
        granted.get(timeout=TIMEOUT)
        client.publish(feed, 1)
        client.publish(feed, 2)
        return [messages.get(timeout=TIMEOUT) for _ in range(2)]
    finally:
        client.disconnect()
        client._client.loop_stop()


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_official_client_secure_with_ssl_cert_file(
    tls_server: tuple[Server, int],
    tls_user: tuple[str, str],
    ca_files: tuple[Path, Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    host: str,
) -> None:
    server, port = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_files[0]))
    client = MQTTClient(*tls_user, service_host=host, secure=True)
    assert official_round_trip(client, port, "secure") == [("secure", "1"), ("secure", "2")]
    with rest(server, *tls_user) as api:
        assert [d["value"] for d in api.get("/feeds/secure/data").json()] == ["2", "1"]


def test_official_client_secure_with_its_tls_context(
    tls_server: tuple[Server, int], tls_user: tuple[str, str], ca_files: tuple[Path, Path, Path]
) -> None:
    _server, port = tls_server
    client = MQTTClient(*tls_user, service_host="localhost", secure=True)
    client._client._ssl_context.load_verify_locations(cafile=str(ca_files[0]))
    assert official_round_trip(client, port, "ctx") == [("ctx", "1"), ("ctx", "2")]


@pytest.mark.parametrize("version", [4, 5], ids=["v311", "v5"])
def test_paho_over_tls(
    tls_server: tuple[Server, int],
    tls_user: tuple[str, str],
    ca_files: tuple[Path, Path, Path],
    version: int,
) -> None:
    _server, port = tls_server
    u = tls_user[0]
    with Client(port, *tls_user, version=version, tls=trusting(ca_files[0])) as client:
        assert client.connect() == 0
        assert client.subscribe(f"{u}/f/tls/csv", qos=1) == [1]
        assert client.publish(f"{u}/f/tls", "secret", qos=1) == 0
        msg = client.next()
        assert (msg.topic, msg.text, msg.qos) == (f"{u}/f/tls/csv", "secret,,,", 1)


def test_tls_and_plain_listeners_share_the_broker(
    tls_server: tuple[Server, int], tls_user: tuple[str, str], ca_files: tuple[Path, Path, Path]
) -> None:
    server, port = tls_server
    u = tls_user[0]
    with (
        Client(port, *tls_user, tls=trusting(ca_files[0])) as secure,
        Client(server.mqtt_port, *tls_user) as plain,
    ):
        assert secure.connect() == 0
        assert plain.connect() == 0
        assert secure.subscribe(f"{u}/f/both") == [0]
        assert plain.publish(f"{u}/f/both", "plain-to-tls", qos=1) == 0
        assert secure.next().text == "plain-to-tls"


def test_client_without_the_ca_refuses_the_certificate(
    tls_server: tuple[Server, int], tls_user: tuple[str, str]
) -> None:
    _server, port = tls_server
    client = Client(port, *tls_user, tls=ssl.create_default_context())
    with pytest.raises(ssl.SSLCertVerificationError):
        client.connect()


def test_plain_mqtt_on_the_tls_port_gets_no_connack(
    tls_server: tuple[Server, int], tls_user: tuple[str, str]
) -> None:
    _server, port = tls_server
    client = Client(port, *tls_user)
    with pytest.raises(AssertionError, match="no CONNACK"):
        client.connect(timeout=1)
    client.paho.loop_stop()
