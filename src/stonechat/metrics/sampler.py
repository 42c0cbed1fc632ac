"""Copies the parts' plain counters into the metrics: at each scrape, and every few
seconds when several workers share a multiprocess directory (a scrape reaches one worker;
the others' values must already be in their files).

Counters are copied as increments (the growth since the last copy), so in multiprocess
mode each worker adds exactly its own counts; gauges are set.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from stonechat.bus.base import Bus
from stonechat.limits.limiter import Limiter
from stonechat.metrics.families import Families
from stonechat.protocols.mqtt.state import BrokerState
from stonechat.protocols.mqtt.traffic import PACKET_NAMES, Traffic
from stonechat.services.action_runner import ActionRunner
from stonechat.services.ingest import IngestService

# Broker ``stats`` keys that are connection results; the rest are events (or drops).
CONNECT_ACCEPTED = "connect_accepted"
CONNECT_REFUSED = "connect_refused_"
BAD_CONNECT = "bad_connect"
# Broker ``stats`` keys that are drops, and the reason they are exported under. Drops of a
# session's bounds come from ``QueueBudget.drops`` (its ``queue_bytes`` is also counted in
# ``stats`` as ``queue_limit_dropped``: exported once).
DROPS = {"dropped_qos0": "slow_consumer"}
NOT_EVENTS = {"queue_limit_dropped"}
REFUSALS = (
    *("version", "identifier", "unavailable", "credentials", "authorized", "rate"),
    *("banned", "quota", "malformed"),
)
DROP_REASONS = ("slow_consumer", "queue_bytes", "queue_full", "too_large")
# Broker events (``stats`` keys) exported from the start at 0; a key added later is
# exported when it first counts (tests/metrics checks this list against the source).
EVENTS = (
    *("rejected_publishes", "blocked_publishes", "throttled_publishes", "unstored_publishes"),
    *("unkept_publishes", "rejected_subscribes", "blocked_subscribes", "banned_connects"),
    *("quota_refusals", "auth_failures", "bans", "takeovers", "remote_takeovers", "wills"),
    *("protocol_errors", "handler_errors", "revoked", "tokens_revoked", "tokens_expired"),
    "subscriptions_revoked",
)
LIMITS = ("data_rate", "sign_in", "sign_up", "password_reset")


@dataclass
class Sources:
    """The parts whose counts are exported (``runner`` is None without actions)."""

    broker: BrokerState
    ingest: IngestService
    bus: Bus
    limiter: Limiter
    runner: ActionRunner | None = None


class _Increments:
    """The last value copied of each counter, to add only what it grew by since."""

    def __init__(self) -> None:
        self._last: dict[Hashable, float] = {}

    def copy(self, key: Hashable, child: Any, value: float) -> None:
        last = self._last.get(key, 0)
        if value > last:
            child.inc(value - last)
        self._last[key] = value

    def copy_all(self, name: str, family: Any, counts: Mapping[str, float]) -> None:
        for label, value in counts.items():
            self.copy((name, label), family.labels(label), value)


class Sampler:
    def __init__(self, families: Families, sources: Sources) -> None:
        self.families = families
        self.sources = sources
        self._increments = _Increments()
        f = families
        # Known label values exported at 0 before the first event (rate() needs a start).
        for name in PACKET_NAMES.values():
            f.mqtt_packets_in.labels(name)
            f.mqtt_packets_out.labels(name)
        for result in ("accepted", *REFUSALS):
            f.mqtt_connects.labels(result)
        for reason in DROP_REASONS:
            f.mqtt_dropped.labels(reason)
        for state in ("connected", "offline"):
            f.mqtt_sessions.labels(state)
        for outcome in ("ok", "failed", "skipped"):
            f.action_runs.labels(outcome)
        for event in EVENTS:
            f.mqtt_events.labels(event)
        for limit in LIMITS:
            f.limit_refusals.labels(limit)

    def sample(self) -> None:
        """Copy every part's counts into the metrics now."""
        self._broker()
        self._ingest()
        self._bus()
        self._limits()
        if self.sources.runner is not None:
            self._increments.copy_all(
                "runs", self.families.action_runs, self.sources.runner.outcomes
            )

    def _broker(self) -> None:
        f, inc, state = self.families, self._increments, self.sources.broker
        traffic = state.traffic
        inc.copy_all("packets_in", f.mqtt_packets_in, Traffic.by_type(traffic.packets_in))
        inc.copy_all("packets_out", f.mqtt_packets_out, Traffic.by_type(traffic.packets_out))
        inc.copy("bytes_in", f.mqtt_bytes_in, traffic.bytes_in)
        inc.copy("bytes_out", f.mqtt_bytes_out, traffic.bytes_out)
        connects: Counter[str] = Counter()
        drops: Counter[str] = Counter(state.budget.drops)
        events: dict[str, int] = {}
        for key, value in list(state.stats.items()):
            if key == CONNECT_ACCEPTED:
                connects["accepted"] += value
            elif key.startswith(CONNECT_REFUSED):
                connects[key.removeprefix(CONNECT_REFUSED)] += value
            elif key == BAD_CONNECT:
                connects["malformed"] += value
            elif key in DROPS:
                drops[DROPS[key]] += value
            elif key not in NOT_EVENTS:
                events[key] = value
        inc.copy_all("connects", f.mqtt_connects, connects)
        inc.copy_all("drops", f.mqtt_dropped, drops)
        inc.copy_all("events", f.mqtt_events, events)
        f.mqtt_connections.set(len(state.connections))
        online = sum(1 for s in list(state.sessions.values()) if s.conn is not None)
        f.mqtt_sessions.labels("connected").set(online)
        f.mqtt_sessions.labels("offline").set(len(state.sessions) - online)
        f.mqtt_subscriptions.set(state.registry.count())
        retained, retained_bytes = state.retained.total()
        f.mqtt_retained.set(retained)
        f.mqtt_retained_bytes.set(retained_bytes)

    def _ingest(self) -> None:
        f, inc, ingest = self.families, self._increments, self.sources.ingest
        f.ingest_queue.set(ingest.queued)
        inc.copy("points", f.ingest_points, ingest.points)
        inc.copy("batches", f.ingest_batches, ingest.batches)
        inc.copy("outages", f.ingest_outages, ingest.outage.count)
        f.ingest_failing.set(1 if ingest.outage.active else 0)

    def _bus(self) -> None:
        f, health = self.families, self.sources.bus.health()
        f.bus_connected.set(1 if health.get("connected") else 0)
        f.bus_backlog.set(int(health.get("queued", 0)))
        self._increments.copy("bus_dropped", f.bus_dropped, int(health.get("dropped", 0)))

    def _limits(self) -> None:
        f, inc, limiter = self.families, self._increments, self.sources.limiter
        inc.copy_all("refusals", f.limit_refusals, limiter.refusals)
        inc.copy_all("bans", f.bans, limiter.bans_started)
        now = limiter.now()
        f.bans_active.set(sum(1 for until in list(limiter.banned.values()) if until > now))
