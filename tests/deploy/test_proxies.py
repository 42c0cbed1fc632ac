"""Behind a reverse proxy: ``STONECHAT_FORWARDED_ALLOW_IPS`` decides whose
``X-Forwarded-For`` and ``X-Forwarded-Proto`` count (nobody's by default), and a public URL
on https makes the session cookie Secure whatever the proxy says."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from deploy_helpers import cookie_attributes, logged, started

from support import Server

LIMIT = 3  # failed sign-ins per address
LIMITS = {
    "STONECHAT_LOGIN_FAILURES_PER_ADDRESS": str(LIMIT),
    "STONECHAT_LOGIN_FAILURES_PER_ACCOUNT": "0",
}


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server behind a proxy on the same host (deploy/nginx, deploy/caddy)."""
    env = LIMITS | {"STONECHAT_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    server = started(tmp_path_factory.mktemp("proxied"), env)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The default: no proxy trusted; its public URL is https."""
    env = LIMITS | {"STONECHAT_PUBLIC_URL": "https://iot.example.org"}
    server = started(tmp_path_factory.mktemp("direct"), env)
    yield server
    server.stop()


def failed_sign_in(server: Server, forwarded_for: str) -> int:
    response = httpx.post(
        f"{server.base_url}/ui/api/signin",
        json={"username": f"nobody{uuid.uuid4().hex[:8]}", "password": "wrong password"},
        headers={"X-Forwarded-For": forwarded_for},
        timeout=60,
    )
    return response.status_code


def sign_up(server: Server, headers: dict[str, str] | None = None) -> httpx.Response:
    name = f"p{uuid.uuid4().hex[:10]}"
    response = httpx.post(
        f"{server.base_url}/ui/api/signup",
        json={"username": name, "email": f"{name}@example.com", "password": "correct horse"},
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 201, response.text
    return response


def test_a_trusted_proxy_names_the_client(proxied: Server) -> None:
    assert [failed_sign_in(proxied, "10.1.0.1") for _ in range(LIMIT)] == [401] * LIMIT
    assert failed_sign_in(proxied, "10.1.0.1") == 429
    # Another client behind the same proxy has its own count.
    assert failed_sign_in(proxied, "10.1.0.2") == 401
    # The proxy appends the address it saw: a client cannot choose its own by sending one.
    assert failed_sign_in(proxied, "10.1.0.2, 10.1.0.1") == 429
    logged(proxied, '10.1.0.2 "POST /ui/api/signin" 401')


def test_without_a_trusted_proxy_the_header_is_ignored(direct: Server) -> None:
    # Every attempt comes from 127.0.0.1, whatever the header says.
    statuses = [failed_sign_in(direct, f"10.2.0.{i}") for i in range(LIMIT)]
    assert statuses == [401] * LIMIT
    assert failed_sign_in(direct, "10.2.0.99") == 429
    assert "10.2.0." not in logged(direct, '127.0.0.1 "POST /ui/api/signin" 429')


def test_https_said_by_a_trusted_proxy(proxied: Server) -> None:
    over_https = sign_up(proxied, {"X-Forwarded-Proto": "https"})
    assert "secure" in cookie_attributes(over_https)
    assert over_https.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = sign_up(proxied)
    assert "secure" not in cookie_attributes(plain)
    assert "Strict-Transport-Security" not in plain.headers


def test_https_claimed_by_a_client_is_not_believed(direct: Server) -> None:
    response = httpx.get(f"{direct.base_url}/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


def test_an_https_public_url_makes_the_cookie_secure(direct: Server) -> None:
    # A proxy that is not trusted (or sends no X-Forwarded-Proto): the cookie is Secure
    # anyway, since browsers reach this server at https://iot.example.org. HSTS stays for
    # responses that really went over https.
    response = sign_up(direct)
    assert "secure" in cookie_attributes(response)
    assert "Strict-Transport-Security" not in response.headers
