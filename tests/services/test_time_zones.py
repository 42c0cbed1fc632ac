"""Time zone names are checked before ZoneInfo sees them: every bad one is a 422, never a 500."""

from __future__ import annotations

import pytest

from stonechat.domain.errors import Invalid
from stonechat.services.accounts import check_time_zone


@pytest.mark.parametrize("name", ["Europe/Paris", "UTC", "America/Argentina/Buenos_Aires"])
def test_known_zones(name: str) -> None:
    assert check_time_zone(name) == name


@pytest.mark.parametrize(
    "name", ["a" * 300, "Europe/" + "b" * 300, "x\x00y", "../../etc/passwd", "Nowhere/City", ""]
)
def test_bad_zones_are_invalid(name: str) -> None:
    with pytest.raises(Invalid):
        check_time_zone(name)
