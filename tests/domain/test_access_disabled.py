"""The access policy's rule for disabled accounts: ``check_enabled``."""

from __future__ import annotations

import dataclasses

import pytest

from stonechat.domain.access import DISABLED, check_enabled
from stonechat.domain.errors import AccountDisabled, Forbidden
from stonechat.domain.records import User

USER = User(1, "ann", None, False, None, None, 0, 0)


def test_an_enabled_user_passes() -> None:
    assert check_enabled(USER) is USER


def test_a_disabled_user_is_refused_with_403() -> None:
    with pytest.raises(AccountDisabled) as refused:
        check_enabled(dataclasses.replace(USER, disabled=True))
    assert isinstance(refused.value, Forbidden) and refused.value.status == 403
    assert refused.value.message == DISABLED


def test_an_administrator_is_no_exception() -> None:
    with pytest.raises(AccountDisabled):
        check_enabled(dataclasses.replace(USER, is_admin=True, disabled=True))
