"""The access policy's rules for disabled accounts (``check_enabled``) and for who may
administer the server (``check_administrator``)."""

from __future__ import annotations

import dataclasses

import pytest

from stonechat.domain.access import (
    ADMINISTRATORS_ONLY,
    DISABLED,
    check_administrator,
    check_enabled,
)
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


def test_only_an_enabled_administrator_may_administer() -> None:
    admin = dataclasses.replace(USER, is_admin=True)
    assert check_administrator(admin) is admin
    with pytest.raises(Forbidden) as refused:
        check_administrator(USER)
    assert refused.value.status == 403 and refused.value.message == ADMINISTRATORS_ONLY
    with pytest.raises(AccountDisabled):
        check_administrator(dataclasses.replace(admin, disabled=True))
