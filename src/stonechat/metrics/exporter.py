"""``Metrics``: the metrics of this process, as the HTTP layer and the runtime use them."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

from stonechat.config import Settings
from stonechat.metrics import multiprocess
from stonechat.metrics.families import Families
from stonechat.metrics.sampler import Sampler, Sources

log = logging.getLogger(__name__)

# With several workers, how often each copies its counts into its files (a scrape
# reaches one worker; the others' numbers are at most this old).
SAMPLE_SECONDS = 2.0
# HTTP methods exported by name; any other is "other" (clients choose methods freely).
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


class Metrics:
    """Families, the sampler that fills them, and the exposition for ``/metrics``."""

    def __init__(self, sources: Sources, token: str | None, directory: str | None) -> None:
        self.token = token  # set: every scraper sends it; None: loopback scrapers only
        self.directory = directory  # multiprocess mode when set
        self.registry = CollectorRegistry()
        if directory is None:  # one process: its own resource use too
            ProcessCollector(registry=self.registry)
        self.families = Families(self.registry)
        self.sampler = Sampler(self.families, sources)
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._task: asyncio.Task[None] | None = None

    # -- observed directly: once per HTTP request, once per committed batch -----------------

    def request_done(self, method: str, route: str, status: int, seconds: float) -> None:
        """An HTTP request was answered (``route``: its template, never the raw path)."""
        if method not in METHODS:
            method = "other"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            f = self.families
            children = self._children[key] = (
                f.http_requests.labels(method, route, str(status)),
                f.http_duration.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def batch_committed(self, points: int, seconds: float) -> None:
        """The ingest committed a batch of ``points`` in ``seconds``."""
        self.families.ingest_batch.observe(points)
        self.families.ingest_commit.observe(seconds)

    # -- exposition ------------------------------------------------------------------------

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text format of this process, or of every worker (multiprocess)."""
        self.sampler.sample()
        registry = self.registry
        if self.directory is not None:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST

    # -- life ------------------------------------------------------------------------------

    async def start(self) -> None:
        self.sampler.sample()
        if self.directory is not None:
            self._task = asyncio.create_task(self._sample_often(), name="metrics-sampler")

    async def stop(self) -> None:
        """Stop sampling; the last counts are copied first (a worker stopping keeps them)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.sampler.sample()

    async def _sample_often(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_SECONDS)
            try:
                self.sampler.sample()
            except Exception:  # a bug here must not stop the counting for good
                log.exception("could not sample the metrics")


def build_metrics(settings: Settings, sources: Sources) -> Metrics:
    """The metrics of this process, attached to the ingest's commit callback."""
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    metrics = Metrics(sources, token or None, multiprocess.directory())
    sources.ingest.on_commit = metrics.batch_committed
    return metrics
