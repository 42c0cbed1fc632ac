"""Redis going away during traffic, and ``stonechat serve --workers N`` under its supervisor."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mqtt_adafruit_helpers import connected, rest, wait_for

from support import Server, free_port, start_cluster

pytestmark = pytest.mark.timeout(180)


class RedisProcess:
    """A private redis-server on a free port, so the test may stop and start it."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        import redis

        wait_for(lambda: _pings(redis.Redis(port=self.port, socket_connect_timeout=0.2)))

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def _pings(client: object) -> bool:
    import redis

    try:
        return bool(client.ping())  # type: ignore[attr-defined]
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis(tmp_path: Path, redis_url: str) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.kill()


def health(server: Server) -> dict[str, object]:
    body: dict[str, object] = httpx.get(f"{server.base_url}/health", timeout=5).json()
    return body


def test_redis_restart_loses_no_stored_point_and_fan_out_resumes(
    pg_url: str | None, private_redis: RedisProcess, tmp_path: Path
) -> None:
    a, b = start_cluster(tmp_path, 2, pg_url, private_redis.url)
    try:
        username, key = a.create_user("r")
        topic = f"{username}/feeds/flow"
        with connected(b, username, key) as far, rest(a, username, key) as api:
            far.subscribe(topic)
            with connected(a, username, key) as device:

                def write(value: str) -> None:
                    if int(value) % 2:
                        assert device.publish(topic, value, qos=1) == 0
                    else:
                        assert api.post("/feeds/flow/data", json={"value": value}).is_success

                for i in range(20):
                    write(str(i))
                assert [m.text for m in far.take(20)] == [str(i) for i in range(20)]

                private_redis.kill()
                for i in range(20, 50):  # Redis is gone: every write is still accepted
                    write(str(i))
                for server in (a, b):
                    wait_for(lambda s=server: health(s)["status"] == "degraded")

                private_redis.start()
                for server in (a, b):
                    try:
                        wait_for(lambda s=server: health(s)["status"] == "ok", timeout=30)
                    except AssertionError:
                        raise AssertionError(f"{health(server)}\n{server.log()[-4000:]}") from None
                time.sleep(0.5)  # both subscriptions are back
                for i in range(50, 70):
                    write(str(i))
                got: list[str] = []
                wait_for(lambda: got.extend(m.text for m in far.pending()) or "69" in got)
            assert got[-20:] == [str(i) for i in range(50, 70)]
            assert len(got) == len(set(got)), "a point reached the subscriber twice"
            stored = api.get("/feeds/flow/data", params={"limit": 1000}).json()
            assert sorted(int(d["value"]) for d in stored) == list(range(70))
    finally:
        for server in (a, b):
            server.stop()


# -- --workers ---------------------------------------------------------------------------


class Supervised:
    """``stonechat serve --workers N`` (through STONECHAT_WORKERS) on a test Server."""

    def __init__(self, root: Path, database_url: str | None, redis_url: str, workers: int):
        self.server = Server(
            backend="postgresql",
            data_dir=root,
            database_url=database_url,
            http_port=free_port(),
            mqtt_port=free_port(),
            extra_env={
                "STONECHAT_WORKERS": str(workers),
                "STONECHAT_REDIS_URL": redis_url,
                "STONECHAT_REDIS_PREFIX": f"w{os.getpid()}-{time.monotonic_ns()}",
            },
        )

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        return self.server.process

    def start(self) -> None:
        try:
            self.server.start(timeout=90)
        except RuntimeError:
            if self.process is not None and self.process.poll() is None:
                self.stop()  # never leave a supervisor and its workers behind
            raise

    def pids(self, probes: int = 40) -> set[int]:
        """Worker pids answering /health, one new connection per probe."""
        found = set()
        for _ in range(probes):
            with contextlib.suppress(httpx.HTTPError):
                found.add(int(health(self.server)["pid"]))  # type: ignore[call-overload]
        return found

    def both_workers(self) -> set[int]:
        """The two workers' pids once both answer, else an empty set."""
        pids = self.pids()
        return pids if len(pids) == 2 else set()

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(40)
        except subprocess.TimeoutExpired:
            self.process.kill()  # its workers notice within a second and stop
            raise


