"""How the server holds up under issue 11's abuse: ``/health`` latency and RSS during each.

Each scenario runs on a fresh ``stonechat serve`` (SQLite, tests/support.py ``Server``)
while a thread asks ``/health`` every 20 ms and samples the server's VmRSS; one Markdown row
per scenario. The scenarios are the ones ``tests/protocols/mqtt/adafruit/test_mqtt_abuse.py``
asserts bounds on (``mqtt_abuse_scenarios.py``):

    .venv/bin/python bench/mqtt_abuse.py                       # all
    .venv/bin/python bench/mqtt_abuse.py --scenarios subscribe,flood
    PYTHONPATH=/other/checkout/src .venv/bin/python bench/mqtt_abuse.py   # another version

subscribe        one SUBSCRIBE of 30,000 filters over 1,000 retained messages (default limits)
subscribe-all    the same with the filter limits raised to 30,000: every filter is looked up
wildcards        50,000 wildcard subscriptions (100 per SUBSCRIBE, per-session and per-user
                 limits raised), then 5 REST batches of 20 points
flood            2 connections x 150 x 1 MiB behind a publish to a new feed (database locked)
deep             {"value": [[[... 5,000 deep behind a publish to a new feed
tls              20 TLS connections that never send ClientHello (connect timeout 1 s)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "tests" / "protocols" / "mqtt" / "adafruit"))

from mqtt_abuse_scenarios import (  # noqa: E402
    Watch,
    deep_payload,
    flood_behind_wait,
    huge_subscribe,
    silent_tls,
    wildcard_writes,
)
from mqtt_adafruit_helpers import make_ca  # noqa: E402

from support import Server, free_port  # noqa: E402

RAISED = {
    "STONECHAT_MQTT_MAX_SUBSCRIBE_FILTERS": "50000",
    "STONECHAT_MQTT_MAX_SUBSCRIPTIONS_PER_SESSION": "60000",
    "STONECHAT_MQTT_MAX_SUBSCRIPTIONS_PER_USER": "60000",
}


def run(name: str, env: dict[str, str], body: Callable[[Server, str, str, Watch], str]) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server("sqlite", Path(tmp), None, free_port(), free_port(), extra_env=env)
        server.start()
        try:
            username, key = server.create_user("b")
            time.sleep(0.5)
            watch = Watch(server, health_timeout=30)
            with watch.running():
                note = body(server, username, key, watch)
            ms = sorted(x * 1000 for x in watch.latencies) or [0.0]
            return (
                f"| {name} | {ms[-1]:.0f} | {ms[len(ms) // 2]:.1f} | {len(ms)} "
                f"| {len(watch.failures)} | {watch.growth / 2**20:.0f} | {note} |"
            )
        finally:
            server.stop()


def subscribe(server: Server, username: str, key: str, _watch: Watch) -> str:
    codes = huge_subscribe(server, username, key, 30_000, 1000)
    return f"{codes.count(0)} granted, {len(codes) - codes.count(0)} refused"


def wildcards(server: Server, username: str, key: str, _watch: Watch) -> str:
    _codes, times = wildcard_writes(server, username, key, 50_000, 100, 5, 20)
    return f"REST batch of 20 points: max {max(times) * 1000:.0f} ms"


def flood(server: Server, username: str, key: str, watch: Watch) -> str:
    sent, _acks = flood_behind_wait(server, username, key, watch, 2, 150)
    return f"MiB read while waiting: {sent}"


def deep(server: Server, username: str, key: str, _watch: Watch) -> str:
    return f"PUBACKs {deep_payload(server, username, key, 5000)}"


def tls(server: Server, _username: str, _key: str, _watch: Watch) -> str:
    held = silent_tls(int(server.extra_env["STONECHAT_MQTTS_PORT"]), 20, 70)
    return f"held {min(held):.1f}-{max(held):.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenarios", default="subscribe,subscribe-all,wildcards,flood,deep,tls")
    args = parser.parse_args()
    ca_dir = Path(tempfile.mkdtemp())
    _ca, cert, key = make_ca(ca_dir)
    tls_env = {
        "STONECHAT_TLS_CERT": str(cert),
        "STONECHAT_TLS_KEY": str(key),
        "STONECHAT_MQTT_CONNECT_TIMEOUT": "1",
        "STONECHAT_MQTTS_PORT": str(free_port()),
    }
    scenarios = {
        "subscribe": ({}, subscribe),
        "subscribe-all": (RAISED, subscribe),
        "wildcards": (RAISED, wildcards),
        "flood": ({}, flood),
        "deep": ({}, deep),
        "tls": (tls_env, tls),
    }
    print("| scenario | /health max ms | p50 ms | probes | failed | RSS growth MiB | notes |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in args.scenarios.split(","):
        env, body = scenarios[name]
        print(run(name, env, body), flush=True)


if __name__ == "__main__":
    main()
