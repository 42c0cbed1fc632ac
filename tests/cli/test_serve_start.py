"""A start that fails half way (a port taken) stops what it started, like a normal stop:
the process says why and exits promptly, and the ports it had are free again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import UNLIMITED, database_secret, free_port


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def serve(data_dir: Path, database_url: str | None, http: int, mqtt: int) -> tuple[int, str]:
    args = [sys.executable, "-m", "stonechat", "serve", "--host", "127.0.0.1"]
    args += ["--http-port", str(http), "--mqtt-port", str(mqtt), "--data-dir", str(data_dir)]
    env = {**os.environ, **UNLIMITED}
    if database_url:
        args += ["--database-url", database_url]
        env["STONECHAT_SECRET_KEY"] = database_secret(database_url)  # the database's secret
    result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    return result.returncode, result.stdout + result.stderr


def can_bind(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_mqtt_port_taken(taken: int, database_url: str | None, tmp_path: Path) -> None:
    http = free_port()
    code, output = serve(tmp_path, database_url, http, taken)
    assert code != 0
    assert "cannot listen for MQTT on 127.0.0.1" in output
    assert "Is another broker running?" in output
    assert "Traceback" not in output
    assert can_bind(http)


def test_http_port_taken(taken: int, database_url: str | None, tmp_path: Path) -> None:
    """The MQTT listener was open when the HTTP one failed: it is closed on the way out."""
    mqtt = free_port()
    code, output = serve(tmp_path, database_url, taken, mqtt)
    assert code != 0
    assert "address already in use" in output.lower()
    assert "Traceback" not in output
    assert can_bind(mqtt)
