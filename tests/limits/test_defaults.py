"""Defaults for a self-hosted server (issue 14): no data rate, bans only for failed sign-ins,
and Adafruit IO's free-plan limits when asked for (``--limits adafruit``). The servers here
run with the product's own defaults, not the test suite's relaxed ones."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from stonechat.limits.constants import UNLIMITED_DATA_RATE
from stonechat.protocols.mqtt.codec import Connack, Connect, Decoder, encode
from support import Server, free_port

from .test_mqtt_limits import BANNED_30, raw_connect

DEVICES = 500


def start(backend: str, database_url: str | None, data_dir: Path, **env: str) -> Server:
    server = Server(
        backend=backend,
        data_dir=data_dir,
        database_url=database_url,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env=env,
        product_defaults=True,
    )
    server.start()
    return server


@pytest.fixture(scope="module")
def default_server(
    backend: str, database_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server with nothing configured but its ports and database."""
    server = start(backend, database_url, tmp_path_factory.mktemp(f"defaults-{backend}"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def adafruit_server(
    backend: str, database_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server with Adafruit IO's free-plan limits, through ``STONECHAT_LIMITS``."""
    server = start(
        backend,
        database_url,
        tmp_path_factory.mktemp(f"adafruit-{backend}"),
        STONECHAT_LIMITS="adafruit",
    )
    yield server
    server.stop()


def api(server: Server, username: str, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=30
    )


async def connect_all(port: int, username: str, key: str, count: int) -> list[int]:
    """``count`` devices of one user sending CONNECT at once; their CONNACK codes (-1 for a
    connection closed without one). Every connection is closed afterwards."""
    writers: list[asyncio.StreamWriter] = []

    async def one(i: int) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writers.append(writer)
        connect = Connect(
            protocol_level=4,
            keep_alive=60,
            client_id=f"device-{i}",
            username=username,
            password=key.encode(),
        )
        writer.write(encode(connect, 4))
        await writer.drain()
        decoder = Decoder(server_side=False, protocol_level=4)
        while True:
            data = await reader.read(4096)
            if not data:
                return -1
            for packet in decoder.feed(data):
                if isinstance(packet, Connack):
                    return int(packet.reason_code)

    try:
        return list(await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(count))), 120))
    finally:
        for writer in writers:
            writer.close()


def test_a_fleet_of_one_user_reconnecting_at_once_is_accepted(default_server: Server) -> None:
    """500 devices of one user connect, drop (a server restart), and all reconnect at once:
    successful sign-ins are not connection attempts that ban."""
    username, key = default_server.create_user("fleet")
    port = default_server.mqtt_port
    assert asyncio.run(connect_all(port, username, key, DEVICES)) == [0] * DEVICES
    assert asyncio.run(connect_all(port, username, key, DEVICES)) == [0] * DEVICES
    with api(default_server, username, key) as client:
        throttle = client.get("/throttle").json()
    assert throttle["mqtt_ban_error_message"] is None
    assert throttle["authentication_rate"] == 0  # failed sign-ins only
    assert raw_connect(default_server, username, key, 4) == 0


def test_a_fresh_server_takes_120_points_a_minute(default_server: Server) -> None:
    username, key = default_server.create_user("sensor")
    with api(default_server, username, key) as client:
        for i in range(120):
            response = client.post("/feeds/every-half-second/data", json={"value": i})
            assert response.status_code == 200, response.text
            # No limit: told as a large one, never 0 (clients compute limit - used).
            assert response.headers["RateLimit-Limit"] == str(UNLIMITED_DATA_RATE)
            assert response.headers["RateLimit-Remaining"] == str(UNLIMITED_DATA_RATE)
        stored = client.get("/feeds/every-half-second/data", params={"limit": 1000}).json()
        assert sorted(int(d["value"]) for d in stored) == list(range(120))
        throttle = client.get("/throttle").json()
    assert throttle["data_rate_limit"] == UNLIMITED_DATA_RATE
    # CircuitPython's get_remaining_throttle_limit(): limit - used, positive.
    assert throttle["data_rate_limit"] - throttle["active_data_rate"] > 0


def test_a_flood_of_failed_sign_ins_is_still_banned(default_server: Server) -> None:
    """20 failed sign-ins a minute are tolerated, the 21st bans (CONNACK 6), then even the
    right key is refused (CONNACK 7) for the ban's 30 seconds."""
    username, key = default_server.create_user("guessed")
    for _ in range(20):
        assert raw_connect(default_server, username, "wrong key", 4) == 5
    assert raw_connect(default_server, username, "wrong key", 4) == 6
    assert raw_connect(default_server, username, key, 4) == 7
    assert raw_connect(default_server, username, key, 5) == 0x8A
    with api(default_server, username, key) as client:
        throttle = client.get("/throttle").json()
    assert throttle["mqtt_ban_error_message"] == BANNED_30
    assert throttle["authentication_rate"] == 20  # the window holds the ones it allowed


def test_adafruit_limits_refuse_the_31st_point_of_a_minute(adafruit_server: Server) -> None:
    username, key = adafruit_server.create_user("plan")
    with api(adafruit_server, username, key) as client:
        assert client.get("/throttle").json()["data_rate_limit"] == 30
        for i in range(30):
            response = client.post("/feeds/plan/data", json={"value": i})
            assert response.status_code == 200, response.text
            assert response.headers["RateLimit-Remaining"] == str(29 - i)
        refused = client.post("/feeds/plan/data", json={"value": 30})
        assert refused.status_code == 429
        assert set(refused.json()) == {"error"}
        assert len(client.get("/feeds/plan/data").json()) == 30
