"""Subscriptions held by permission: authorized through the access service, re-checked
when access changes, and ended with the token that granted them.

A user's own feed and group topics need no check. Everything else on a feed or group
topic (another user's public or shared feed or group, any subscription of a scoped token)
is *guarded*: ``services.access`` decides at SUBSCRIBE, and again whenever
``access.on_change`` reports a change for the owner (in every process, through the bus).
Those re-checks run in a task per owner, off the delivery path; changes that arrive while
one runs are folded into one more pass. A deleted or changed token ends its connections at
once (``access.on_token_revoked``); the key watch and an expiry timer catch the rest.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from stonechat.domain.access import READ, Principal
from stonechat.domain.errors import NotFound
from stonechat.domain.records import Group, Token, User
from stonechat.domain.timestamps import now_ms
from stonechat.protocols.mqtt import delivery
from stonechat.protocols.mqtt.codec import ReasonCode
from stonechat.protocols.mqtt.handlers.subscribe import classify_again
from stonechat.protocols.mqtt.messages import Subscription
from stonechat.protocols.mqtt.notices import publish_error
from stonechat.protocols.mqtt.session import token_id
from stonechat.protocols.mqtt.sessions import end as end_session
from stonechat.services.access import Change
from stonechat.services.rechecks import Rechecks

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services

log = logging.getLogger(__name__)

# One pass's answers: (user id, token id, kind, owner, ident) -> a Decision.
Memo = dict[tuple[int | None, int | None, str, str, str], "Decision"]


@dataclass(slots=True, frozen=True)
class Decision:
    allowed: bool
    owner_id: int = 0
    feeds: frozenset[int] | None = None  # a group readable in part: its readable feeds


REFUSED = Decision(False)


class Guard:
    """Who may hold a feed or group subscription, asked again when access changes."""

    def __init__(self, broker: BrokerState, services: Services) -> None:
        self.broker = broker
        self.services = services
        self.access = services.access
        self.changes = 0  # access changes seen; a SUBSCRIBE checking meanwhile looks again
        self._rechecks = Rechecks(self._recheck, "MQTT subscriptions on the resources")
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self.access.on_change.append(self.changed)
        self.access.on_token_revoked.append(self.token_revoked)

    def stop(self) -> None:
        if self.changed in self.access.on_change:
            self.access.on_change.remove(self.changed)
        if self.token_revoked in self.access.on_token_revoked:
            self.access.on_token_revoked.remove(self.token_revoked)
        self._rechecks.cancel()
        for task in self._tasks:
            task.cancel()

    # -- decisions -------------------------------------------------------------------------

    async def authorize(
        self, principal: Principal, sub: Subscription, memo: Memo | None = None
    ) -> bool:
        """May ``principal`` hold this feed or group subscription? Sets ``owner_id`` and, for
        a group readable only in part, ``feeds``."""
        key = (principal.user_id, token_id(principal), sub.kind, sub.owner, sub.ident)
        decision = memo.get(key) if memo is not None else None
        if decision is None:
            try:
                decision = await self._decide(principal, sub)
            except Exception:  # the database may be away: refuse, never allow by accident
                log.warning("could not check access to %s", sub.topic_filter, exc_info=True)
                decision = REFUSED
            if memo is not None:
                memo[key] = decision
        if decision.owner_id:
            sub.owner_id = decision.owner_id
        sub.feeds = decision.feeds
        return decision.allowed

    async def _decide(self, principal: Principal, sub: Subscription) -> Decision:
        owner = await self._owner(principal, sub)
        if owner is None:
            return REFUSED
        if sub.kind == "feed":
            feed = await self.services.feeds.find(owner.id, sub.ident)
            allowed = feed is not None and await self.access.can(principal, feed, READ)
            return Decision(allowed, owner.id)
        try:
            group = await self.services.groups.get(owner, sub.ident)
        except NotFound:
            return Decision(False, owner.id)
        if not await self.access.can(principal, group, READ):
            return Decision(False, owner.id)
        return Decision(True, owner.id, await self.readable_feeds(principal, group))

    async def readable_feeds(self, principal: Principal, group: Group) -> frozenset[int] | None:
        """The feeds of ``group`` a group subscription may carry: None for all of them.

        A share or token scope on a group reaches every feed in it, feeds added later too;
        a group readable only because it is public carries just the feeds the principal may
        read one by one (a private feed in a public group stays private). The policy tells
        the two apart: would the principal still read the group were it private?
        """
        if await self.access.can(principal, replace(group, visibility="private"), READ):
            return None
        feeds = await self.services.groups.feeds_of(group)
        return frozenset(f.id for f in await self.access.readable(principal, feeds))

    async def _owner(self, principal: Principal, sub: Subscription) -> User | None:
        user = principal.user
        if user is not None and user.username.lower() == sub.owner:
            return user
        return await self.services.accounts.users.by_username(sub.owner)

    # -- changes of access -----------------------------------------------------------------

    def changed(self, change: Change) -> None:
        """``access.on_change``: re-check the guarded subscriptions on the owner's things."""
        self.changes += 1
        self.recheck_owner(change.owner_id)

    def recheck_owner(self, owner_id: int) -> None:
        if owner_id not in self.broker.registry.guarded:
            return
        self._rechecks.request(owner_id)

    async def _recheck(self, owner_id: int) -> None:
        held = self.broker.registry.guarded.get(owner_id)
        if not held:
            return
        memo: Memo = {}
        for (session, topic_filter), sub in list(held.items()):
            if session.subscriptions.get(topic_filter) is not sub:
                continue
            if not await self.authorize(session.principal, sub, memo):
                self.end(session, sub)

    def end(self, session: Session, sub: Subscription) -> None:
        """Drop a subscription that is no longer allowed, and say so on ``{user}/errors``."""
        if session.subscriptions.get(sub.topic_filter) is not sub:
            return
        delivery.unsubscribe(self.broker, session, sub.topic_filter)
        self.broker.stats["subscriptions_revoked"] += 1
        publish_error(
            self.broker,
            session.user.username,
            f"{session.client_id} SUBSCRIBE {sub.topic_filter} ended, "
            "resource not available or not authorized",
        )

    async def reauthorize(self, session: Session) -> None:
        """Check every subscription of a session again for its (new) principal: a session
        resumed with another key or token, or restored from the database."""
        memo: Memo = {}
        for topic_filter, sub in list(session.subscriptions.items()):
            fresh = classify_again(session, sub)
            allowed = fresh is not None
            if fresh is not None and fresh.guarded:
                allowed = await self.authorize(session.principal, fresh, memo)
            if session.subscriptions.get(topic_filter) is not sub:
                continue  # changed meanwhile
            self.broker.registry.remove(session, sub)
            if allowed and fresh is not None:
                session.subscriptions[topic_filter] = fresh
                self.broker.registry.add(session, fresh)
            else:
                del session.subscriptions[topic_filter]
                self.broker.stats["subscriptions_revoked"] += 1

    # -- tokens ----------------------------------------------------------------------------

    def signed_in(self, conn: Connection, principal: Principal) -> None:
        """A connection signed in: remember its token, end it when the token expires."""
        token = principal.token
        if token is None:
            return
        conn.token_id = token.id
        if token.expiration is not None:
            delay = max(0.0, (token.expiration - now_ms()) / 1000)
            conn.token_timer = conn.loop.call_later(delay, self._expired, conn)

    def _expired(self, conn: Connection) -> None:
        conn.token_timer = None
        if not conn.closed:
            self.broker.stats["tokens_expired"] += 1
            conn.disconnect(ReasonCode.ADMINISTRATIVE_ACTION)

    def token_revoked(self, revoked: int) -> None:
        """``access.on_token_revoked``: end the token's connections now; its offline
        sessions take the token's new scopes, or end with it."""
        sessions = [s for s in self.broker.sessions.values() if token_id(s.principal) == revoked]
        for conn in list(self.broker.connections):
            if conn.token_id == revoked and not conn.closed:
                self.broker.stats["tokens_revoked"] += 1
                conn.disconnect(ReasonCode.ADMINISTRATIVE_ACTION)
        if sessions:
            task = asyncio.get_running_loop().create_task(self._after_revocation(sessions))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _after_revocation(self, sessions: list[Session]) -> None:
        token = await self.load_token(sessions[0].user, token_id(sessions[0].principal))
        for session in sessions:
            if self.broker.sessions.get(session.key) is not session or session.conn is not None:
                continue  # gone, or resumed by a new connection (which set its principal)
            if token is None:
                end_session(self.broker, session)
            else:
                session.principal = Principal(session.user, token)
                await self.reauthorize(session)

    async def load_token(self, user: User, tid: int | None) -> Token | None:
        """The token with this id, if it is still there and unexpired."""
        if tid is None:
            return None
        return await self.access.current_token(user, tid)

    async def valid_tokens(self, ids: list[int]) -> set[int]:
        """Which of these tokens are still there and unexpired (the key watch)."""
        return await self.access.valid_tokens(ids)
