"""Dependencies that turn ``{feed_key}`` (and ``{group_key}``) in a path into a feed to read,
or into the target of a data write (which ``services.writes`` resolves, checks and creates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from stonechat.domain.access import READ
from stonechat.domain.records import Feed
from stonechat.protocols.http.deps import AccountDep
from stonechat.services.feeds import not_found


@dataclass(slots=True, frozen=True)
class WriteTarget:
    """Where a data write in the path goes: a feed identifier, within a group or not."""

    ident: str
    group_key: str | None = None


async def feed_to_read(acc: AccountDep, feed_key: str) -> Feed:
    return await acc.readable_feed(feed_key)


async def feed_to_write(feed_key: str) -> WriteTarget:
    return WriteTarget(feed_key)


async def group_feed_to_read(acc: AccountDep, group_key: str, feed_key: str) -> Feed:
    missing = not_found(acc.owner.username, f"{group_key}.{feed_key}")
    group = await acc.services.groups.find(acc.owner, group_key)
    feed = (
        await acc.services.groups.feed_store.in_group_with_key(group.id, feed_key)
        if group
        else None
    )
    if feed is None:
        raise missing
    await acc.services.access.require(acc.principal, feed, READ, missing)
    return feed


async def group_feed_to_write(group_key: str, feed_key: str) -> WriteTarget:
    return WriteTarget(feed_key, group_key)


FeedToRead = Annotated[Feed, Depends(feed_to_read)]
FeedToWrite = Annotated[WriteTarget, Depends(feed_to_write)]
GroupFeedToRead = Annotated[Feed, Depends(group_feed_to_read)]
GroupFeedToWrite = Annotated[WriteTarget, Depends(group_feed_to_write)]
