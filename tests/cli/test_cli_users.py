"""``stonechat user list|disable|enable|delete`` against a running server, on every
backend: the running server applies a disable (REST and MQTT) without being told."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx

from support import Server
from ui.admin_support import Device, wait_until


def status(server: Server, name: str, key: str) -> int:
    url = f"{server.base_url}/api/v2/{name}/feeds"
    return httpx.get(url, headers={"X-AIO-Key": key}).status_code


def test_list_prints_a_table_and_json(server: Server) -> None:
    name, key = server.create_user("cl")
    url = f"{server.base_url}/api/v2/{name}/feeds/f/data"
    for value in ("1", "2"):
        assert httpx.post(url, headers={"X-AIO-Key": key}, json={"value": value}).status_code == 200
    server.cli("user", "update", name, "--data-rate", "12")
    table = server.cli("user", "list").stdout.splitlines()
    assert table[0].split() == [
        "NAME",
        "ADMIN",
        "DISABLED",
        "DATA",
        "RATE",
        "POINTS",
        "LAST",
        "ACTIVITY",
    ]
    row = next(line for line in table if line.split()[0] == name).split()
    assert row[1:5] == ["no", "no", "12/min", "2"]
    listed = {u["username"]: u for u in json.loads(server.cli("user", "list", "--json").stdout)}
    mine = listed[name]
    assert (mine["is_admin"], mine["disabled"], mine["data_rate"], mine["points"]) == (
        False,
        False,
        12,
        2,
    )
    assert mine["own_data_rate"] == 12 and mine["last_activity"]


def test_disable_takes_effect_on_the_running_server(server: Server) -> None:
    name, key = server.create_user("cl")
    device = Device(server, name, key)
    device.connect()
    assert device.connected.wait(10)
    try:
        done = server.cli("user", "disable", name)
        assert done.stdout.strip() == f"{name}: disabled"
        # Without a bus between the CLI and the server: the key cache (1 s) and the
        # broker's key watch (2 s) pick it up.
        wait_until(lambda: status(server, name, key) == 403, "REST to refuse the key")
        wait_until(lambda: not device.connected.is_set(), "the MQTT connection to end")
        assert device.attempt() == 0x87
        assert server.cli("user", "enable", name).stdout.strip() == f"{name}: enabled"
        wait_until(lambda: status(server, name, key) == 200, "REST to take the key again")
        assert device.attempt() == 0
    finally:
        device.stop()


def test_delete_asks_first(server: Server) -> None:
    name, key = server.create_user("cl")
    assert (
        httpx.post(
            f"{server.base_url}/api/v2/{name}/feeds/f/data",
            headers={"X-AIO-Key": key},
            json={"value": "1"},
        ).status_code
        == 200
    )
    declined = subprocess.run(
        [sys.executable, "-m", "stonechat", "user", "delete", name, *server.cli_args()],
        input="n\n",
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
    )
    assert declined.returncode == 1 and "Aborted" in declined.stderr + declined.stdout
    assert status(server, name, key) == 200
    confirmed = subprocess.run(
        [sys.executable, "-m", "stonechat", "user", "delete", name, *server.cli_args()],
        input="y\n",
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=60,
    )
    assert confirmed.returncode == 0, confirmed.stderr
    wait_until(lambda: status(server, name, key) == 401, "the deleted user's key to fail")
    other, other_key = server.create_user("cl")
    assert server.cli("user", "delete", other, "--yes").stdout.strip() == f"{other}: deleted"
    wait_until(lambda: status(server, other, other_key) == 401, "the deleted user's key to fail")
    names = {u["username"] for u in json.loads(server.cli("user", "list", "--json").stdout)}
    assert name not in names and other not in names


def test_unknown_users_fail_cleanly(server: Server) -> None:
    for command in ("disable", "enable"):
        result = server.cli("user", command, "nobody-here", check=False)
        assert result.returncode == 1
        assert result.stderr.strip() == "error: no user named 'nobody-here'"
    result = server.cli("user", "delete", "nobody-here", "--yes", check=False)
    assert result.returncode == 1 and "no user named" in result.stderr
