"""Every metric Stonechat exports: names, help, labels, buckets, multiprocess modes.

Built per process by ``Families(registry)``; nothing is created at import time. Gauges say
how workers' values combine in multiprocess mode (``livesum``: each worker holds its own
share; ``livemax``: each holds a copy of the same number; ``livemin``: 0 when any is down).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


class Families:
    """The metric objects of one process, registered in ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        # -- HTTP (observed per request by the middleware) -----------------------------------
        self.http_requests = Counter(
            "stonechat_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_duration = Histogram(
            "stonechat_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        # -- MQTT (copied from the broker's plain counters) -----------------------------------
        self.mqtt_connections = Gauge(
            "stonechat_mqtt_connections",
            "Open MQTT connections (TCP, TLS and WebSocket), signed in or not yet.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.mqtt_connects = Counter(
            "stonechat_mqtt_connects",
            "CONNECTs answered: result is accepted, or why it was refused.",
            ["result"],
            registry=r,
        )
        self.mqtt_packets_in = Counter(
            "stonechat_mqtt_packets_received",
            "MQTT packets received, by packet type.",
            ["type"],
            registry=r,
        )
        self.mqtt_packets_out = Counter(
            "stonechat_mqtt_packets_sent",
            "MQTT packets sent, by packet type.",
            ["type"],
            registry=r,
        )
        self.mqtt_bytes_in = Counter(
            "stonechat_mqtt_received_bytes", "Bytes received on MQTT connections.", registry=r
        )
        self.mqtt_bytes_out = Counter(
            "stonechat_mqtt_sent_bytes", "Bytes sent on MQTT connections.", registry=r
        )
        self.mqtt_dropped = Counter(
            "stonechat_mqtt_dropped_messages",
            "Messages not delivered to a subscriber, by reason: slow_consumer (QoS 0 to a "
            "client far behind), queue_bytes (over the queued bytes bound of a session or "
            "user), queue_full (over a session's queued messages), too_large (over the "
            "client's maximum packet size).",
            ["reason"],
            registry=r,
        )
        self.mqtt_events = Counter(
            "stonechat_mqtt_events",
            "Other broker events, by name (docs/operations.md lists them): refused and "
            "blocked publishes and subscribes, takeovers, wills, errors, revocations.",
            ["event"],
            registry=r,
        )
        self.mqtt_sessions = Gauge(
            "stonechat_mqtt_sessions",
            "MQTT sessions held: connected, or offline (persistent, kept for the client).",
            ["state"],
            registry=r,
            multiprocess_mode="livesum",
        )
        self.mqtt_subscriptions = Gauge(
            "stonechat_mqtt_subscriptions",
            "Subscriptions held by the sessions.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.mqtt_retained = Gauge(
            "stonechat_mqtt_retained_messages",
            "Retained messages (every process holds all of them).",
            registry=r,
            multiprocess_mode="livemax",
        )
        self.mqtt_retained_bytes = Gauge(
            "stonechat_mqtt_retained_bytes",
            "Payload bytes of the retained messages.",
            registry=r,
            multiprocess_mode="livemax",
        )
        # -- ingest ---------------------------------------------------------------------------
        self.ingest_queue = Gauge(
            "stonechat_ingest_queue_depth",
            "Writes (one request or publish each) waiting for the group-commit writer.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.ingest_batch = Histogram(
            "stonechat_ingest_batch_points",
            "Points committed per transaction.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.ingest_commit = Histogram(
            "stonechat_ingest_commit_seconds",
            "Time to commit one batch of points to the database.",
            buckets=COMMIT_BUCKETS,
            registry=r,
        )
        self.ingest_points = Counter(
            "stonechat_ingest_points_stored", "Data points stored (committed).", registry=r
        )
        self.ingest_batches = Counter(
            "stonechat_ingest_batches", "Batches of points committed.", registry=r
        )
        self.ingest_outages = Counter(
            "stonechat_ingest_outages",
            "Times writes began to fail (database away, disk full).",
            registry=r,
        )
        self.ingest_failing = Gauge(
            "stonechat_ingest_storage_failing",
            "1 while writes fail and data is refused with 503, else 0.",
            registry=r,
            multiprocess_mode="livemax",
        )
        # -- bus ------------------------------------------------------------------------------
        self.bus_connected = Gauge(
            "stonechat_bus_connected",
            "1 when the bus (Redis with several processes) is connected; 0 if any worker's is not.",
            registry=r,
            multiprocess_mode="livemin",
        )
        self.bus_backlog = Gauge(
            "stonechat_bus_backlog",
            "Events waiting to be sent to the other processes.",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.bus_dropped = Counter(
            "stonechat_bus_dropped_events",
            "Events not sent to the other processes (the bus away and its backlog full).",
            registry=r,
        )
        # -- limits ---------------------------------------------------------------------------
        self.limit_refusals = Counter(
            "stonechat_limit_refusals",
            "Requests refused by a rate limit: data_rate, sign_in, sign_up, password_reset.",
            ["limit"],
            registry=r,
        )
        self.bans = Counter(
            "stonechat_bans",
            "MQTT bans started, by the event that crossed its threshold.",
            ["reason"],
            registry=r,
        )
        self.bans_active = Gauge(
            "stonechat_bans_active",
            "Users banned now.",
            registry=r,
            multiprocess_mode="livemax",
        )
        # -- actions --------------------------------------------------------------------------
        self.action_runs = Counter(
            "stonechat_action_runs",
            "Action runs recorded, by outcome: ok, failed (an output failed), skipped.",
            ["outcome"],
            registry=r,
        )
