"""The access rule (domain/access.py), case by case: owner, token, grantee, public, nobody."""

from __future__ import annotations

import pytest

from stonechat.domain.access import (
    MANAGE,
    NOBODY,
    READ,
    WRITE,
    Principal,
    Target,
    allows,
    check_mode,
    may_create_in,
)
from stonechat.domain.records import Permission, Token, TokenScope, User


def _user(uid: int) -> User:
    return User(uid, f"u{uid}", None, False, None, None, 0, 0)


def _token(owner: int, *scopes: tuple[str, int, str]) -> Token:
    return Token(9, owner, "t", "aiotok_x", tuple(TokenScope(*s) for s in scopes), None, None, 0, 0)


def _grant(owner: int, model: str, object_id: int, grantee: int, mode: str) -> Permission:
    return Permission(1, owner, model, object_id, "user", grantee, mode, 0, 0)


ALICE, BOB = _user(1), _user(2)
PRIVATE = Target("feed", 10, owner_id=1, visibility="private", groups=(100,))
PUBLIC = Target("feed", 11, owner_id=1, visibility="public", groups=(100,))
GROUP = Target("group", 100, owner_id=1, visibility="private")


@pytest.mark.parametrize("action", [READ, WRITE, MANAGE])
def test_the_owner_may_do_anything(action: str) -> None:
    assert allows(Principal(ALICE), PRIVATE, action)


@pytest.mark.parametrize("action", [READ, WRITE, MANAGE])
def test_nobody_and_others_get_nothing_private(action: str) -> None:
    assert not allows(NOBODY, PRIVATE, action)
    assert not allows(Principal(BOB), PRIVATE, action)


def test_public_is_readable_by_anyone_and_writable_by_no_one_else() -> None:
    for who in (NOBODY, Principal(BOB), Principal(BOB, _token(2)), Principal(ALICE, _token(1))):
        assert allows(who, PUBLIC, READ)
        assert not allows(who, PUBLIC, WRITE)
        assert not allows(who, PUBLIC, MANAGE)


@pytest.mark.parametrize(
    ("mode", "reads", "writes"), [("r", True, False), ("w", False, True), ("rw", True, True)]
)
def test_a_share_gives_its_mode(mode: str, reads: bool, writes: bool) -> None:
    grants = [_grant(1, "feed", 10, 2, mode)]
    assert allows(Principal(BOB), PRIVATE, READ, grants) is reads
    assert allows(Principal(BOB), PRIVATE, WRITE, grants) is writes
    assert not allows(Principal(BOB), PRIVATE, MANAGE, grants)


def test_a_share_names_one_grantee_and_one_object() -> None:
    carol = Principal(_user(3))
    grants = [_grant(1, "feed", 10, 2, "rw")]
    assert not allows(carol, PRIVATE, READ, grants)
    other = Target("feed", 12, owner_id=1, visibility="private")
    assert not allows(Principal(BOB), other, READ, grants)


def test_a_group_share_reaches_the_feeds_in_it() -> None:
    grants = [_grant(1, "group", 100, 2, "r")]
    assert allows(Principal(BOB), PRIVATE, READ, grants)
    assert allows(Principal(BOB), GROUP, READ, grants)
    outside = Target("feed", 12, owner_id=1, visibility="private", groups=(101,))
    assert not allows(Principal(BOB), outside, READ, grants)


def test_a_grantees_token_does_not_carry_the_share() -> None:
    grants = [_grant(1, "feed", 10, 2, "rw")]
    assert not allows(Principal(BOB, _token(2, ("feed", 10, "rw"))), PRIVATE, READ, grants)


def test_a_token_is_limited_to_its_scopes() -> None:
    token = Principal(ALICE, _token(1, ("feed", 10, "r")))
    assert allows(token, PRIVATE, READ)
    assert not allows(token, PRIVATE, WRITE)
    assert not allows(token, PRIVATE, MANAGE)
    other = Target("feed", 12, owner_id=1, visibility="private")
    assert not allows(token, other, READ)
    empty = Principal(ALICE, _token(1))
    assert not allows(empty, PRIVATE, READ)


def test_a_group_scope_reaches_its_feeds_and_lets_a_token_create_there() -> None:
    token = Principal(ALICE, _token(1, ("group", 100, "w")))
    assert allows(token, PRIVATE, WRITE)
    assert not allows(token, PRIVATE, READ)
    assert may_create_in(token, GROUP)
    assert not may_create_in(Principal(ALICE, _token(1, ("group", 100, "r"))), GROUP)
    assert not may_create_in(Principal(ALICE, _token(1, ("feed", 10, "w"))), GROUP)


def test_only_the_owner_creates_feeds() -> None:
    assert may_create_in(Principal(ALICE), GROUP)
    assert not may_create_in(Principal(BOB), GROUP)
    assert not may_create_in(NOBODY, GROUP)


def test_a_token_of_another_user_reaches_nothing_private() -> None:
    assert not allows(Principal(BOB, _token(2, ("feed", 10, "rw"))), PRIVATE, READ)


@pytest.mark.parametrize(("given", "mode"), [("r", "r"), ("W", "w"), ("rw", "rw"), ("wr", "rw")])
def test_modes(given: str, mode: str) -> None:
    assert check_mode(given) == mode


@pytest.mark.parametrize("given", ["", "x", "rwx", "rr w", None, 1])
def test_bad_modes(given: object) -> None:
    with pytest.raises(ValueError):
        check_mode(given)
