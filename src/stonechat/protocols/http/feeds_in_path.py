"""Dependencies that turn ``{feed_key}`` (and ``{group_key}``) in a path into a feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from stonechat.domain.records import Feed
from stonechat.protocols.http.deps import AccountDep, OwnerDep
from stonechat.services.feeds import not_found


async def feed_to_read(acc: AccountDep, feed_key: str) -> Feed:
    return await acc.readable_feed(feed_key)


def _largest_value(request: Request) -> Any:
    # Set by the body dependency, which handlers declare before the feed: a value too big
    # for a new feed is refused before the feed is created.
    return getattr(request.state, "largest_value", None)


async def feed_to_write(acc: OwnerDep, feed_key: str, request: Request) -> Feed:
    """The feed a data write goes to; created when it does not exist yet."""
    return await acc.services.feeds.for_write(acc.user, feed_key, value=_largest_value(request))


async def group_feed_to_read(acc: AccountDep, group_key: str, feed_key: str) -> Feed:
    group = await acc.services.groups.get(acc.owner, group_key)
    feed = await acc.services.groups.feed_store.in_group_with_key(group.id, feed_key)
    if feed is None or not (acc.is_owner or feed.visibility == "public"):
        raise not_found(acc.owner.username, f"{group_key}.{feed_key}")
    return feed


async def group_feed_to_write(
    acc: OwnerDep, group_key: str, feed_key: str, request: Request
) -> Feed:
    group = await acc.services.groups.get(acc.user, group_key)
    return await acc.services.feeds.for_write(
        acc.user, feed_key, group, value=_largest_value(request)
    )


FeedToRead = Annotated[Feed, Depends(feed_to_read)]
FeedToWrite = Annotated[Feed, Depends(feed_to_write)]
GroupFeedToRead = Annotated[Feed, Depends(group_feed_to_read)]
GroupFeedToWrite = Annotated[Feed, Depends(group_feed_to_write)]
