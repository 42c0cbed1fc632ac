"""Scoped device tokens: create, list, change and revoke them.

A token carries its owner's rights limited to a few feeds and groups (``r``, ``w`` or
``rw`` each) until an optional expiration. Its secret is shown once, when it is made; only
its hash (``access.token_hash``) and its first characters (``hint``) are stored. Changing or
deleting a token calls ``access.token_revoked``: every process refuses the old state at once
and ends the MQTT connections that signed in with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stonechat.domain.access import TOKEN_MODELS, check_mode
from stonechat.domain.errors import Invalid, NotFound
from stonechat.domain.fields import present, to_int, to_text
from stonechat.domain.records import Token, TokenScope, User
from stonechat.domain.timestamps import now_ms, parse_time
from stonechat.services.access import AccessService
from stonechat.services.feeds import FeedService
from stonechat.services.groups import GroupService

MAX_TOKENS_PER_USER = 1_000
MAX_SCOPES_PER_TOKEN = 100
MAX_NAME_LENGTH = 128
HINT_LENGTH = 12


@dataclass(slots=True, frozen=True)
class ScopeView:
    """A scope with the current key of its feed (``group.key`` form) or group."""

    model: str
    key: str
    object_id: int
    mode: str


@dataclass(slots=True, frozen=True)
class TokenView:
    token: Token
    scopes: tuple[ScopeView, ...]
    secret: str | None = None  # only in the answer to the request that made it


class TokenService:
    def __init__(self, access: AccessService, feeds: FeedService, groups: GroupService) -> None:
        self.access = access
        self.feeds = feeds
        self.groups = groups

    async def for_user(self, user: User) -> list[TokenView]:
        return await self._views(user, await self.access.tokens.for_user(user.id))

    async def get(self, user: User, token_id: str) -> TokenView:
        return await self._view(user, await self._token(user, token_id))

    async def create(self, user: User, body: dict[str, Any]) -> TokenView:
        if not present(body, "name"):
            raise Invalid("name is required (1 to 128 characters)")
        name = _name(body["name"])
        scopes = await self._scopes(user, body.get("permissions"))
        expiration = _expiration(body.get("expiration"))
        secret = self.access.new_token_secret()
        at = now_ms()
        token = await self.access.tokens.insert(
            scopes=scopes,
            user_id=user.id,
            name=name,
            token_hash=self.access.token_hash(secret),
            hint=secret[:HINT_LENGTH],
            expiration=expiration,
            last_used_at=None,
            created_at=at,
            updated_at=at,
        )
        # Counted after the insert, so that concurrent requests cannot pass the bound together.
        if len(await self.access.tokens.for_user(user.id)) > MAX_TOKENS_PER_USER:
            await self.access.tokens.delete(user.id, token.id)
            raise Invalid(
                f"a user may have at most {MAX_TOKENS_PER_USER} tokens: delete unused ones first"
            )
        view = await self._view(user, token)
        return TokenView(view.token, view.scopes, secret)

    async def update(self, user: User, token_id: str, body: dict[str, Any]) -> TokenView:
        """Change ``name``, ``permissions`` (the whole list) or ``expiration`` (null: never)."""
        token = await self._token(user, token_id)
        values: dict[str, Any] = {}
        if "name" in body:
            values["name"] = _name(body["name"])
        if "expiration" in body:
            values["expiration"] = _expiration(body["expiration"])
        scopes = None
        if "permissions" in body:
            scopes = await self._scopes(user, body["permissions"])
        changed = await self.access.tokens.update(
            user.id, token.id, scopes=scopes, updated_at=now_ms(), **values
        )
        if changed is None:
            raise _missing(token_id)
        self.access.token_revoked(token)
        return await self._view(user, changed)

    async def delete(self, user: User, token_id: str) -> TokenView:
        token = await self._token(user, token_id)
        view = await self._view(user, token)
        if not await self.access.tokens.delete(user.id, token.id):
            raise _missing(token_id)
        self.access.token_revoked(token)
        return view

    # -- helpers -------------------------------------------------------------------------

    async def _token(self, user: User, token_id: str) -> Token:
        token = (
            await self.access.tokens.get(user.id, int(token_id))
            if token_id.isascii()
            and token_id.isdigit()
            and len(token_id) < 11
            and int(token_id) < 2**31
            else None
        )
        if token is None:
            raise _missing(token_id)
        return token

    async def _scopes(self, user: User, given: Any) -> tuple[TokenScope, ...]:
        """Validated scopes of a ``permissions`` list; keys resolve to the user's feeds
        (key, ``group.key``, id or name) and groups. Repeats of one object merge modes."""
        if given is None:
            return ()
        if not isinstance(given, list):
            raise Invalid('permissions must be a list of {"model", "key", "mode"}')
        if len(given) > MAX_SCOPES_PER_TOKEN:
            raise Invalid(f"a token may have at most {MAX_SCOPES_PER_TOKEN} permissions")
        merged: dict[tuple[str, int], str] = {}
        for index, item in enumerate(given):
            where = f"permissions[{index}]"
            if not isinstance(item, dict):
                raise Invalid(f'{where} must be an object {{"model", "key", "mode"}}')
            model = (
                to_text(item["model"], f"{where}.model", 32).strip().lower()
                if present(item, "model")
                else "feed"
            )
            if model not in TOKEN_MODELS:
                raise Invalid(f"{where}.model must be one of: {', '.join(TOKEN_MODELS)}")
            object_id = await self._object_id(user, model, item, where)
            try:
                mode = check_mode(item["mode"]) if present(item, "mode") else "r"
            except ValueError as error:
                raise Invalid(f"{where}.{error}") from None
            letters = set(merged.get((model, object_id), "") + mode)
            merged[(model, object_id)] = "".join(sorted(letters))  # r, w or rw
        return tuple(TokenScope(m, i, mode) for (m, i), mode in merged.items())

    async def _object_id(self, user: User, model: str, item: dict[str, Any], where: str) -> int:
        if present(item, "key"):
            key = to_text(item["key"], f"{where}.key", 256).strip()
        elif present(item, "object_id"):
            key = str(to_int(item["object_id"], f"{where}.object_id"))
        else:
            raise Invalid(f"{where}.key is required: the key of one of your {model}s")
        if model == "feed":
            feed = await self.feeds.find(user.id, key) if key else None
            if feed is None:
                raise Invalid(f"{where}.key: you have no feed '{key}'")
            return feed.id
        try:
            return (await self.groups.get(user, key)).id
        except NotFound:
            raise Invalid(f"{where}.key: you have no group '{key}'") from None

    async def _view(self, user: User, token: Token) -> TokenView:
        [view] = await self._views(user, [token])
        return view

    async def _views(self, user: User, tokens: list[Token]) -> list[TokenView]:
        """The tokens with the current keys of their feeds and groups (two queries)."""
        scopes = [s for t in tokens for s in t.scopes]
        feeds = await self.feeds.store.by_ids(
            sorted({s.object_id for s in scopes if s.model == "feed"})
        )
        groups = (
            {g.id: g for g in await self.groups.for_user(user.id)}
            if any(s.model == "group" for s in scopes)
            else {}
        )
        views = []
        for token in tokens:
            shown = []
            for scope in token.scopes:
                key: str | None = None
                if scope.model == "feed" and scope.object_id in feeds:
                    feed = feeds[scope.object_id]
                    key = feed.full_key if feed.user_id == user.id else None
                elif scope.model == "group" and scope.object_id in groups:
                    key = groups[scope.object_id].key
                if key is not None:  # a scope whose object is gone gives nothing: left out
                    shown.append(ScopeView(scope.model, key, scope.object_id, scope.mode))
            views.append(TokenView(token, tuple(shown)))
        return views


def _name(value: Any) -> str:
    name = to_text(value, "name", MAX_NAME_LENGTH).strip() if value is not None else ""
    if not name:
        raise Invalid("name can't be blank (1 to 128 characters)")
    return name


def _expiration(value: Any) -> int | None:
    if value is None or value == "":
        return None
    at = parse_time(value, "expiration")
    if at <= now_ms():
        raise Invalid("expiration must be in the future")
    return at


def _missing(token_id: str) -> NotFound:
    return NotFound(f"not found - no token '{token_id}'")
