"""Who may do what: the one access rule of Stonechat, pure and synchronous.

Every adapter (REST routes, the web UI's API and live socket, MQTT subscribe, publish,
``/get`` and fan-out, public dashboards, webhooks) asks ``services.access``, which gathers
the facts and calls ``allows`` here. Nothing else compares owner ids or visibility.

The principal is a user (the master AIO key or a web UI session), a scoped token of a user,
or nobody (signed out). The rule, for a feed, group or dashboard:

- ``MANAGE`` (change or delete it, its webhooks, its access list; create tokens): the owner
  with the master key or a session. Never a token, never a grantee.
- ``READ``: the owner; anyone (signed in or not, with a token or not) when it is public; a
  user it is shared with in mode ``r`` or ``rw`` (for a feed, a share of a group holding it
  counts too); an owner's token whose scopes name it (or a group holding it) with ``r``.
- ``WRITE`` (store data): the owner; a user it is shared with in mode ``w`` or ``rw``; an
  owner's token whose scopes give ``w``. Public never means writable.

Tokens reach only their owner's resources and public ones; a grantee's rights are not
passed on to the grantee's tokens.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from stonechat.domain.errors import AccountDisabled, Forbidden
from stonechat.domain.records import Permission, Token, User

READ = "r"
WRITE = "w"
MANAGE = "manage"

MODELS = ("feed", "group", "dashboard")
SCOPES = ("user", "public", "secret")
TOKEN_MODELS = ("feed", "group")


@dataclass(slots=True, frozen=True)
class Principal:
    """Who is asking: ``user`` (None when signed out), and the scoped token used, if any."""

    user: User | None
    token: Token | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def is_full_user(self) -> bool:
        """Signed in with the master key or a session: all of the user's own rights."""
        return self.user is not None and self.token is None


NOBODY = Principal(None)


@dataclass(slots=True, frozen=True)
class Target:
    """What the rule needs of a feed, group or dashboard.

    ``groups`` holds, for a feed, the ids of the groups it is in (its home group and every
    group it was added to): shares and token scopes on a group reach its feeds.
    """

    model: str
    id: int
    owner_id: int
    visibility: str
    groups: tuple[int, ...] = ()


DISABLED = "account disabled: ask an administrator of this server"
ADMINISTRATORS_ONLY = "forbidden - only administrators may use the administration API"


def check_enabled(user: User) -> User:
    """``user``, unless an administrator disabled the account: then nothing it holds (key,
    token, web UI session) signs in, and its live connections are ended."""
    if user.disabled:
        raise AccountDisabled(DISABLED)
    return user


def check_administrator(user: User) -> User:
    """``user``, if it may administer this server: see and change every account, end
    connections, lift bans."""
    if not user.is_admin:
        raise Forbidden(ADMINISTRATORS_ONLY)
    return check_enabled(user)


def owns(principal: Principal, owner_id: int) -> bool:
    """The principal acts as the owner with every right (not through a scoped token)."""
    return principal.is_full_user and principal.user_id == owner_id


def allows(
    principal: Principal, target: Target, action: str, grants: Iterable[Permission] = ()
) -> bool:
    """May ``principal`` do ``action`` to ``target``, given the user-scope ``grants`` that
    name the target (or, for a feed, a group holding it)?"""
    user_id = principal.user_id
    if action == MANAGE:
        return owns(principal, target.owner_id)
    if action == READ and target.visibility == "public":
        return True  # anyone: signed out, another user, any token (the owner's too)
    if user_id == target.owner_id:
        if principal.token is None:
            return True
        return _token_allows(principal.token, target, action)
    if user_id is None or principal.token is not None:
        return False
    return any(_grants(g, target, user_id, action) for g in grants)


def may_create_in(principal: Principal, group: Target) -> bool:
    """May the principal create a feed in ``group`` (a write to a feed not there yet)?

    The owner may; a token with ``w`` on that group may. Grantees write only to feeds
    that exist.
    """
    if owns(principal, group.owner_id):
        return True
    token = principal.token
    return (
        token is not None
        and principal.user_id == group.owner_id
        and any(
            s.model == "group" and s.object_id == group.id and WRITE in s.mode for s in token.scopes
        )
    )


def _token_allows(token: Token, target: Target, action: str) -> bool:
    for scope in token.scopes:
        if action not in scope.mode:
            continue
        if scope.model == target.model and scope.object_id == target.id:
            return True
        if scope.model == "group" and target.model == "feed" and scope.object_id in target.groups:
            return True
    return False


def _grants(grant: Permission, target: Target, user_id: int, action: str) -> bool:
    if grant.scope != "user" or grant.grantee_id != user_id or action not in grant.mode:
        return False
    if grant.model == target.model and grant.object_id == target.id:
        return True
    return grant.model == "group" and target.model == "feed" and grant.object_id in target.groups


def check_mode(mode: object) -> str:
    """``r``, ``w`` or ``rw`` (also ``wr``, any case); ValueError otherwise."""
    if not isinstance(mode, str):
        raise ValueError("mode must be one of r, w, rw")
    letters = mode.strip().lower()
    if letters and set(letters) <= {"r", "w"} and len(letters) <= 2:
        return "rw" if len(set(letters)) == 2 else letters[0]
    raise ValueError("mode must be one of r, w, rw")


# -- /metrics: operators, not users ---------------------------------------------------------


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def scrape_refusal(
    client: str | None, authorization: str | None, token: str | None
) -> tuple[int, str] | None:
    """Why this scrape is refused (status, message), or None when it may go ahead."""
    if token is None:
        if is_loopback(client):
            return None
        return 403, (
            "/metrics is served to loopback clients only; set STONECHAT_METRICS_TOKEN "
            "to scrape from elsewhere"
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return 401, "/metrics needs Authorization: Bearer <STONECHAT_METRICS_TOKEN>"
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 403, "wrong metrics token"
    return None
