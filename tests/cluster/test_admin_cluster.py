"""Administration across processes: an administrator on process A sees and ends the MQTT
connections held by process B, and disabling a user on A ends its MQTT connection and live
socket on B and refuses its key there at once (PostgreSQL + Redis)."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from support import Server, ok
from ui.admin_support import Device, admin_browser, make_admin, wait_until

pytestmark = pytest.mark.timeout(180)


def test_connections_disconnect_and_disable_across_processes(cluster: list[Server]) -> None:
    a, b = cluster
    admin = admin_browser(a, make_admin(a))
    name, key = b.create_user("clu")
    device = Device(b, name, key)
    device.connect()
    assert device.connected.wait(10)
    try:
        listed = ok(admin.get("/ui/api/admin/connections"))
        assert len(listed["nodes"]) == 2
        mine = [c for c in listed["connections"] if c["client_id"] == device.client_id]
        assert len(mine) == 1 and mine[0]["node"] != listed["nodes"][0]  # held by B
        health = ok(admin.get("/ui/api/admin/health"))
        assert len(health["workers"]) == 2 and health["bus"]["kind"] == "redis"

        body = {"username": name, "client_id": device.client_id}
        ok(admin.unsafe("POST", "/ui/api/admin/connections/disconnect", json=body))
        wait_until(lambda: not device.connected.is_set(), "B to end the connection")
        assert device.disconnects[-1] == 0x98
        assert device.attempt() == 0

        with httpx.Client(base_url=b.base_url) as own:
            signin = own.post("/ui/api/signin", json={"username": name, "password": "password123"})
            cookie = signin.cookies["stonechat_session"]
        headers = {"Origin": b.base_url, "Cookie": f"stonechat_session={cookie}"}
        url = f"ws://127.0.0.1:{b.http_port}/ui/api/live"
        with connect(url, additional_headers=headers, open_timeout=10) as ws:
            ws.send('{"notices": true}')
            ws.recv(timeout=10)
            ok(admin.unsafe("POST", f"/ui/api/admin/users/{name}/disable"))
            wait_until(lambda: not device.connected.is_set(), "B to end the MQTT connection")
            assert device.disconnects[-1] == 0x98
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    ws.recv(timeout=10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        refused = httpx.get(f"{b.base_url}/api/v2/{name}/feeds", headers={"X-AIO-Key": key})
        assert refused.status_code == 403
        assert device.attempt() == 0x87
    finally:
        device.stop()
        admin.close()
