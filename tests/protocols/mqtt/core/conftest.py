"""Unit tests of the broker core: the fakes live in the sibling module ``mqtt_core_fakes``;
this directory goes on ``sys.path`` so that import works whatever pytest import mode is used.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

pytest.register_assert_rewrite("mqtt_core_fakes")
