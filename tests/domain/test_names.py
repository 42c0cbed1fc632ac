"""Feed names and keys (rest-api.md §4)."""

from __future__ import annotations

import pytest

from stonechat.domain.errors import Invalid
from stonechat.domain.names import (
    check_feed_name,
    check_key,
    check_username,
    is_key,
    key_from_name,
)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("mq6_gas", "mq6-gas"),
        ("My Feed", "my-feed"),
        ("  Temperature -- Out  ", "temperature-out"),
        ("UPPER", "upper"),
        ("a__b", "a-b"),
    ],
)
def test_key_from_name(name: str, key: str) -> None:
    assert key_from_name(name) == key


@pytest.mark.parametrize("name", ["temp", "Temp 1", "a-b_c", "x" * 128])
def test_valid_feed_names(name: str) -> None:
    assert check_feed_name(name) == name


@pytest.mark.parametrize("name", ["", "   ", "1234", "temp/1", "temp.x", "tëmp", "x" * 129])
def test_invalid_feed_names(name: str) -> None:
    with pytest.raises(Invalid):
        check_feed_name(name)


@pytest.mark.parametrize("key", ["temp", "temp-1", "a1"])
def test_valid_keys(key: str) -> None:
    assert check_key(key) == key
    assert is_key(key)


@pytest.mark.parametrize("key", ["", "Temp", "temp_1", "-temp", "temp-", "a.b", "x" * 129])
def test_invalid_keys(key: str) -> None:
    with pytest.raises(Invalid):
        check_key(key)


@pytest.mark.parametrize("username", ["alice", "Bob_2", "x-y"])
def test_valid_usernames(username: str) -> None:
    assert check_username(username) == username


@pytest.mark.parametrize("username", ["", "_x", "a/b", "a+b", "a#", "time", "TIME", "x" * 65])
def test_invalid_usernames(username: str) -> None:
    with pytest.raises(Invalid):
        check_username(username)
