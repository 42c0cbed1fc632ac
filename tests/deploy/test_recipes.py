"""The files of deploy/ agree with the server: the WebSocket paths the proxies pass, the stop
timeout systemd allows, the settings the env file names."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from starlette.routing import Match

from stonechat.config import Settings
from stonechat.protocols.http import ui
from stonechat.supervisor import STOP_TIMEOUT

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "systemd" / "stonechat.service"


def served_websocket(path: str) -> bool:
    """Whether the UI's routes take a WebSocket at ``path`` (``/mqtt`` is the runtime's)."""
    if path == "/mqtt":
        return True  # runtime.py: app.add_api_websocket_route("/mqtt", ...)
    app = FastAPI()
    ui.install(app)
    scope = {"type": "websocket", "path": path, "root_path": ""}
    return any(route.matches(scope)[0] == Match.FULL for route in app.routes)


def unit_values(name: str) -> list[str]:
    return re.findall(rf"^{name}=(.*)$", UNIT.read_text(), re.M)


def test_nginx_passes_every_websocket_with_a_long_timeout() -> None:
    conf = (DEPLOY / "nginx" / "stonechat.conf").read_text()
    long_lived = re.findall(r"location = (\S+) \{[^}]*proxy_read_timeout 1h;", conf)
    assert sorted(long_lived) == ["/mqtt", "/ui/api/live"]
    for path in long_lived:
        assert served_websocket(path), path
    assert not served_websocket("/ui/api/nothing")
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Host $host;" in conf
    assert "X-Forwarded-Proto $scheme" in conf


def test_systemd_waits_longer_than_the_graceful_stop() -> None:
    (timeout,) = unit_values("TimeoutStopSec")
    assert int(timeout.removesuffix("s")) > STOP_TIMEOUT
    assert unit_values("KillSignal") == ["SIGTERM"]
    assert unit_values("StateDirectoryMode") == ["0700"]
    assert all("stonechat serve" in line for line in unit_values("ExecStart"))


def test_the_env_file_names_real_settings() -> None:
    names = re.findall(
        r"^#?(STONECHAT_[A-Z_]+)=", (DEPLOY / "systemd" / "stonechat.env").read_text(), re.M
    )
    assert names
    known = {f"STONECHAT_{name.upper()}" for name in Settings.model_fields}
    assert set(names) <= known, set(names) - known
