"""Dependencies shared by the routes: services, the caller and the account in the path."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from stonechat.domain.access import READ, Principal
from stonechat.domain.errors import NotFound
from stonechat.domain.records import Dashboard, Feed, Group, User
from stonechat.protocols.http.session_auth import cookie_session, session_token
from stonechat.services.access import R
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


async def current_principal(request: Request, services: ServicesDep) -> Principal:
    """Who is asking: the master key's user or a scoped token (``X-AIO-Key`` or ``x-aio-key``);
    without a key, the web UI session's user (CSRF-checked, see session_auth). 401 otherwise."""
    key = aio_key(request)
    if not key and session_token(request):
        return Principal((await cookie_session(request, services, request.method)).user)
    if not key:
        await services.accounts.authenticate_key(key)  # raises the "missing key" 401
    return await services.access.authenticate(key)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_user(principal: CurrentPrincipal, services: ServicesDep) -> User:
    """The signed-in user with every right over the account (master key or session): the
    routes about the account itself, which scoped tokens may not use."""
    user = services.access.require_signed_in(principal)
    services.access.require_owner(principal, user)
    return user


CurrentUser = Annotated[User, Depends(current_user)]


@dataclass(slots=True)
class Account:
    """The caller and the account named in the path (``/api/v2/{username}/...``)."""

    principal: Principal
    owner: User
    services: Services

    @property
    def user(self) -> User:
        """The signed-in user asking (for a token, the token's owner)."""
        return self.services.access.require_signed_in(self.principal)

    @property
    def is_owner(self) -> bool:
        """The access policy says the caller has every right over the account."""
        return self.services.access.owns(self.principal, self.owner)

    def require_owner(self) -> User:
        self.services.access.require_owner(self.principal, self.owner)
        return self.owner

    async def readable_feed(self, ident: str) -> Feed:
        """A feed of the account the caller may read (the access policy decides)."""
        feed = await self.services.feeds.find(self.owner.id, ident)
        missing = not_found(self.owner.username, ident)
        if feed is None:
            raise missing
        await self.services.access.require(self.principal, feed, READ, missing)
        return feed

    async def require_read(self, record: Feed | Group | Dashboard, what: str) -> None:
        """404 unless the access policy lets the caller read ``record`` (an unreadable
        resource looks like one that does not exist)."""
        missing = NotFound(f"not found - {what} of {self.owner.username}")
        await self.services.access.require(self.principal, record, READ, missing)

    async def readable(self, records: list[R]) -> list[R]:
        """The records the caller may read, in order."""
        return await self.services.access.readable(self.principal, records)

    async def writable_feed(self, ident: str) -> Feed:
        self.require_owner()
        return await self.services.feeds.get(self.user, ident)


async def account(username: str, principal: CurrentPrincipal, services: ServicesDep) -> Account:
    user = principal.user
    if user is not None and username.lower() == user.username.lower():
        return Account(principal, user, services)
    owner = await services.accounts.users.by_username(username)
    if owner is None:
        raise NotFound(f"not found - no user named '{username}'")
    return Account(principal, owner, services)


AccountDep = Annotated[Account, Depends(account)]


async def owner_account(acc: AccountDep) -> Account:
    acc.require_owner()
    return acc


OwnerDep = Annotated[Account, Depends(owner_account)]
