"""Bans on the admin API: a user banned for failing MQTT sign-ins is listed with the time
left, and lifting the ban lets the user's device connect again at once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import Server, free_port, ok, refused
from ui.admin_support import Device, admin_browser, make_admin, wait_until

ATTEMPTS = 2  # connection attempts a minute before a ban


@pytest.fixture(scope="module")
def banning(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        backend="sqlite",
        data_dir=Path(tmp_path_factory.mktemp("bans")),
        database_url=None,
        http_port=free_port(),
        mqtt_port=free_port(),
        extra_env={
            "STONECHAT_BANS": "true",
            "STONECHAT_BAN_CONNECTS": str(ATTEMPTS),
            "STONECHAT_BAN_SECONDS": "600",
        },
    )
    srv.start()
    yield srv
    srv.stop()


def test_a_ban_is_listed_and_lifted(banning: Server) -> None:
    admin = admin_browser(banning, make_admin(banning))
    name, key = banning.create_user("ban")
    wrong = Device(banning, name, "aio_wrong")
    wrong.connect()
    try:
        wait_until(lambda: len(wrong.connacks) >= 1, "the first refusal")
        while True:  # failed sign-ins until the user is banned
            bans = ok(admin.get("/ui/api/admin/bans"))["bans"]
            if any(b["username"] == name for b in bans):
                break
            wrong.attempt()
        ban = next(b for b in bans if b["username"] == name)
        assert 0 < ban["seconds_left"] <= 600 and ban["until"].endswith("Z")
        device = Device(banning, name, key)
        device.connect()
        wait_until(lambda: len(device.connacks) >= 1, "the banned CONNACK")
        assert device.connacks[-1] != 0  # banned
        assert ok(admin.unsafe("DELETE", f"/ui/api/admin/bans/{name}")) == {"lifted": name}
        assert ok(admin.get("/ui/api/admin/bans"))["bans"] == []
        refused(admin.unsafe("DELETE", f"/ui/api/admin/bans/{name}"), 404)
        assert device.attempt() == 0
        device.stop()
    finally:
        wrong.stop()
        admin.close()
