"""prometheus-client's multiprocess mode for ``--workers``: one directory of value files.

prometheus-client picks how it stores values when it is first imported, from the
environment variable ``PROMETHEUS_MULTIPROC_DIR``; workers are new processes started with
it set (``Supervisor``), so they store their values in files there and a scrape of any
worker merges every worker's files. The supervisor makes the directory fresh at start,
tells prometheus-client when a worker died (its live gauges no longer count), and removes
the directory at exit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from prometheus_client import multiprocess

ENV = "PROMETHEUS_MULTIPROC_DIR"


def directory() -> str | None:
    """The multiprocess directory this process writes its values to, if any."""
    return os.environ.get(ENV) or None


def create_directory() -> Path:
    """A new, empty directory for one supervisor's workers (never a previous run's)."""
    return Path(tempfile.mkdtemp(prefix="stonechat-metrics-"))


def worker_died(path: Path, pid: int) -> None:
    """Forget the live gauges of a worker that exited (its counters keep counting)."""
    multiprocess.mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]


def remove_directory(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
