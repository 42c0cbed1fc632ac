"""Feed webhook receivers: per-feed tokens that let anyone holding them post data."""

from __future__ import annotations

import secrets

from stonechat.domain.errors import NotFound
from stonechat.domain.records import Feed, User, WebhookReceiver
from stonechat.domain.timestamps import now_ms
from stonechat.storage.database import Database
from stonechat.storage.feeds import FeedStore
from stonechat.storage.users import UserStore
from stonechat.storage.webhooks import WebhookStore


class WebhookService:
    def __init__(self, db: Database) -> None:
        self.store = WebhookStore(db)
        self.feeds = FeedStore(db)
        self.users = UserStore(db)

    async def create(self, feed: Feed) -> WebhookReceiver:
        return await self.store.insert(feed.id, secrets.token_urlsafe(24), now_ms())

    async def for_feed(self, feed: Feed) -> list[WebhookReceiver]:
        return (await self.store.for_feeds([feed.id])).get(feed.id, [])

    async def revoke(self, feed: Feed, receiver_id: int) -> None:
        if not await self.store.delete(feed.id, receiver_id):
            raise NotFound(f"not found - no webhook receiver {receiver_id} on this feed")

    async def resolve(self, token: str) -> tuple[User, Feed]:
        """The owner and feed of a token; unknown or revoked tokens are not found."""
        receiver = await self.store.by_token(token)
        feed = await self.feeds.by_id(receiver.feed_id) if receiver else None
        user = await self.users.by_id(feed.user_id) if feed else None
        if feed is None or user is None:
            raise NotFound("not found - unknown webhook token")
        return user, feed
