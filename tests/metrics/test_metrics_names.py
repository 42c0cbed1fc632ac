"""Every event the broker counts and every limit the limiter refuses for has its label."""

from __future__ import annotations

import re
from pathlib import Path

from stonechat.metrics.sampler import (
    BAD_CONNECT,
    CONNECT_ACCEPTED,
    CONNECT_REFUSED,
    DROPS,
    EVENTS,
    LIMITS,
    NOT_EVENTS,
    REFUSALS,
)
from stonechat.protocols.mqtt.replies import CONNACK_REFUSALS

SRC = Path(__file__).resolve().parents[2] / "src" / "stonechat"


def counted(pattern: str, under: str) -> set[str]:
    return {
        key for path in (SRC / under).rglob("*.py") for key in re.findall(pattern, path.read_text())
    }


def test_every_broker_stats_key_is_exported_under_a_known_name() -> None:
    keys = counted(r'stats\["([a-z0-9_]+)"\]', "protocols/mqtt")
    keys |= {"connect_refused_version"}  # counted through an expression in broker.py
    assert len(keys) > 15
    for key in keys:
        known = (
            key in EVENTS
            or key in DROPS
            or key in NOT_EVENTS
            or key in (CONNECT_ACCEPTED, BAD_CONNECT)
            or key.removeprefix(CONNECT_REFUSED) in REFUSALS
        )
        assert known, key


def test_every_connect_refusal_has_its_label() -> None:
    assert set(CONNACK_REFUSALS) <= set(REFUSALS)


def test_every_limit_refusal_has_its_label() -> None:
    assert counted(r'refusals\["([a-z_]+)"\]', "limits") == set(LIMITS)
