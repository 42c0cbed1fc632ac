"""Metrics present and moving after HTTP and MQTT traffic, on a real server (both
databases): the exposition is parsed with prometheus-client's parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from metrics_scrape import scrape, total, value
from mqtt_adafruit_helpers import Client, connected, wait_for

from support import Server

DATA_ROUTE = "/api/v2/{username}/feeds/{feed_key}/data"


def test_http_and_mqtt_traffic_moves_the_metrics(server: Server, user: tuple[str, str]) -> None:
    username, key = user
    before = scrape(server.base_url)
    with httpx.Client(
        base_url=f"{server.base_url}/api/v2/{username}", headers={"X-AIO-Key": key}
    ) as api:
        for n in range(3):
            assert api.post("/feeds/metered/data", json={"value": n}).status_code == 200
        assert api.get("/feeds/no-such-feed").status_code == 404
    assert httpx.get(f"{server.base_url}/no/such/path/{username}").status_code == 404
    client = connected(server, username, key)
    try:
        assert client.subscribe(f"{username}/feeds/metered") == [0]
        for n in range(2):
            assert client.publish(f"{username}/feeds/metered", str(n), qos=1) == 0
        client.take(2)
    finally:
        client.close()

    after = scrape(server.base_url)

    def grew(name: str, by: float = 1, **labels: str) -> None:
        change = total(after, name, **labels) - total(before, name, **labels)
        assert change >= by, (name, labels, change)

    # HTTP: by route template (never the raw path), method and status; latency histogram.
    grew("stonechat_http_requests_total", 3, method="POST", route=DATA_ROUTE, status="200")
    grew("stonechat_http_requests_total", 1, route="/api/v2/{username}/feeds/{feed_key}")
    grew("stonechat_http_requests_total", 1, route="unmatched", status="404")
    grew("stonechat_http_request_duration_seconds_count", 3, method="POST", route=DATA_ROUTE)
    assert not any(username in dict(labels).get("route", "") for _, labels in after)
    # MQTT: packets by type both ways, bytes, connects.
    grew("stonechat_mqtt_packets_received_total", 1, type="connect")
    grew("stonechat_mqtt_packets_received_total", 1, type="subscribe")
    grew("stonechat_mqtt_packets_received_total", 2, type="publish")
    grew("stonechat_mqtt_packets_sent_total", 2, type="puback")
    grew("stonechat_mqtt_packets_sent_total", 2, type="publish")
    grew("stonechat_mqtt_packets_sent_total", 1, type="connack")
    grew("stonechat_mqtt_received_bytes_total", 50)
    grew("stonechat_mqtt_sent_bytes_total", 20)
    grew("stonechat_mqtt_connects_total", 1, result="accepted")
    # Ingest: 5 points stored, in batches whose commits were timed.
    grew("stonechat_ingest_points_stored_total", 5)
    grew("stonechat_ingest_commit_seconds_count", 1)
    grew("stonechat_ingest_batch_points_count", 1)
    grew("stonechat_ingest_batch_points_sum", 5)
    # Present, whatever their values now.
    for name in (
        "stonechat_mqtt_connections",
        "stonechat_mqtt_subscriptions",
        "stonechat_mqtt_retained_messages",
        "stonechat_ingest_queue_depth",
        "stonechat_bus_connected",
        "stonechat_bans_active",
    ):
        assert any(n == name for n, _ in after), name
    assert value(after, "stonechat_bus_connected") == 1
    assert value(after, "stonechat_ingest_storage_failing") == 0


def test_a_refused_connect_is_counted_by_reason(server: Server, user: tuple[str, str]) -> None:
    username, _key = user
    before = scrape(server.base_url)
    client = Client(server.mqtt_port, username, "not-the-key")
    assert client.connect() != 0
    client.close()

    def refused(samples: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> float:
        every = total(samples, "stonechat_mqtt_connects_total")
        return every - value(samples, "stonechat_mqtt_connects_total", result="accepted")

    wait_for(lambda: refused(scrape(server.base_url)) > refused(before))


def test_the_grafana_dashboard_asks_for_exported_metrics(server: Server) -> None:
    dashboard = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"
    exprs = [
        target["expr"]
        for panel in json.loads(dashboard.read_text())["panels"]
        for target in panel.get("targets", [])
    ]
    used = {name for expr in exprs for name in re.findall(r"\bstonechat_[a-z_]+", expr)}
    exported = {name for name, _ in scrape(server.base_url)}
    assert used and used <= exported, used - exported
