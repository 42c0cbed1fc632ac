"""Shared setup for the MQTT codec tests.

The hypothesis strategies live in the sibling module ``mqtt_codec_strategies``; putting
this directory on ``sys.path`` makes that import work whatever pytest import mode is used.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

pytest.register_assert_rewrite("mqtt_codec_bytes", "mqtt_codec_strategies")
