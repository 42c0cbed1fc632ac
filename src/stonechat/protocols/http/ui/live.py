"""``/ui/api/live``: the web UI's WebSocket of live data points.

One hub per application listens on the bus (so points written through any process arrive)
and hands each point to the sockets subscribed to its feed. The bus calls the hub in the
writer's task, so the hub never waits: each socket has a bounded queue, and a socket too
slow to empty it loses points (counted) instead of growing memory or delaying the others.

Protocol (JSON text frames), see docs/ui-api.md:
  client → server  {"subscribe": ["user/feed_key", ...]}   {"unsubscribe": [...]}
  server → client  {"type": "subscribed", "feeds": [...]}  {"type": "error", "error": "..."}
                   {"type": "data", "feed": "user/feed_key", "datum": {...}}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from stonechat.bus.events import FeedEvent
from stonechat.domain.errors import Unauthorized
from stonechat.domain.records import User
from stonechat.domain.timestamps import iso
from stonechat.protocols.http.session_auth import session_token
from stonechat.services.registry import Services

log = logging.getLogger(__name__)

router = APIRouter()

QUEUE_SIZE = 1_000  # messages waiting for one socket before its points are dropped
MAX_FEEDS = 500  # subscriptions per socket
MAX_MESSAGE = 64 * 1024
RECHECK_SECONDS = 60.0  # how often an open socket's session is checked again


class LiveClient:
    """One socket: who it is, what it follows (feed id -> names used) and its queue."""

    __slots__ = ("dropped", "names", "queue", "user")

    def __init__(self, user: User | None) -> None:
        self.user = user
        self.names: dict[int, set[str]] = {}
        self.queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0

    def may_read(self, owner_id: int, visibility: str) -> bool:
        return visibility == "public" or (self.user is not None and self.user.id == owner_id)


class LiveHub:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._by_feed: dict[int, set[LiveClient]] = {}
        self._listening = False
        self.dropped = 0

    def listen(self) -> None:
        if not self._listening:
            self.services.ingest.bus.subscribe(self.on_events)
            self._listening = True

    def on_events(self, events: list[FeedEvent]) -> None:
        """Bus listener: never blocks, never raises for one slow socket."""
        for event in events:
            clients = self._by_feed.get(event.feed.id)
            if not clients:
                continue
            feed, d = event.feed, event.datum
            datum: dict[str, Any] = {
                "id": d.id,
                "value": d.value,
                "feed_id": d.feed_id,
                "feed_key": feed.full_key,
                "created_at": iso(d.created_at),
                "lat": d.lat,
                "lon": d.lon,
                "ele": d.ele,
            }
            for client in clients:
                # Checked per point: a feed made private stops flowing to other users.
                if not client.may_read(feed.user_id, feed.visibility):
                    continue
                for name in client.names.get(feed.id, ()):
                    message = {"type": "data", "feed": name, "datum": datum}
                    try:
                        client.queue.put_nowait(orjson.dumps(message).decode())
                    except asyncio.QueueFull:
                        client.dropped += 1
                        self.dropped += 1

    def add(self, client: LiveClient, feed_id: int, name: str) -> None:
        client.names.setdefault(feed_id, set()).add(name)
        self._by_feed.setdefault(feed_id, set()).add(client)

    def remove(self, client: LiveClient, name: str) -> None:
        for feed_id, names in list(client.names.items()):
            names.discard(name)
            if not names:
                self._forget(client, feed_id)

    def drop(self, client: LiveClient) -> None:
        for feed_id in list(client.names):
            self._forget(client, feed_id)

    def _forget(self, client: LiveClient, feed_id: int) -> None:
        client.names.pop(feed_id, None)
        clients = self._by_feed.get(feed_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._by_feed[feed_id]

    async def subscribe(self, client: LiveClient, names: list[str]) -> tuple[list[str], list[str]]:
        """Follow these ``user/feed_key`` names; returns (accepted, error messages)."""
        accepted: list[str] = []
        errors: list[str] = []
        for name in names:
            if len(client.names) >= MAX_FEEDS:
                errors.append(f"{name}: at most {MAX_FEEDS} feeds per connection")
                continue
            username, _slash, key = name.partition("/")
            owner = await self.services.accounts.users.by_username(username) if key else None
            feed = await self.services.feeds.find(owner.id, key) if owner else None
            if feed is None or not client.may_read(feed.user_id, feed.visibility):
                # The same answer for missing and private: names cannot be probed.
                errors.append(f"{name}: not found, or not a feed you may read")
                continue
            self.add(client, feed.id, name)
            accepted.append(name)
        return accepted, errors


def hub_of(app: Any, services: Services) -> LiveHub:
    state = app.state
    hub: LiveHub | None = getattr(state, "live_hub", None)
    if hub is None:
        hub = state.live_hub = LiveHub(services)
        hub.listen()
    return hub


def origin_allowed(ws: WebSocket, services: Services) -> bool:
    """Browsers always send Origin; it must be this server (or its public URL). Other
    clients send none. This stops other sites opening the socket with the user's cookie."""
    origin = ws.headers.get("origin")
    if origin is None:
        return True
    netloc = urlsplit(origin).netloc.lower()
    allowed = {ws.headers.get("host", "").lower()}
    if services.public_url:
        allowed.add(urlsplit(services.public_url).netloc.lower())
    return netloc in allowed


