"""The one write path: every data point, from any adapter, is written through here.

REST (single, batch, group), webhooks, MQTT feed and group publishes and MQTT wills all make
one call. In order, before anything changes: every point is checked, each feed is resolved
(without creating it), the access policy is asked (write to an existing feed, create in a
group), and the data rate is counted. Only then are missing feeds created and the points
queued; the answer follows the commit. A refused write has no side effects: no feed is
created for a write that is throttled, refused or invalid.
"""

from __future__ import annotations

from collections.abc import Coroutine, Sequence
from typing import Any

from stonechat.bus.events import ANY_QOS, Origin
from stonechat.domain.access import READ, WRITE, Principal
from stonechat.domain.errors import Forbidden, NotFound
from stonechat.domain.points import PointInput, check_point
from stonechat.domain.records import Datum, Feed, Group, User
from stonechat.domain.timestamps import now_ms
from stonechat.domain.values import check_size, value_to_text
from stonechat.limits.limiter import Limiter, Quota
from stonechat.services.access import AccessService
from stonechat.services.feeds import FeedService
from stonechat.services.groups import GroupService
from stonechat.services.ingest import IngestService, Stored

# (feed identifier, point): a feed write is one pair, a group write one pair per feed key.
Pairs = Sequence[tuple[str, PointInput]]


class WriteService:
    def __init__(
        self,
        access: AccessService,
        feeds: FeedService,
        groups: GroupService,
        ingest: IngestService,
        limiter: Limiter,
    ) -> None:
        self.access = access
        self.feeds = feeds
        self.groups = groups
        self.ingest = ingest
        self.limiter = limiter

    async def write(
        self,
        principal: Principal,
        owner: User,
        pairs: Pairs,
        group_key: str | None = None,
        qos: int = ANY_QOS,
        chain: int = 0,
    ) -> tuple[list[Datum], list[Feed], Quota | None]:
        """Write to ``owner``'s feeds and wait for the commit: the stored points, their
        feeds, and where the writer stands against the data rate (None: unlimited).
        ``qos``: the highest QoS MQTT subscribers get the points at (an MQTT will's).
        ``chain``: written by an action's publish output, that many runs deep."""
        items, quota = await self._prepare(principal, owner, pairs, group_key)
        data = await self.ingest.store(owner, items, qos, chain)
        return data, [feed for feed, _ in items], quota

    def submit(
        self,
        principal: Principal,
        owner: User,
        pairs: Pairs,
        group_key: str | None = None,
        qos: int = ANY_QOS,
        origin: Origin | None = None,
        *,
        then: Stored,
    ) -> Coroutine[Any, Any, None] | None:
        """``write`` without waiting for the commit (MQTT): ``then`` is told the outcome
        once the points are committed or failed (``IngestService.enqueue``).

        The common case (the owner writing one point to a feed it wrote before, no data
        rate, room in the queue) returns None at once, with no await; otherwise a coroutine
        does the lookups first, or waits for room. Refusals raise, here or from the
        coroutine, and ``then`` is not called. ``qos`` and ``origin`` are the MQTT
        PUBLISH's: subscribers get the points at min(publish QoS, subscription QoS), and
        the publisher's own No Local subscriptions not at all.
        """
        if group_key is None and len(pairs) == 1 and self.access.owns(principal, owner):
            ident, point = pairs[0]
            feed = self.feeds.cached_for_write(owner.id, ident)
            if feed is not None and not self.limiter.data_limit(owner):
                return self.ingest.enqueue(owner, [(feed, point)], then, qos, origin)
        return self._submit(principal, owner, pairs, group_key, qos, origin, then)

    async def _submit(
        self,
        principal: Principal,
        owner: User,
        pairs: Pairs,
        group_key: str | None,
        qos: int,
        origin: Origin | None,
        then: Stored,
    ) -> None:
        items, _quota = await self._prepare(principal, owner, pairs, group_key)
        waiting = self.ingest.enqueue(owner, items, then, qos, origin)
        if waiting is not None:
            await waiting

    async def _prepare(
        self, principal: Principal, owner: User, pairs: Pairs, group_key: str | None
    ) -> tuple[list[tuple[Feed, PointInput]], Quota | None]:
        now = now_ms()
        for _ident, point in pairs:
            check_point(point, now)
        group = await self._group(principal, owner, group_key) if group_key else None
        # Each identifier once (a batch names one feed many times): the feed, or the group a
        # missing one will be created in.
        targets: dict[str, Feed | Group] = {}
        for ident, point in pairs:
            if ident in targets:
                target = targets[ident]
            else:
                target = targets[ident] = await self._target(principal, owner, ident, group)
            if isinstance(target, Group):  # a new feed keeps history
                check_size(value_to_text(point.value), history=True)
        quota = None
        writer = principal.user or owner
        limit = self.limiter.data_limit(writer)
        if limit:  # counted before any feed is created: a throttled write changes nothing
            quota = await self.limiter.take_data(writer, len(pairs), limit)
        feeds: dict[str, Feed] = {}
        for ident, target in targets.items():
            if isinstance(target, Group):
                feeds[ident] = await self.feeds.create_for_write(owner, ident, group, target)
            else:
                feeds[ident] = target
        return [(feeds[ident], point) for ident, point in pairs], quota

    async def _target(
        self, principal: Principal, owner: User, ident: str, group: Group | None
    ) -> Feed | Group:
        """The feed ``ident`` names if the principal may write to it, else the group a new
        feed would go to if the principal may create one there; one 403 for every refusal:
        whether the feed exists, is private or is missing, the writer learns nothing."""
        refused = _refused(principal, owner, f"feeds/{_full(ident, group)}")
        feed = await self.feeds.find_for_write(owner, ident, group)
        if feed is not None:
            await self.access.require(principal, feed, WRITE, refused)
            return feed
        home = await self._home(principal, owner, ident, group, refused)
        if not await self.access.may_create_feed_in(principal, home):
            raise refused
        return home

    async def _group(self, principal: Principal, owner: User, key: str) -> Group:
        refused = _refused(principal, owner, f"groups/{key}")
        group = await self.groups.find(owner, key)
        if group is None:
            if self.access.owns(principal, owner):
                raise NotFound(f"not found - group '{key}' does not exist for {owner.username}")
            raise refused
        await self.access.require(principal, group, READ, refused)
        return group

    async def _home(
        self, principal: Principal, owner: User, ident: str, group: Group | None, refused: Forbidden
    ) -> Group:
        """Where a new feed would go; the owner learns of a missing group, others do not."""
        try:
            return await self.feeds.home_for_new(owner, ident, group)
        except NotFound:
            if self.access.owns(principal, owner):
                raise
            raise refused from None


def _refused(principal: Principal, owner: User, what: str) -> Forbidden:
    who = principal.user.username if principal.user is not None else "a signed-out visitor"
    return Forbidden(f"forbidden - {who} may not write to {owner.username}/{what}")


def _full(ident: str, group: Group | None) -> str:
    return f"{group.key}.{ident}" if group is not None else ident
