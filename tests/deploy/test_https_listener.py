"""HTTPS on the HTTP port (``STONECHAT_HTTP_TLS`` with the MQTTS certificate): the REST
API, Secure session cookies, HSTS, MQTT over wss:// and the UI's live socket."""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_helpers import cookie_attributes, started
from mqtt_adafruit_helpers import Client
from websockets.sync.client import connect as ws_connect

from support import Server, free_port

pytestmark = pytest.mark.filterwarnings("ignore:Callback API version 1:DeprecationWarning")


@pytest.fixture(scope="module")
def https(
    ca_files: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    _ca, cert, key = ca_files
    env = {
        "STONECHAT_TLS_CERT": str(cert),
        "STONECHAT_TLS_KEY": str(key),
        "STONECHAT_HTTP_TLS": "true",
        "STONECHAT_MQTTS_PORT": str(free_port()),
    }
    server = started(tmp_path_factory.mktemp("https"), env)
    yield server
    server.stop()


@pytest.fixture
def trusted(ca_files: tuple[Path, Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_files[0]))


def test_the_rest_api_over_https(https: Server, trusted: ssl.SSLContext) -> None:
    assert https.base_url.startswith("https://")
    username, key = https.create_user("tls")
    with httpx.Client(base_url=https.base_url, verify=trusted, timeout=30) as client:
        me = client.get("/api/v2/user", headers={"X-AIO-Key": key})
        assert me.status_code == 200, me.text
        assert me.json()["username"] == username
        feed = client.post(
            f"/api/v2/{username}/feeds/over-tls/data",
            json={"value": "42"},
            headers={"X-AIO-Key": key},
        )
        assert feed.status_code == 200, feed.text
        # HSTS over https only (plain http below has none).
        assert me.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_to_the_https_port_gets_no_answer(https: Server) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{https.http_port}/health", timeout=5)


def test_the_certificate_is_checked(https: Server) -> None:
    # A client that does not trust the test CA refuses the server (its own check).
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{https.base_url}/health", timeout=5)


def test_session_cookies_are_secure_over_https(https: Server, trusted: ssl.SSLContext) -> None:
    name = f"s{uuid.uuid4().hex[:10]}"
    with httpx.Client(base_url=https.base_url, verify=trusted, timeout=60) as client:
        signup = client.post(
            "/ui/api/signup",
            json={"username": name, "email": f"{name}@example.com", "password": "correct horse"},
        )
        assert signup.status_code == 201, signup.text
        assert {"secure", "httponly", "samesite"} <= cookie_attributes(signup)
        # The browser sends it back over https: the session works.
        assert client.get("/ui/api/session").json()["user"]["username"] == name
        client.cookies.clear()
        signin = client.post("/ui/api/signin", json={"username": name, "password": "correct horse"})
        assert signin.status_code == 200, signin.text
        assert "secure" in cookie_attributes(signin)


def test_mqtt_over_wss(https: Server, trusted: ssl.SSLContext) -> None:
    username, key = https.create_user("wss")
    with Client(
        https.http_port, username, key, version=5, transport="websockets", tls=trusted
    ) as client:
        assert client.connect() == 0
        assert client.subscribe(f"{username}/f/secure-ws", qos=1) == [1]
        assert client.publish(f"{username}/f/secure-ws", "over-wss", qos=1) == 0
        assert client.next().text == "over-wss"
    api = httpx.get(
        f"{https.base_url}/api/v2/{username}/feeds/secure-ws/data",
        headers={"X-AIO-Key": key},
        verify=trusted,
    )
    assert [point["value"] for point in api.json()] == ["over-wss"]


def test_the_ui_live_socket_over_wss(https: Server, trusted: ssl.SSLContext) -> None:
    url = f"wss://127.0.0.1:{https.http_port}/ui/api/live"
    with ws_connect(url, ssl=trusted, open_timeout=10) as socket:
        socket.ping().wait(10)  # accepted: the socket is open


def test_mqtts_still_listens_beside(https: Server, trusted: ssl.SSLContext) -> None:
    username, key = https.create_user("mqtts")
    port = int(https.extra_env["STONECHAT_MQTTS_PORT"])
    with Client(port, username, key, tls=trusted) as client:
        assert client.connect() == 0
