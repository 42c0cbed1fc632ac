"""Who may scrape /metrics: loopback clients without a token; with STONECHAT_METRICS_TOKEN
set, everyone must send it (a reverse proxy on the same host makes every client local)."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from metrics_scrape import scrape

from stonechat.domain.access import is_loopback, scrape_refusal
from support import Server, free_port, refused

TOKEN = "s3cret-metrics-token"


# -- the decision, alone ------------------------------------------------------------------


@pytest.mark.parametrize("client", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_clients_need_no_token_when_none_is_set(client: str) -> None:
    assert is_loopback(client)
    assert scrape_refusal(client, None, None) is None


@pytest.mark.parametrize(
    "client", ["192.0.2.7", "10.0.0.1", "fd00::2", "::ffff:10.0.0.1", "", None]
)
def test_other_clients_are_refused_when_no_token_is_set(client: str | None) -> None:
    refusal = scrape_refusal(client, f"Bearer {TOKEN}", None)
    assert refusal is not None and refusal[0] == 403


@pytest.mark.parametrize("client", ["127.0.0.1", "192.0.2.7"])
def test_with_a_token_everyone_must_send_it(client: str) -> None:
    assert scrape_refusal(client, f"Bearer {TOKEN}", TOKEN) is None
    assert scrape_refusal(client, f"bearer  {TOKEN} ", TOKEN) is None
    for missing in (None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", TOKEN):
        refusal = scrape_refusal(client, missing, TOKEN)
        assert refusal is not None and refusal[0] == 401, missing
    for wrong in ("Bearer nope", f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}"):
        refusal = scrape_refusal(client, wrong, TOKEN)
        assert refusal is not None and refusal[0] == 403, wrong


# -- through a real server -----------------------------------------------------------------


def outside_address() -> str:
    """An address of this machine that is not loopback (the tests connect through it)."""
    candidates = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    candidates.append(socket.gethostbyname(socket.gethostname()))
    for address in candidates:
        if ":" not in address and not address.startswith("127."):
            return address
    raise AssertionError(f"no non-loopback IPv4 address on this machine: {candidates}")


class OpenServer(Server):
    """A server listening on every address (0.0.0.0), not only loopback."""

    def cli_args(self) -> list[str]:
        return [*super().cli_args(), "--host", "0.0.0.0"]


def started(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = Path(tmp_path_factory.mktemp("metrics-open"))
    yield from started(OpenServer("sqlite", data_dir, None, free_port(), free_port()))


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data_dir = Path(tmp_path_factory.mktemp("metrics-token"))
    server = OpenServer("sqlite", data_dir, None, free_port(), free_port())
    server.extra_env["STONECHAT_METRICS_TOKEN"] = TOKEN
    yield from started(server)


def test_without_a_token_loopback_scrapes_and_others_are_refused(open_server: Server) -> None:
    assert scrape(open_server.base_url)  # 127.0.0.1
    outside = f"http://{outside_address()}:{open_server.http_port}"
    assert httpx.get(f"{outside}/health").status_code == 200  # reachable that way
    message = refused(httpx.get(f"{outside}/metrics"), 403)
    assert "STONECHAT_METRICS_TOKEN" in message
    # A token nobody configured opens nothing.
    refused(httpx.get(f"{outside}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}), 403)


def test_with_a_token_every_scraper_sends_it(token_server: Server) -> None:
    good = {"Authorization": f"Bearer {TOKEN}"}
    outside = f"http://{outside_address()}:{token_server.http_port}"
    for base in (token_server.base_url, outside):
        assert scrape(base, good)
        response = httpx.get(f"{base}/metrics")
        refused(response, 401)
        assert response.headers["WWW-Authenticate"] == "Bearer"
        refused(httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer wrong"}), 403)
        refused(httpx.get(f"{base}/metrics", headers={"Authorization": f"Basic {TOKEN}"}), 401)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_scrapes(open_server: Server, method: str) -> None:
    refused(httpx.request(method, f"{open_server.base_url}/metrics"), 405)


def test_metrics_is_not_in_the_rest_api_document(open_server: Server) -> None:
    """An operator endpoint like /health, not part of the Adafruit IO client contract."""
    document = httpx.get(f"{open_server.base_url}/api/v2/openapi.json").json()
    assert "/metrics" not in document["paths"]
