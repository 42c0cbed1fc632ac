"""Issue 12, reproduction 7: while PostgreSQL is down every route answers 503 with a JSON
error and ``Retry-After`` (never 500), writes resume by themselves once it is back, and
nothing that was answered 2xx is lost.

The test runs its own PostgreSQL server (Debian's binaries, ``initdb`` + ``pg_ctl`` into a
temporary directory on a free port) so that it can stop and start it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from protocols.mqtt.adafruit.mqtt_adafruit_helpers import Client as MqttClient
from support import IN_CI, Server, free_port


def postgres_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` that has pg_ctl and initdb."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")]
    found = [d for d in found if (d / "initdb").exists()]
    if not found:
        return None
    return max(found, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


class PrivatePostgres:
    """A throw-away PostgreSQL cluster that a test may stop and start at will."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        # Not under pytest's tmp_path: as root, initdb must run as "postgres", which cannot
        # enter pytest's private directories.
        self.root = Path(tempfile.mkdtemp(prefix="stonechat-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    bindir = postgres_bin()
    if bindir is None:
        if IN_CI:
            pytest.fail("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are required")
        pytest.skip("no PostgreSQL server binaries under /usr/lib/postgresql")
    pg = PrivatePostgres(bindir)
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        pg.remove()


@pytest.fixture
def stonechat(private_postgres: PrivatePostgres, tmp_path: Path) -> Iterator[Server]:
    server = Server(
        backend="postgresql",
        data_dir=tmp_path / "server",
        database_url=private_postgres.url,
        http_port=free_port(),
        mqtt_port=free_port(),
        # Keys checked against the database every time: the outage reaches authentication.
        extra_env={"STONECHAT_KEY_CACHE_SECONDS": "0"},
    )
    server.start()
    yield server
    server.stop()


@dataclass
class Answer:
    at: float
    value: str
    status: int | None
    body: Any = None
    retry_after: str | None = None


@dataclass
class Writers:
    """Threads that post single points as fast as they are answered, until stopped."""

    api_url: str
    key: str
    feed: str
    answers: list[Answer] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def run(self, name: str) -> None:
        with httpx.Client(headers={"X-AIO-Key": self.key}, timeout=15) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                value = f"{name}-{n}"
                try:
                    response = client.post(
                        f"{self.api_url}/feeds/{self.feed}/data", json={"value": value}
                    )
                except httpx.HTTPError:
                    self.answers.append(Answer(time.monotonic(), value, None))
                    time.sleep(0.05)
                    continue
                body = _json(response)
                retry = response.headers.get("retry-after")
                answer = Answer(time.monotonic(), value, response.status_code, body, retry)
                self.answers.append(answer)
                if response.status_code != 200:
                    time.sleep(0.02)

    def start(self, count: int) -> None:
        for i in range(count):
            thread = threading.Thread(target=self.run, args=(f"w{i}",), daemon=True)
            thread.start()
            self.threads.append(thread)

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def assert_unavailable(response: httpx.Response, where: str) -> None:
    assert response.status_code == 503, (where, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json"), where
    assert set(response.json()) == {"error"}, where
    assert int(response.headers["retry-after"]) >= 1, where


def routes(username: str, feed: str, token: str) -> list[tuple[str, str, Any]]:
    """A request on each kind of route, every one of which needs the database."""
    api = f"/api/v2/{username}"
    return [
        ("GET", "/api/v2/user", None),
        ("GET", f"{api}/feeds", None),
        ("POST", f"{api}/feeds", {"feed": {"name": f"new-{uuid.uuid4().hex[:6]}"}}),
        ("GET", f"{api}/feeds/{feed}", None),
        ("PUT", f"{api}/feeds/{feed}", {"description": "changed"}),
        ("GET", f"{api}/feeds/{feed}/details", None),
        ("GET", f"{api}/feeds/{feed}/data", None),
        ("POST", f"{api}/feeds/{feed}/data", {"value": "during"}),
        ("POST", f"{api}/feeds/{feed}/data/batch", [{"value": "during"}]),
        ("GET", f"{api}/feeds/{feed}/data/last", None),
        ("GET", f"{api}/feeds/{feed}/data/chart", None),
        ("GET", f"{api}/groups", None),
        ("POST", f"{api}/groups", {"name": f"g-{uuid.uuid4().hex[:6]}"}),
        ("POST", f"{api}/groups/default/data", {"feeds": [{"key": feed, "value": "during"}]}),
        ("GET", f"{api}/dashboards", None),
        ("POST", f"{api}/dashboards", {"name": f"d-{uuid.uuid4().hex[:6]}"}),
        ("GET", f"{api}/activities", None),
        ("GET", f"{api}/tokens", None),
        ("GET", f"{api}/feeds/{feed}/acl", None),
        ("GET", f"{api}/throttle", None),
        ("POST", f"/api/v2/webhooks/feed/{token}", {"value": "during"}),
        ("GET", f"/ui/api/public/{username}/feeds/{feed}/data", None),
        ("GET", f"/ui/api/feeds/{feed}/data.csv", None),
    ]


def test_database_outage_is_503_and_writes_resume_by_themselves(
    private_postgres: PrivatePostgres, stonechat: Server
) -> None:
    username, key = stonechat.create_user("outage")
    base = stonechat.base_url
    api_url = f"{base}/api/v2/{username}"
    headers = {"X-AIO-Key": key}
    feed = "outage"
    with httpx.Client(base_url=base, headers=headers, timeout=15) as http:
        created = http.post(f"{api_url}/feeds", json={"name": feed, "visibility": "public"})
        assert created.status_code == 201
        token = http.post(f"{api_url}/feeds/{feed}/webhooks").json()["token"]
        for method, path, body in routes(username, feed, token):  # all work before
            response = http.request(method, path, json=body)
            assert response.status_code < 300, (path, response.status_code, response.text)

        writers = Writers(api_url, key, feed)
        writers.start(4)
        time.sleep(1.0)
        private_postgres.stop()
        stopped = time.monotonic()
        time.sleep(1.0)
        for method, path, body in routes(username, feed, token):
            assert_unavailable(http.request(method, path, json=body), f"{method} {path}")
        # MQTT: CONNACK "server unavailable", not "not authorized" (no failure counted).
        device = MqttClient(stonechat.mqtt_port, username, key)
        try:
            assert device.connect() in (3, 0x88)
        finally:
            device.paho.loop_stop()
        time.sleep(max(0.0, 3.0 - (time.monotonic() - stopped)))
        restarting = time.monotonic()
        private_postgres.start()
        restarted = time.monotonic()

        # Writes resume by themselves: no restart of Stonechat, no request to help it.
        deadline = restarted + 30
        while True:
            recent = [a for a in writers.answers if a.at > restarted + 0.5]
            if sum(1 for a in recent if a.status == 200) >= 20:
                break
            assert time.monotonic() < deadline, "writes did not resume within 30 s"
            time.sleep(0.1)
        writers.join()

        for method, path, body in routes(username, feed, token):  # and all work again
            response = http.request(method, path, json=body)
            assert response.status_code < 300, (path, response.status_code, response.text)

        answers = writers.answers
        statuses = {a.status for a in answers}
        assert statuses <= {200, 503}, sorted(statuses, key=str)
        during = [a for a in answers if stopped + 0.5 < a.at < restarting]
        assert during, "no write was tried while the database was down"
        assert all(a.status == 503 for a in during), [a for a in during if a.status != 503][:5]
        for answer in answers:
            if answer.status == 503:
                assert set(answer.body) == {"error"}, answer
                assert answer.retry_after is not None and int(answer.retry_after) >= 1
        # Nothing answered 2xx is lost.
        stored: set[str] = set()
        page = http.get(f"{api_url}/feeds/{feed}/data", params={"limit": 1000})
        while True:
            assert page.status_code == 200
            stored |= {d["value"] for d in page.json()}
            links = page.headers["Link"].split(", <")
            if len(links) < 2:
                break
            page = http.get(links[1].rstrip(">"))
        acknowledged = {a.value for a in answers if a.status == 200}
        assert acknowledged, "no write was acknowledged"
        assert acknowledged <= stored, sorted(acknowledged - stored)[:10]
    assert "internal server error" not in stonechat.log()
    assert "unhandled error" not in stonechat.log()
