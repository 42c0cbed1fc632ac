"""``stonechat import-aio`` (issue 16): an account moved in through the Adafruit IO REST API
v2, from a second Stonechat server as the source, into the session's server on both
databases: 25,000 points over 3 feeds, 2 groups and a dashboard with its blocks and layout,
through a proxy that answers bursts of 429 (with Retry-After), and an interruption (kill -9)
halfway, run again to the end with nothing lost or doubled."""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import Server, free_port

POINTS = 25_000
START = int(time.time()) - POINTS - 3_600  # recent: within the retention on both sides
FEEDS = ("temperature", "garden.soil", "attic.humidity")


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, str]]:
    """A second server (SQLite) holding the account to move: (server, username, key)."""
    srv = Server("sqlite", tmp_path_factory.mktemp("aio-source"), None, free_port(), free_port())
    srv.start()
    username, key = srv.create_user("aio")
    with httpx.Client(
        base_url=f"{srv.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}, timeout=60
    ) as api:
        for group in ("Garden", "Attic"):
            ok(api.post("/groups", json={"name": group}), 201)
        ok(api.post("/feeds", json={"feed": {"name": "Temperature", "unit_symbol": "°C"}}), 201)
        ok(api.post("/feeds?group_key=garden", json={"feed": {"name": "Soil"}}), 201)
        ok(api.post("/feeds?group_key=attic", json={"feed": {"name": "Humidity"}}), 201)
        ok(api.post("/groups/garden/add", params={"feed_key": "attic.humidity"}))
        start = START  # epoch seconds, then one point a second
        for first in range(0, POINTS, 1_000):
            for feed in FEEDS:
                batch = [
                    {"value": f"{i / 10:.1f}", "epoch": start + i}
                    for i in range(first, min(POINTS, first + 1_000))
                    if FEEDS[i % 3] == feed
                ]
                ok(api.post(f"/feeds/{feed}/data/batch", json=batch))
        board = ok(api.post("/dashboards", json={"name": "Home"}), 201)
        ids = []
        for name, feed in (("Temp", "temperature"), ("Wet", "attic.humidity")):
            block = {"name": name, "visual_type": "gauge", "block_feeds": [{"feed_id": feed}]}
            ids.append(ok(api.post(f"/dashboards/{board['key']}/blocks", json=block))["id"])
        layout = [{"i": i, "x": 3 * n, "y": 0, "w": 3 + n, "h": 2} for n, i in enumerate(ids)]
        ok(api.post(f"/dashboards/{board['key']}/update_layouts", json={"layouts": {"lg": layout}}))
    yield srv, username, key
    srv.stop()


class Proxy(ThreadingHTTPServer):
    """Forwards GETs to the source; answers 429 (Retry-After: 1) to three requests in a row
    out of every 12, and points the Link header's pages back at itself."""

    daemon_threads = True

    def __init__(self, target: str) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.target = target
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.count = 0
        self.refused = 0
        self.lock = threading.Lock()


