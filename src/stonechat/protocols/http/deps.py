"""Dependencies shared by the routes: services, the caller and the account in the path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from stonechat.domain.errors import Forbidden, NotFound
from stonechat.domain.records import Feed, User
from stonechat.protocols.http.session_auth import cookie_session, session_token
from stonechat.services.feeds import not_found
from stonechat.services.registry import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def aio_key(request: Request) -> str:
    """The key from the ``X-AIO-Key`` header or the ``x-aio-key`` query parameter."""
    key = request.headers.get("x-aio-key")
    if key:
        return key.strip()
    for name, value in request.query_params.multi_items():
        if name.lower() == "x-aio-key":
            return value.strip()
    return ""


async def current_user(request: Request, services: ServicesDep) -> User:
    """The key's user; without a key, the web UI session's (CSRF-checked, see session_auth)."""
    key = aio_key(request)
    if not key and session_token(request):
        return (await cookie_session(request, services, request.method)).user
    return await services.accounts.authenticate_key(key)


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass(slots=True)
class Account:
    """The caller and the account named in the path (``/api/v2/{username}/...``)."""

    user: User
    owner: User
    services: Services

    @property
    def is_owner(self) -> bool:
        return self.user.id == self.owner.id

    def require_owner(self) -> User:
        if not self.is_owner:
            raise Forbidden(
                f"forbidden - {self.user.username} may not change resources of "
                f"{self.owner.username}"
            )
        return self.user

    async def readable_feed(self, ident: str) -> Feed:
        """A feed the caller may read: its own, or another user's public feed."""
        feed = await self.services.feeds.find(self.owner.id, ident)
        if feed is None or not (self.is_owner or feed.visibility == "public"):
            raise not_found(self.owner.username, ident)
        return feed

    async def writable_feed(self, ident: str) -> Feed:
        self.require_owner()
        return await self.services.feeds.get(self.user, ident)


async def account(username: str, user: CurrentUser, services: ServicesDep) -> Account:
    if username.lower() == user.username.lower():
        return Account(user, user, services)
    owner = await services.accounts.users.by_username(username)
    if owner is None:
        raise NotFound(f"not found - no user named '{username}'")
    return Account(user, owner, services)


AccountDep = Annotated[Account, Depends(account)]


async def owner_account(acc: AccountDep) -> Account:
    acc.require_owner()
    return acc


OwnerDep = Annotated[Account, Depends(owner_account)]
