"""``/ui/api/live``: the web UI's WebSocket of live data points.

One hub per application listens on the bus (so points written through any process arrive)
and hands each point to the sockets subscribed to its feed. The bus calls the hub in the
writer's task, so the hub never waits: each socket has a bounded queue, and a socket too
slow to empty it loses points (counted) instead of growing memory or delaying the others.

Who may follow a feed is the access service's answer for the socket's principal (the
signed-in user, or nobody): asked at subscribe, and again whenever access to the owner's
resources changes (``access.on_change``, in every process through the bus), so a feed made
private or a share revoked stops flowing within a second. A socket follows a feed once,
whatever names it used for it: each point arrives once, labelled with the first name.

A signed-in socket may also follow its own user's notices (``{user}/errors`` and
``{user}/throttle``, as MQTT subscribers get them), which the broker hands to
``services.notices`` in every process.

Protocol (JSON text frames), see docs/ui-api.md:
  client → server  {"subscribe": ["user/feed_key", ...]}   {"unsubscribe": [...]}
                   {"notices": true | false}
  server → client  {"type": "subscribed", "feeds": [...]}  {"type": "error", "error": "..."}
                   {"type": "data", "feed": "user/feed_key", "datum": {...}}
                   {"type": "notices", "on": bool}
                   {"type": "notice", "topic": "user/errors", "message": "...", "at": iso}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from stonechat.bus.events import FeedEvent
from stonechat.domain.access import DISABLED, NOBODY, READ, Principal
from stonechat.domain.errors import AccountDisabled, Unauthorized
from stonechat.domain.timestamps import iso, now_ms
from stonechat.protocols.http.session_auth import session_token
from stonechat.services.access import Change
from stonechat.services.notices import Notice
from stonechat.services.rechecks import Rechecks
from stonechat.services.registry import Services

log = logging.getLogger(__name__)

router = APIRouter()

QUEUE_SIZE = 1_000  # messages waiting for one socket before its points are dropped
MAX_FEEDS = 500  # feeds followed per socket
MAX_NAMES = 2_000  # names (spellings) of those feeds per socket
MAX_MESSAGE = 64 * 1024
RECHECK_SECONDS = 60.0  # how often an open socket's session is checked again
CLOSE = "close"  # queued (this very object) to close a socket of a disabled user


def _refused(name: str) -> str:
    # The same answer for missing and private: names cannot be probed.
    return f"{name}: not found, or not a feed you may read"


@dataclass(slots=True)
class Followed:
    """A feed a socket follows: its owner, and the names it was subscribed under (the
    first labels its points)."""

    owner_id: int
    names: list[str] = field(default_factory=list)


class LiveClient:
    """One socket: who it is, what it follows (feed id -> names used) and its queue."""

    __slots__ = ("dropped", "feeds", "names", "notices", "principal", "queue")

    def __init__(self, principal: Principal) -> None:
        self.principal = principal
        self.feeds: dict[int, Followed] = {}
        self.names: dict[str, int] = {}  # name -> feed id
        self.queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0
        self.notices = False  # follows its user's notices

    def tell(self, message: dict[str, Any]) -> None:
        try:
            self.queue.put_nowait(orjson.dumps(message).decode())
        except asyncio.QueueFull:
            self.dropped += 1


class LiveHub:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._by_feed: dict[int, set[LiveClient]] = {}
        self._by_owner: dict[int, set[LiveClient]] = {}
        self._by_notices: dict[str, set[LiveClient]] = {}  # lower-case username -> sockets
        self._listening = False
        self._rechecks = Rechecks(self._recheck, "live subscriptions on the feeds")
        self.dropped = 0
        self.clients: set[LiveClient] = set()  # every open socket (to close a user's)

    def listen(self) -> None:
        if not self._listening:
            self.services.ingest.bus.subscribe(self.on_events)
            self.services.access.on_change.append(self.changed)
            self.services.access.on_user_disabled.append(self.user_disabled)
            self.services.notices.listeners.append(self.on_notice)
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
                followed = client.feeds.get(feed.id)
                if followed is None or not followed.names:
                    continue
                message = {"type": "data", "feed": followed.names[0], "datum": datum}
                try:
                    client.queue.put_nowait(orjson.dumps(message).decode())
                except asyncio.QueueFull:
                    client.dropped += 1
                    self.dropped += 1

    def on_notice(self, notice: Notice) -> None:
        """``services.notices`` listener: the notice to its user's sockets that follow them."""
        clients = self._by_notices.get(notice.username.lower())
        if not clients:
            return
        message = {
            "type": "notice",
            "topic": notice.topic,
            "message": notice.text,
            "at": iso(now_ms()),
        }
        for client in clients:
            client.tell(message)

    def follow_notices(self, client: LiveClient, on: bool) -> str | None:
        """Start or stop sending the socket's user's notices; an error for a socket
        nobody signed in to."""
        user = client.principal.user
        if user is None:
            return "sign in to follow notices"
        name = user.username.lower()
        client.notices = on
        if on:
            self._by_notices.setdefault(name, set()).add(client)
        else:
            self._stop_notices(client, name)
        return None

    def _stop_notices(self, client: LiveClient, name: str) -> None:
        clients = self._by_notices.get(name)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._by_notices[name]

    def add(self, client: LiveClient, feed_id: int, owner_id: int, name: str) -> None:
        followed = client.feeds.get(feed_id)
        if followed is None:
            followed = client.feeds[feed_id] = Followed(owner_id)
            self._by_feed.setdefault(feed_id, set()).add(client)
            self._by_owner.setdefault(owner_id, set()).add(client)
        if name not in client.names:
            followed.names.append(name)
            client.names[name] = feed_id

    def remove(self, client: LiveClient, name: str) -> None:
        feed_id = client.names.pop(name, None)
        followed = client.feeds.get(feed_id) if feed_id is not None else None
        if feed_id is None or followed is None:
            return
        with contextlib.suppress(ValueError):
            followed.names.remove(name)
        if not followed.names:
            self._forget(client, feed_id)

    def user_disabled(self, user_id: int, deleted: bool) -> None:
        """``access.on_user_disabled``: close that user's sockets now (any process)."""
        for client in list(self.clients):
            if client.principal.user_id != user_id:
                continue
            self.drop(client)
            while client.queue.full():  # the close must get through, points need not
                client.queue.get_nowait()
            client.queue.put_nowait(CLOSE)

    def drop(self, client: LiveClient) -> None:
        self.clients.discard(client)
        for feed_id in list(client.feeds):
            self._forget(client, feed_id)
        if client.notices and client.principal.user is not None:
            self._stop_notices(client, client.principal.user.username.lower())

    def _forget(self, client: LiveClient, feed_id: int) -> list[str]:
        followed = client.feeds.pop(feed_id, None)
        if followed is None:
            return []
        for name in followed.names:
            client.names.pop(name, None)
        clients = self._by_feed.get(feed_id)
        if clients is not None:
            clients.discard(client)
            if not clients:
                del self._by_feed[feed_id]
        owner_id = followed.owner_id
        if not any(f.owner_id == owner_id for f in client.feeds.values()):
            owners = self._by_owner.get(owner_id)
            if owners is not None:
                owners.discard(client)
                if not owners:
                    del self._by_owner[owner_id]
        return followed.names

    async def subscribe(self, client: LiveClient, names: list[str]) -> tuple[list[str], list[str]]:
        """Follow these ``user/feed_key`` names; returns (accepted, error messages)."""
        accepted: list[str] = []
        errors: list[str] = []
        for name in names:
            if name in client.names:
                accepted.append(name)  # already followed under this very name
                continue
            if len(client.names) >= MAX_NAMES:
                errors.append(f"{name}: at most {MAX_NAMES} names per connection")
                continue
            username, _slash, key = name.partition("/")
            owner = await self.services.accounts.users.by_username(username) if key else None
            feed = await self.services.feeds.find(owner.id, key) if owner else None
            if feed is None or not await self.services.access.can(client.principal, feed, READ):
                errors.append(_refused(name))
                continue
            if feed.id not in client.feeds and len(client.feeds) >= MAX_FEEDS:
                errors.append(f"{name}: at most {MAX_FEEDS} feeds per connection")
                continue
            self.add(client, feed.id, feed.user_id, name)
            accepted.append(name)
        return accepted, errors

    # -- changes of access -----------------------------------------------------------------

    def changed(self, change: Change) -> None:
        """``access.on_change``: re-check the sockets following the owner's feeds, in one
        task per owner; changes arriving meanwhile make it run once more."""
        owner_id = change.owner_id
        if owner_id not in self._by_owner:
            return
        self._rechecks.request(owner_id)

    async def _recheck(self, owner_id: int) -> None:
        clients = list(self._by_owner.get(owner_id, ()))
        ids = {i for c in clients for i, f in c.feeds.items() if f.owner_id == owner_id}
        if not ids:
            return
        current = await self.services.feeds.by_ids(sorted(ids))
        memo: dict[tuple[int | None, int], bool] = {}
        for client in clients:
            for feed_id, followed in list(client.feeds.items()):
                if followed.owner_id != owner_id:
                    continue
                key = (client.principal.user_id, feed_id)
                allowed = memo.get(key)
                if allowed is None:
                    feed = current.get(feed_id)
                    allowed = feed is not None and await self.services.access.can(
                        client.principal, feed, READ
                    )
                    memo[key] = allowed
                if not allowed and client.feeds.get(feed_id) is followed:
                    for name in self._forget(client, feed_id):
                        client.tell({"type": "error", "error": _refused(name)})


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
            if client.principal.user is not None:
                try:
                    await services.sessions.resolve(token)
                except (Unauthorized, AccountDisabled) as error:
                    await ws.close(1008, error.message)
                    return
            continue
        if message is CLOSE:  # the user was disabled or deleted (LiveHub.user_disabled)
            await ws.close(1008, DISABLED)
            return
        await ws.send_text(message)


@router.websocket("/live")
async def live(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    if not origin_allowed(ws, services):
        await ws.accept()
        await ws.close(1008, "origin not allowed")
        return
    principal = NOBODY
    if session_token(ws):
        with contextlib.suppress(Unauthorized, AccountDisabled):
            principal = Principal((await services.sessions.resolve(session_token(ws))).user)
    await ws.accept()
    hub = hub_of(ws.app, services)
    client = LiveClient(principal)
    hub.clients.add(client)
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
    if "notices" in body:
        on = body["notices"]
        if not isinstance(on, bool):
            await client.queue.put(reply({"type": "error", "error": "notices takes true or false"}))
            return
        refused = hub.follow_notices(client, on)
        if refused is not None:
            await client.queue.put(reply({"type": "error", "error": refused}))
            return
        await client.queue.put(reply({"type": "notices", "on": on}))
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