class _Forward(BaseHTTPRequestHandler):
    server: Proxy

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.count += 1
            burst = self.server.count % 12 in (4, 5, 6)
            self.server.refused += burst
        if burst:
            self._answer(429, b'{"error": "slow down"}', {"Retry-After": "1"})
            return
        headers = {"X-AIO-Key": self.headers.get("X-AIO-Key", "")}
        got = httpx.get(self.server.target + self.path, headers=headers, timeout=60)
        extra = {}
        if "link" in got.headers:
            extra["Link"] = got.headers["link"].replace(self.server.target, self.server.url)
        self._answer(got.status_code, got.content, extra)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy(source: tuple[Server, str, str]) -> Iterator[Proxy]:
    server = Proxy(source[0].base_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def account(server: Server, username: str, tmp_path: Path) -> dict[str, Any]:
    """What an account holds, by keys and names (its export, read back)."""
    archive = tmp_path / f"{username}.zip"
    server.cli("export", username, str(archive))
    with zipfile.ZipFile(archive) as z:
        feeds = json.loads(z.read("feeds.json"))
        key_of = {f["id"]: f["key"] for f in feeds}
        [board] = json.loads(z.read("dashboards.json"))
        names = {b["id"]: b["name"] for b in board["blocks"]}
        points = {
            key_of[int(n[5:-4])]: sorted(
                (p["id"], p["created_at"], p["value"])
                for p in csv.DictReader(io.StringIO(z.read(n).decode()))
            )
            for n in z.namelist()
            if n.startswith("data/")
        }
        return {
            "feeds": sorted((f["key"], f["name"], f["unit_symbol"]) for f in feeds),
            "groups": sorted(
                (g["key"], sorted(f["key"] for f in g["feeds"]))
                for g in json.loads(z.read("groups.json"))
            ),
            "blocks": sorted(
                (b["name"], b["visual_type"], [r["feed"]["key"] for r in b["block_feeds"]])
                for b in board["blocks"]
            ),
            "layout": sorted((names[i["i"]], i["x"], i["w"]) for i in board["layouts"]["lg"]),
            "points": points,
        }


def import_aio(server: Server, *args: str) -> subprocess.Popen[str]:
    server.share_secret()
    return subprocess.Popen(
        [sys.executable, "-m", "stonechat", "import-aio", *args, *server.cli_args()],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=server.env(),
    )


def test_an_account_moves_in_through_429s_and_an_interruption(
    server: Server, source: tuple[Server, str, str], proxy: Proxy, tmp_path: Path
) -> None:
    src, username, key = source
    local, _ = server.create_user("moved")
    args = ("--username", username, "--key", key, "--from", proxy.url, "--into", local)
    # Killed once the first feed's points are in.
    first = import_aio(server, *args)
    assert first.stdout is not None
    lines = []
    for line in first.stdout:
        lines.append(line)
        if line.startswith("feed "):
            first.send_signal(signal.SIGKILL)
            break
    first.wait(60)
    assert first.returncode == -signal.SIGKILL, "".join(lines)
    assert any("waiting 1 s" in line for line in lines), "".join(lines)  # a 429 waited out
    # Run again: the rest comes, nothing twice.
    second = import_aio(server, *args)
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output
    assert f"into {local}: " in output and "points (" in output and "there already" in output
    assert proxy.refused >= 3
    moved = account(server, local, tmp_path)
    original = account(src, username, tmp_path)
    assert moved == original  # the same ids, times and values; the same records
    assert sum(len(p) for p in moved["points"].values()) == POINTS
    # A third run adds nothing.
    third = import_aio(server, *args)
    output, _ = third.communicate(timeout=300)
    assert "0 feeds (3 there already)" in output and f"0 points ({POINTS} there already)" in output


def test_since_imports_only_the_newer_points(
    server: Server, source: tuple[Server, str, str], tmp_path: Path
) -> None:
    src, username, key = source
    local, _ = server.create_user("since")
    args = ("--username", username, "--key", key, "--from", src.base_url, "--into", local)
    since = datetime.fromtimestamp(START + 100, UTC).isoformat()  # the 101st point on
    done = import_aio(server, *args, "--since", since)
    output, _ = done.communicate(timeout=300)
    assert done.returncode == 0, output
    assert f"{POINTS - 100} points" in output


@pytest.mark.sqlite_only  # refused before anything is written
def test_refusals_are_told_and_nothing_is_imported(
    server: Server, source: tuple[Server, str, str], tmp_path: Path
) -> None:
    src, username, key = source
    local, local_key = server.create_user("refused")
    cases = {
        "a wrong key": (("--key", "aio_wrong", "--into", local), "answered"),
        "another user's account": (
            ("--key", key, "--into", local, "--username", local),
            "answered",
        ),
        "no such local account": (("--key", key, "--into", "nobody-by-this-name"), "no user named"),
        "a bad --since": (("--key", key, "--into", local, "--since", "someday"), "--since"),
    }
    for what, (extra, message) in cases.items():
        run = import_aio(server, "--username", username, "--from", src.base_url, *extra)
        output, _ = run.communicate(timeout=120)
        assert run.returncode == 1, (what, output)
        assert message in output and "Traceback" not in output, (what, output)
    with httpx.Client(headers={"X-AIO-Key": local_key}) as api:
        feeds = ok(api.get(f"{server.base_url}/api/v2/{local}/feeds"))
    assert feeds == []