def _names(value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


async def _send(ws: WebSocket, client: LiveClient, services: Services) -> None:
    """Write queued messages; now and then check the session is still alive."""
    token = session_token(ws)
    recheck = min(RECHECK_SECONDS, services.sessions.idle_ms / 4000)
    loop = asyncio.get_running_loop()
    due = loop.time() + recheck
    while True:
        try:
            message = await asyncio.wait_for(client.queue.get(), max(0.0, due - loop.time()))
        except TimeoutError:
            due = loop.time() + recheck
            if client.user is not None:
                try:
                    await services.sessions.resolve(token)
                except Unauthorized as error:
                    await ws.close(1008, error.message)
                    return
            continue
        await ws.send_text(message)


@router.websocket("/live")
async def live(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    if not origin_allowed(ws, services):
        await ws.accept()
        await ws.close(1008, "origin not allowed")
        return
    user = None
    if session_token(ws):
        with contextlib.suppress(Unauthorized):
            user = (await services.sessions.resolve(session_token(ws))).user
    await ws.accept()
    hub = hub_of(ws.app, services)
    client = LiveClient(user)
    sender = asyncio.create_task(_send(ws, client, services))
    try:
        while True:
            text = await ws.receive_text()
            if len(text) > MAX_MESSAGE:
                await ws.close(1009, "message too big")
                return
            await _handle(hub, client, text)
    except WebSocketDisconnect:
        pass
    finally:
        hub.drop(client)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await sender
        if client.dropped:
            log.info("live socket closed; %d points dropped (slow reader)", client.dropped)


async def _handle(hub: LiveHub, client: LiveClient, text: str) -> None:
    def reply(message: dict[str, Any]) -> str:
        return orjson.dumps(message).decode()

    try:
        body = orjson.loads(text)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        await client.queue.put(reply({"type": "error", "error": "send a JSON object"}))
        return
    if "unsubscribe" in body:
        names = _names(body["unsubscribe"])
        for name in names or ():
            hub.remove(client, name)
    if "subscribe" in body:
        names = _names(body["subscribe"])
        if names is None:
            await client.queue.put(
                reply({"type": "error", "error": "subscribe takes a list of 'user/feed_key'"})
            )
            return
        accepted, errors = await hub.subscribe(client, names)
        for message in errors:
            await client.queue.put(reply({"type": "error", "error": message}))
        await client.queue.put(reply({"type": "subscribed", "feeds": accepted}))