@pytest.fixture
def supervised(pg_url: str | None, redis_url: str, tmp_path: Path) -> Iterator[Supervised]:
    sup = Supervised(tmp_path, pg_url, redis_url, workers=2)
    sup.start()
    yield sup
    if sup.process is not None and sup.process.poll() is None:
        sup.stop()


def test_workers_share_the_ports_and_fan_out_across_them(supervised: Supervised) -> None:
    wait_for(supervised.both_workers, timeout=10)
    server = supervised.server
    username, key = server.create_user("w")
    topic = f"{username}/feeds/spread"
    subscribers = [connected(server, username, key) for _ in range(8)]
    try:
        for client in subscribers:
            client.subscribe(topic, qos=1)
        with connected(server, username, key) as publisher:
            for i in range(10):
                assert publisher.publish(topic, str(i), qos=1) == 0
        for client in subscribers:
            assert [m.text for m in client.take(10)] == [str(i) for i in range(10)]
        time.sleep(0.3)
        assert all(client.pending() == [] for client in subscribers)
    finally:
        for client in subscribers:
            client.close()


def test_a_crashed_worker_is_started_again(supervised: Supervised) -> None:
    before = wait_for(supervised.both_workers, timeout=10)
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    after = wait_for(lambda: victim not in (p := supervised.both_workers()) and p, timeout=30)
    assert after - before  # a new process took the crashed one's place
    assert "exited with -9; starting it again" in supervised.server.log()


def test_workers_stop_when_the_supervisor_is_killed(supervised: Supervised) -> None:
    pids = wait_for(supervised.both_workers, timeout=10)
    assert supervised.process is not None
    supervised.process.kill()
    supervised.process.wait()

    def gone(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_for(lambda: all(gone(pid) for pid in pids), timeout=30)


def test_sigterm_stops_every_worker(supervised: Supervised) -> None:
    pids = wait_for(supervised.both_workers, timeout=10)
    assert supervised.stop() == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "--workers needs Redis"),
        (["--redis-url", "redis://127.0.0.1:6379/0"], "--workers needs PostgreSQL"),
    ],
)
def test_workers_refuse_settings_they_cannot_serve(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STONECHAT_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stonechat",
            "serve",
            "--workers",
            "2",
            "--data-dir",
            str(tmp_path),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode != 0
    assert message in result.stderr


def no_saved_sessions(server: Server) -> bool:
    """Whether every stored session is held by a process (a running one adopted those the
    stopped one let go of)."""
    import asyncio

    from sqlalchemy import func, select

    from stonechat.config import Settings
    from stonechat.runtime import open_database
    from stonechat.storage.schema import mqtt_sessions

    async def count() -> int:
        db = open_database(Settings(data_dir=server.data_dir, database_url=server.database_url))
        try:
            async with db.connect() as conn:
                return int(
                    (
                        await conn.execute(
                            select(func.count())
                            .select_from(mqtt_sessions)
                            .where(mqtt_sessions.c.node.is_(None))
                        )
                    ).scalar_one()
                )
        finally:
            await db.close()

    return asyncio.run(count()) == 0


def test_sessions_saved_by_a_stopped_process_are_found_by_another(
    pg_url: str | None, redis_url: str, tmp_path: Path
) -> None:
    """A graceful stop saves persistent sessions and a running process adopts them: the
    client reconnects there and finds its subscription and what was stored meanwhile."""
    from mqtt_adafruit_helpers import Client

    a, b = start_cluster(tmp_path, 2, pg_url, redis_url)
    try:
        username, key = a.create_user("s")
        topic = f"{username}/feeds/kept"

        def connect(server: Server) -> Client:
            client = Client(server.mqtt_port, username, key, client_id="keeper", version=5)
            assert client.connect(session_expiry=600) == 0
            return client

        first = connect(a)
        assert first.subscribe(topic, qos=1) == [1]
        first.close()
        a.stop()  # graceful: the session goes to the database

        with rest(b, username, key) as api:
            # B adopts the saved session at once, so this is queued for the client.
            wait_for(lambda: no_saved_sessions(b))
            api.post("/feeds/kept/data", json={"value": "while away"}).raise_for_status()
            second = connect(b)
            try:
                assert second.session_present is True  # subscription and queue included
                assert second.next().text == "while away"
                api.post("/feeds/kept/data", json={"value": "back"}).raise_for_status()
                assert second.next().text == "back"
            finally:
                second.close()
    finally:
        for server in (a, b):
            server.stop()
