"""Redis bus: the processes of one installation share fan-out through Redis pub/sub.

Each process delivers its own points to its own listeners directly, then publishes them on
Redis; every other process delivers what it receives from Redis. So each listener gets each
point exactly once, and a process keeps serving its own clients while Redis is away.

Redis never decides whether a point is acknowledged: points are stored and answered before
they reach the bus. While Redis is unreachable the bus keeps up to ``outbox_size`` messages
and sends them when it is back (older ones are dropped and counted); it reconnects with
exponential backoff, and ``health()`` reports it disconnected meanwhile.

Channels (``P`` is the prefix): ``P:data`` carries points, ``P:signal`` signals to every
process, ``P:node:<node>`` requests to one process and their answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import socket
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError

from stonechat.bus.base import Listener, RequestHandler, Signal, SignalHandler
from stonechat.bus.events import FeedEvent
from stonechat.bus.memory import deliver
from stonechat.bus.signals import (
    DEFAULT_PREFIX,
    data_channel,
    holder_key,
    node_channel,
    signal_channel,
)
from stonechat.bus.wire import decode_events, decode_signal, encode_events, encode_signal

log = logging.getLogger(__name__)

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_NET_ERRORS = (RedisError, OSError, TimeoutError)


class RedisBus:
    distributed = True

    def __init__(
        self,
        url: str,
        prefix: str = DEFAULT_PREFIX,
        *,
        outbox_size: int = 10_000,
        max_backoff: float = 5.0,
    ) -> None:
        self.node = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.prefix = prefix
        self.max_backoff = max_backoff
        self._url = url
        self._redis = redis.Redis.from_url(
            url,
            socket_timeout=2.0,
            socket_connect_timeout=2.0,
            health_check_interval=5,
        )
        self._data = data_channel(prefix)
        self._signal = signal_channel(prefix)
        self._inbox = node_channel(prefix, self.node)
        self._listeners: list[Listener] = []
        self._handlers: dict[str, SignalHandler] = {}
        self._request_handlers: dict[str, RequestHandler] = {}
        self._pending: dict[int, asyncio.Future[Signal | None]] = {}
        self._ids = itertools.count(1)
        self._outbox: deque[tuple[str, bytes]] = deque()
        self._outbox_size = outbox_size
        self._wake = asyncio.Event()
        self._subscribed = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._release = self._redis.register_script(_RELEASE)
        # Both directions must work for the bus to be healthy.
        self._receiving = False
        self._sending = True
        self.stats: Counter[str] = Counter()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, wait: float = 5.0) -> None:
        """Connect and subscribe; a Redis that is down now only delays cross-process fan-out."""
        self._tasks = [
            asyncio.create_task(self._receive(), name="bus-receive"),
            asyncio.create_task(self._send(), name="bus-send"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), wait)
        if not self.connected:
            log.warning("Redis at %s is not reachable yet; retrying in the background", self._url)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._listeners.clear()
        with contextlib.suppress(*_NET_ERRORS):
            while self._outbox and self.connected:  # what the last commits published
                await self._send_batch()
        with contextlib.suppress(*_NET_ERRORS):
            await self._redis.aclose()

    def health(self) -> dict[str, Any]:
        return {
            "kind": "redis",
            "connected": self.connected,
            "node": self.node,
            "queued": len(self._outbox),
            "dropped": self.stats["dropped"],
        }

    @property
    def connected(self) -> bool:
        return self._receiving and self._sending

    def _set_state(self, *, receiving: bool | None = None, sending: bool | None = None) -> None:
        was = self.connected
        if receiving is not None:
            self._receiving = receiving
            if not receiving:
                self._subscribed.clear()
        if sending is not None:
            self._sending = sending
        if self.connected and not was:
            log.info("bus: connected to Redis (%s)", self.node)
        elif was and not self.connected:
            log.warning("bus: lost Redis; fan-out to other processes resumes when it is back")

    # -- data ------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    async def publish(self, events: list[FeedEvent]) -> None:
        deliver(self._listeners, events)
        self._queue(self._data, encode_events(self.node, events))

    def _queue(self, channel: str, data: bytes) -> None:
        if len(self._outbox) >= self._outbox_size:
            self._outbox.popleft()
            self.stats["dropped"] += 1
        self._outbox.append((channel, data))
        self._wake.set()

    async def _send(self) -> None:
        """Publish what is queued, many messages per round trip, in order."""
        backoff = 0.05
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                try:
                    await self._send_batch()
                    backoff = 0.05
                except Exception as error:
                    if not isinstance(error, _NET_ERRORS):
                        log.exception("bus: sending to Redis failed")
                    self._set_state(sending=False)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff)

    async def _send_batch(self) -> None:
        """Up to 512 queued messages in one round trip; put back if Redis is away."""
        batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), 512))]
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for channel, data in batch:
                    pipe.publish(channel, data)
                await pipe.execute()
        except _NET_ERRORS:
            room = self._outbox_size - len(self._outbox)
            self.stats["dropped"] += max(0, len(batch) - room)
            self._outbox.extendleft(reversed(batch[:room]))
            raise
        self.stats["sent"] += len(batch)
        if not self._sending:
            self._set_state(sending=True)

    # -- receiving -------------------------------------------------------------------------

    async def _receive(self) -> None:
        backoff = 0.05
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.subscribe(self._data, self._signal, self._inbox)
                self._set_state(receiving=True)
                self._subscribed.set()
                self._wake.set()  # send what queued up while Redis was away
                backoff = 0.05
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None:
                        self._dispatch(message["channel"], message["data"])
            except _NET_ERRORS:
                self._set_state(receiving=False)
            except Exception:  # never let the receiver die: it is the way back to Redis
                log.exception("bus: receiving from Redis failed")
                self._set_state(receiving=False)
            finally:
                # redis-py types aclose() from 6.x on; naming its type here checks on both.
                close: Callable[[], Awaitable[None]] = pubsub.aclose
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(close(), 2.0)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, self.max_backoff)

    def _dispatch(self, channel: bytes, data: bytes) -> None:
        try:
            name = channel.decode()
            if name == self._data:
                origin, events = decode_events(data)
                if origin != self.node:
                    self.stats["received"] += len(events)
                    deliver(self._listeners, events)
                return
            origin, kind, body = decode_signal(data)
        except (ValueError, TypeError, KeyError, IndexError):
            self.stats["malformed"] += 1
            log.warning("bus: ignored a malformed message on %r", channel)
            return
        if name == self._signal:
            handler = self._handlers.get(kind)
            if origin != self.node and handler is not None:
                try:
                    handler(body)
                except Exception:
                    log.exception("bus: signal handler for %r failed", kind)
        elif kind == "reply":
            future = self._pending.pop(int(body.get("id", 0)), None)
            if future is not None and not future.done():
                answer = body.get("answer")
                future.set_result(answer if isinstance(answer, dict) else None)
        elif kind in self._request_handlers:
            task = asyncio.get_running_loop().create_task(self._answer(origin, kind, body))
            task.add_done_callback(_log_failure)
        elif kind in self._handlers:  # told to this process alone
            try:
                self._handlers[kind](body)
            except Exception:
                log.exception("bus: handler for %r failed", kind)

    # -- signals and requests --------------------------------------------------------------

    def broadcast(self, kind: str, body: Signal) -> None:
        self._queue(self._signal, encode_signal(self.node, kind, body))

    def tell(self, node: str, kind: str, body: Signal) -> None:
        self._queue(node_channel(self.prefix, node), encode_signal(self.node, kind, body))

    def on(self, kind: str, handler: SignalHandler) -> None:
        self._handlers[kind] = handler

    def on_request(self, kind: str, handler: RequestHandler) -> None:
        self._request_handlers[kind] = handler

    async def request(self, node: str, kind: str, body: Signal, wait: float) -> Signal | None:
        request_id = next(self._ids)
        future: asyncio.Future[Signal | None] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        message = encode_signal(self.node, kind, {"id": request_id, "body": body})
        try:
            receivers = await self._redis.publish(node_channel(self.prefix, node), message)
            if not receivers:
                return None  # that process is gone
            return await asyncio.wait_for(future, wait)
        except _NET_ERRORS:
            return None
        finally:
            self._pending.pop(request_id, None)

    async def _answer(self, origin: str, kind: str, message: Signal) -> None:
        handler = self._request_handlers.get(kind)
        body = message.get("body")
        answer = await handler(body) if handler is not None and isinstance(body, dict) else None
        reply = encode_signal(self.node, "reply", {"id": message.get("id"), "answer": answer})
        with contextlib.suppress(*_NET_ERRORS):
            await self._redis.publish(node_channel(self.prefix, origin), reply)

    async def claim(self, name: str) -> str | None:
        try:
            previous = await self._redis.set(holder_key(self.prefix, name), self.node, get=True)
        except _NET_ERRORS:
            return None
        return previous.decode() if isinstance(previous, bytes) else None

    async def release(self, name: str) -> None:
        with contextlib.suppress(*_NET_ERRORS):
            await self._release(keys=[holder_key(self.prefix, name)], args=[self.node])


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("bus: request handler failed", exc_info=task.exception())
