"""``stonechat serve --workers N``: N server processes on the same ports, kept running.

The supervisor migrates the database and creates the first account once, then starts N
workers: ordinary ``stonechat serve`` processes that listen with SO_REUSEPORT, so the kernel
spreads new HTTP, MQTT and WebSocket connections among them. PostgreSQL is the shared store
and Redis carries fan-out, limits and MQTT session hand-over between them, exactly as between
servers on several hosts behind a TCP load balancer.

A worker that exits unexpectedly is started again, after a pause that grows while it keeps
failing. SIGTERM or SIGINT stops every worker gracefully (sessions saved, queues drained).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from pydantic import SecretStr

from stonechat.config import Settings
from stonechat.metrics import multiprocess
from stonechat.runtime import prepare

log = logging.getLogger("stonechat.supervisor")

STOP_TIMEOUT = 30.0  # seconds a worker gets to drain before it is killed
STEADY = 60.0  # a worker up this long is healthy again: its restart pause starts over


@dataclass
class Worker:
    index: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float = 0.0


def check_workers(settings: Settings) -> str | None:
    """Why these settings cannot run several workers, or None."""
    if settings.workers <= 1:
        return None
    if not settings.redis_url:
        return "--workers needs Redis to join the processes: set --redis-url (STONECHAT_REDIS_URL)"
    if not (settings.database_url or "").startswith(("postgresql", "postgres")):
        return (
            "--workers needs PostgreSQL, which several processes can write at once: "
            "set --database-url postgresql://... (STONECHAT_DATABASE_URL)"
        )
    ports = [settings.http_port, settings.mqtt_port]
    if settings.tls_cert:
        ports.append(settings.mqtts_port)
    if 0 in ports:
        return "--workers needs fixed ports (0 picks a different port in each worker)"
    return None


def worker_env(settings: Settings, index: int, metrics_dir: Path | None = None) -> dict[str, str]:
    """The environment of worker ``index``: every setting of the supervisor, as variables,
    and the directory where the workers' metrics meet."""
    env = dict(os.environ)
    if metrics_dir is not None:
        env[multiprocess.ENV] = str(metrics_dir)
    for name, value in settings.model_dump().items():
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is not None:
            env[f"STONECHAT_{name.upper()}"] = str(value)
    env["STONECHAT_WORKERS"] = "1"
    env["STONECHAT_WORKER_ID"] = str(index)
    env["STONECHAT_REUSE_PORT"] = "true"
    return env


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers = [Worker(i) for i in range(1, settings.workers + 1)]
        self.stopping = False
        self.metrics_dir: Path | None = None

    def start(self, worker: Worker) -> None:
        worker.process = subprocess.Popen(
            [sys.executable, "-m", "stonechat", "serve"],
            env=worker_env(self.settings, worker.index, self.metrics_dir),
        )
        worker.started = time.monotonic()
        log.info("worker %d started (pid %d)", worker.index, worker.process.pid)

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        self.metrics_dir = multiprocess.create_directory()
        try:
            for worker in self.workers:
                self.start(worker)
            while not self.stopping:
                self._watch()
                time.sleep(0.2)
            return self._stop_all()
        finally:
            multiprocess.remove_directory(self.metrics_dir)

    def _watch(self) -> None:
        now = time.monotonic()
        for worker in self.workers:
            process = worker.process
            if process is not None:
                code = process.poll()
                if code is None:
                    if now - worker.started > STEADY:
                        worker.failures = 0
                    continue
                worker.failures += 1
                pause = min(30.0, 0.5 * 2 ** (worker.failures - 1))
                log.error(
                    "worker %d (pid %d) exited with %s; starting it again in %.1f s",
                    worker.index,
                    process.pid,
                    code,
                    pause,
                )
                if self.metrics_dir is not None:
                    multiprocess.worker_died(self.metrics_dir, process.pid)
                worker.process = None
                worker.restart_at = now + pause
            elif now >= worker.restart_at:
                self.start(worker)

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _stop_all(self) -> int:
        running = [w.process for w in self.workers if w.process is not None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker pid %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
        return 0


def supervise(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    problem = check_workers(settings)
    if problem:
        raise SystemExit(f"stonechat: {problem}")
    prepare(settings)  # migrate and create the first account once, before the workers race
    raise SystemExit(Supervisor(settings).run())
