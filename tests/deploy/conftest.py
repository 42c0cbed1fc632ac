"""Deployment: the HTTPS listener, proxies, JSON logs and file modes (deploy/, operations.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# deploy_helpers beside this file, and the paho client helper and the test certificate
# authority of the MQTT tests.
_HERE = str(Path(__file__).resolve().parent)
_HELPERS = str(Path(__file__).resolve().parents[1] / "protocols" / "mqtt" / "adafruit")
for _path in (_HERE, _HELPERS):
    if _path not in sys.path:
        sys.path.insert(0, _path)
pytest.register_assert_rewrite("mqtt_adafruit_helpers", "deploy_helpers")


@pytest.fixture(scope="module")
def ca_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(ca.pem, cert.pem, key.pem): a throw-away CA and a certificate for 127.0.0.1."""
    from mqtt_adafruit_helpers import make_ca

    return make_ca(tmp_path_factory.mktemp("ca"))
