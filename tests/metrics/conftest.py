"""Helpers of the metrics tests: the paho client of the MQTT tests, and a scrape parsed
with prometheus-client's own parser."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
for _path in (str(_HERE), str(_HERE.parent / "protocols" / "mqtt" / "adafruit")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
pytest.register_assert_rewrite("mqtt_adafruit_helpers", "metrics_scrape")
