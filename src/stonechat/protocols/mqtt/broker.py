"""The broker: sessions, subscriptions, routing, retained messages, errors and time topics.

One ``Broker`` per process. Connections call ``handle`` for every packet. What is not
generic MQTT (signing in, bans, feed and group topics, who may hold a subscription) is asked
of the ``Hooks`` it is given (``hooks.py``; Adafruit IO's are in ``adafruit/``); a session
keeps the principal it signed in with.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import Counter
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from stonechat.bus.base import Bus
from stonechat.domain.access import Principal
from stonechat.domain.records import User
from stonechat.domain.timestamps import iso_ms, now_ms
from stonechat.domain.topics import FeedTopic, FreeTopic, parse_topic
from stonechat.protocols.mqtt.budget import QueueBudget
from stonechat.protocols.mqtt.codec import (
    Auth,
    Connack,
    Connect,
    Disconnect,
    Packet,
    Pingreq,
    ProtocolError,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Subscribe,
    Unsubscribe,
)
from stonechat.protocols.mqtt.config import BrokerConfig
from stonechat.protocols.mqtt.connection import Connection, Handled
from stonechat.protocols.mqtt.failures import delivery_failed
from stonechat.protocols.mqtt.handlers import acks
from stonechat.protocols.mqtt.handlers.connect import handle_connect
from stonechat.protocols.mqtt.handlers.publish import handle_publish
from stonechat.protocols.mqtt.handlers.subscribe import handle_subscribe, handle_unsubscribe
from stonechat.protocols.mqtt.hooks import Hooks
from stonechat.protocols.mqtt.journal import Journal
from stonechat.protocols.mqtt.messages import (
    Message,
    Subscription,
    message_from_state,
    message_state,
    retained_from_row,
    retained_row,
)
from stonechat.protocols.mqtt.persistence import StateStore, StoredSession
from stonechat.protocols.mqtt.registry import Registry
from stonechat.protocols.mqtt.replies import acknowledge, not_stored
from stonechat.protocols.mqtt.retained import RetainedStore
from stonechat.protocols.mqtt.session import Session
from stonechat.protocols.mqtt.share_cluster import ShareCluster

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger(__name__)

# Properties a broker forwards with an application message (MQTT 5 §3.3.2.3).
_FORWARDED = (
    "payload_format_indicator",
    "message_expiry_interval",
    "content_type",
    "response_topic",
    "correlation_data",
    "user_properties",
)


DROP_NOTICE_EVERY = 60.0  # seconds between two "queue limit" notices of one session


class Broker:
    def __init__(
        self, config: BrokerConfig, bus: Bus, hooks: Hooks, store: StateStore | None = None
    ) -> None:
        self.config = config
        self.bus = bus
        self.hooks = hooks
        # The store of record of persistent sessions and retained messages, written through
        # the journal; without one (unit tests) they live in memory only.
        self.store = store
        self.journal = Journal(store) if store is not None else None
        self.budget = QueueBudget(
            config.max_queued_bytes_per_session,
            config.max_queued_bytes_per_user,
            self._queue_full,
        )
        self.connections: set[Connection] = set()
        self.sessions: dict[tuple[int, str], Session] = {}
        self.registry = Registry()
        self.retained = RetainedStore(
            config.max_retained_per_user, config.max_retained_bytes_per_user
        )
        self.stats: Counter[str] = Counter()
        self._handlers: dict[type, Callable[[Broker, Connection, Any], Handled]] = {
            Connect: handle_connect,
            Publish: handle_publish,
            Puback: acks.handle_puback,
            Pubrec: acks.handle_pubrec,
            Pubrel: acks.handle_pubrel,
            Pubcomp: acks.handle_pubcomp,
            Subscribe: handle_subscribe,
            Unsubscribe: handle_unsubscribe,
            Pingreq: acks.handle_pingreq,
            Disconnect: acks.handle_disconnect,
            Auth: acks.handle_auth,
        }
        self._time_task: asyncio.Task[None] | None = None
        self._to_flush: list[Connection] = []
        self._background: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._adopting: set[asyncio.Task[None]] = set()
        self._message_ids = itertools.count(1)  # free-form routes and notices (shares)
        hooks.attach(self)

    def flush_later(self, conn: Connection) -> None:
        """Write ``conn``'s output at the end of this loop turn: one callback for all."""
        if not self._to_flush:
            asyncio.get_running_loop().call_soon(self._flush_all)
        self._to_flush.append(conn)

    def _flush_all(self) -> None:
        pending, self._to_flush = self._to_flush, []
        for conn in pending:
            conn.flush()

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        self.hooks.start()
        if self.bus.distributed:
            self.bus.on("route", self._remote_route)
            self.bus.on("notice", self._remote_notice)
            self.bus.on("revoke", lambda body: self._revoke_here(int(body["user_id"])))
            self.bus.on_request("takeover", self._hand_over)
            self.bus.on("sessions saved", self._adopt_saved)
            self.registry.shares.cluster = ShareCluster(
                self.bus, self.registry.shares, self.config.share_announce_seconds
            )
            self.registry.shares.cluster.start()
        if self.store is not None and self.journal is not None:
            self.journal.start()
            await self._load_retained(self.store)
            # Alone, this process holds every stored session; with others running, only
            # those nobody holds (the rest are found when their clients reconnect).
            for stored in await self.store.sessions(free_only=self.bus.distributed):
                await self._restore(stored)
        self._time_task = asyncio.create_task(self._publish_time(), name="mqtt-time")

    async def _load_retained(self, store: StateStore) -> None:
        now = time.monotonic()
        for row in await store.retained():
            msg = retained_from_row(row)
            if msg.expires_at is not None and msg.expires_at <= now:
                if self.journal is not None:
                    self.journal.retain(row.owner, row.topic, None)
                continue
            self.retained.put(row.owner, msg)

    async def stop(self) -> None:
        """Close every connection (MQTT 5: 0x8B server shutting down), write what is pending.

        The state is already in the database; with other processes running, this one lets
        go of its sessions and one of the others adopts each at once, so messages for those
        clients are queued while they reconnect.
        """
        self._stopping = True
        self.hooks.stop()
        if self.registry.shares.cluster is not None:
            self.registry.shares.cluster.stop()
        if self._adopting:  # sessions this process is taking over: finish first
            await asyncio.gather(*self._adopting, return_exceptions=True)
        if self._time_task is not None:
            self._time_task.cancel()
        for conn in list(self.connections):
            conn.clean_exit = True  # a server shutdown is not the client's failure
            conn.disconnect(0x8B)
        await asyncio.sleep(0)
        held = []
        for session in self.sessions.values():
            if session.journal is None:
                continue
            held.append(list(session.key))
            if session.conn is not None:  # its expiry counts from now
                session.expires_at = now_ms() + int(session.expiry * 1000)
                session.changed()
        if self.journal is not None:
            await self.journal.close()
        if self.store is not None and self.bus.distributed:
            await self.store.release()
            if held:
                self.bus.broadcast("sessions saved", {"sessions": held})
        self.hooks.stopped()

    async def _restore(self, stored: StoredSession) -> None:
        """A stored session, offline until its client connects (expired ones are dropped)."""
        row = stored.row
        key = (row.user_id, row.client_id)
        principal = await self.hooks.restore_principal(row.user_id, row.token_id)
        if principal is None or (row.expires_at is not None and row.expires_at <= now_ms()):
            # The user, or the token it signed in with, is gone; or it expired.
            if self.journal is not None:
                self.journal.purge(key)
            return
        session = await self._adopt(principal, stored)
        if session is not None and self.bus.distributed:
            await self.bus.claim(_holder(session.key))  # reconnecting clients find it here

    async def _adopt(self, principal: Principal, stored: StoredSession) -> Session | None:
        """A stored persistent session, offline until its client connects; its messages
        stay in the store until then.

        Signed in with a token, it keeps the token's rights (a token gone meanwhile ended
        it: ``Hooks.restore_principal``). Its subscriptions are checked again: access may
        have changed while it was away.
        """
        row = stored.row
        user = principal.user
        assert user is not None
        session = self._new_session(user, row.client_id)
        session.principal = principal
        session.apply(row)
        session.next_seq = stored.next_seq
        session.stored_count = stored.messages
        self.budget.count(session, stored.message_bytes)
        session.journal = self.journal
        session.stored = True
        if session.expires_at is None:  # it was connected when the server went down
            session.went_offline()
        assert session.expires_at is not None
        for sub in session.subscriptions.values():
            self.registry.add(session, sub)
        self.sessions[session.key] = session
        self._expire_later(session, max(0.0, (session.expires_at - now_ms()) / 1000))
        await self.hooks.reauthorize(session)
        return session

    # -- packets ---------------------------------------------------------------------------

    def handle(self, conn: Connection, packet: Packet) -> Handled:
        if conn.session is None and not isinstance(packet, Connect):
            raise_first = ProtocolError(0x82, "the first packet must be CONNECT [MQTT-3.1.0-1]")
            conn.protocol_error(raise_first)
            return None
        handler = self._handlers.get(type(packet))
        if handler is None:
            conn.protocol_error(ProtocolError(0x82, f"unexpected {type(packet).__name__}"))
            return None
        try:
            return handler(self, conn, packet)
        except ProtocolError as error:
            conn.protocol_error(error)
            return None

    def refuse_connect(self, conn: Connection, error: ProtocolError) -> None:
        """A bad CONNECT: CONNACK with a reason where the version is known, then close."""
        level = conn.decoder.protocol_level
        if error.reason_code == 0x84:
            # [MQTT-3.1.2-2]: unsupported level -> 3.1.1 code 1 (v5 clients get 0x84).
            conn.protocol_level = 5 if level == 5 else 4
            code = 0x84 if level == 5 else 0x01
            conn.send_packet(Connack(reason_code=code))
        elif level == 5:
            conn.protocol_level = 5
            conn.send_packet(Connack(reason_code=error.reason_code))
        conn.close()

    # -- sessions --------------------------------------------------------------------------

    def _new_session(self, user: User, client_id: str) -> Session:
        return Session(
            user,
            client_id,
            max_inflight=self.config.max_inflight,
            max_queued=self.config.max_queued,
            budget=self.budget,
        )

    async def claim_session(self, user: User, client_id: str, clean_start: bool) -> None:
        """Find the client's session before it attaches, wherever it is kept.

        Across processes Redis records which process holds each (user, client id). If
        another one does, it ends that connection (takeover), writes what it has of the
        session and lets go; this process then reads the session from the database (also
        when the holder is gone). An offline session's messages are read back from the
        database here, so the client gets them right after its CONNACK.
        """
        key = (user.id, client_id)
        if self.bus.distributed and self.store is not None:
            previous = await self.bus.claim(_holder(key))
            if previous is not None and previous != self.bus.node:
                self.stats["remote_takeovers"] += 1
                await self.bus.request(
                    previous,
                    "takeover",
                    {"user_id": user.id, "client_id": client_id, "clean_start": clean_start},
                    wait=self.config.takeover_timeout,
                )
            if not clean_start and previous != self.bus.node and key not in self.sessions:
                stored = await self.store.session(key)
                if stored is not None:
                    await self._restore(stored)
        session = self.sessions.get(key)
        if session is not None and not clean_start and session.stored and session.conn is None:
            await self._read_back(session)

    async def _read_back(self, session: Session) -> None:
        """An offline session's messages, from the store into memory."""
        assert self.store is not None and self.journal is not None
        below = session.came_back()  # from here on new messages stay in memory too
        try:
            await self.journal.flush()
            rows = await self.store.messages(session.key, below)
        except Exception:
            session.stored_count += len(session.queue)  # all journaled: back to the store
            session.queue.clear()
            session.stored = True
            raise
        session.load(rows)

    async def _hand_over(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """Another process took a client id over: end the connection here, write what the
        session has, and let it go (the other process reads it from the database)."""
        key = (int(body["user_id"]), str(body["client_id"]))
        session = self.sessions.get(key)
        if session is None:
            return {"released": True}
        if session.conn is not None:
            self._take_over(session)
        for handle in (session.expiry_handle, session.will_handle):
            if handle is not None:
                handle.cancel()
        if session.will_handle is not None or session.will is not None:
            if body.get("clean_start"):
                self._publish_delayed_will(session)  # the session ends: its will goes now
            session.will = session.will_handle = None
        for sub in session.subscriptions.values():  # no more deliveries here
            self.registry.remove(session, sub)
        del self.sessions[key]
        if self.journal is not None:
            session.expires_at = now_ms() + int(session.expiry * 1000)
            session.changed()
            await self.journal.flush()
        session.journal = None
        session.discard_messages()
        return {"released": True}

    def attach(
        self,
        conn: Connection,
        principal: Principal,
        client_id: str,
        clean_start: bool,
        expiry: float,
    ) -> tuple[Session, bool]:
        """Bind a connection to its session; an older connection with the id is taken over."""
        user = principal.user
        assert user is not None
        key = (user.id, client_id)
        existing = self.sessions.get(key)
        if existing is not None and existing.conn is not None:
            self._take_over(existing)
            if existing.expiry <= 0:
                self._discard(existing)
                existing = None
        present = existing is not None and not clean_start
        if existing is not None and clean_start:
            if existing.will_handle is not None:  # the session ends: its delayed will goes now
                existing.will_handle.cancel()
                self._publish_delayed_will(existing)
            self._discard(existing)
        elif clean_start and self.journal is not None and self.bus.distributed:
            self.journal.purge(key)  # what another process kept of it [MQTT-3.1.2-4]
        session = (
            existing if present and existing is not None else self._new_session(user, client_id)
        )
        for handle in (session.expiry_handle, session.will_handle):
            if handle is not None:
                handle.cancel()
        session.expiry_handle = session.will_handle = None
        session.user = user
        session.principal = principal
        session.expiry = expiry
        session.expires_at = None
        session.conn = conn
        conn.session = session
        self.sessions[key] = session
        if self.journal is not None:
            if expiry > 0:
                session.persist(self.journal)
            else:
                session.forget()  # no longer kept beyond this connection
        return session, present

    def _take_over(self, session: Session) -> None:
        """End the session's connection because another one claims its client id."""
        old = session.conn
        assert old is not None
        self.stats["takeovers"] += 1
        old.disconnect(0x8E)  # session taken over (sent while it still has a session)
        old.session = None  # its close no longer touches the session
        session.conn = None
        self._fire_will(session, old.clean_exit)  # [MQTT-3.1.4-3]

    def resume(self, session: Session) -> None:
        """After CONNACK: resend unacknowledged deliveries, then what was queued."""
        conn = session.conn
        if conn is None:
            return
        for packet_id, data in session.resend():
            if data is None:
                conn.send_packet(Pubrel(packet_id))
            else:
                conn.send(data)
        session.pump()

    def connection_closed(self, conn: Connection) -> None:
        session = conn.session
        if session is None or session.conn is not conn:
            return
        self._detach(conn, session)

    def _detach(self, conn: Connection, session: Session) -> None:
        session.conn = None
        self.registry.shares.disconnected(session)
        self._fire_will(session, conn.clean_exit)
        if session.expiry <= 0:
            self._discard(session)
        else:
            session.went_offline()
            self._expire_later(session, session.expiry)

    def _fire_will(self, session: Session, clean_exit: bool) -> None:
        """Publish the will of a connection that ended without DISCONNECT [MQTT-3.1.2-8]."""
        will = session.will
        session.will = None
        if will is None or clean_exit:
            return
        delay = float(will.properties.will_delay_interval or 0)
        if delay > 0 and session.expiry > 0:
            session.will = will  # kept until published: the session may end before the delay
            session.will_handle = asyncio.get_running_loop().call_later(
                min(delay, session.expiry), self._publish_delayed_will, session
            )
        else:
            self._publish_will(session.principal, will)

    def _publish_delayed_will(self, session: Session) -> None:
        will, session.will, session.will_handle = session.will, None, None
        if will is not None:
            self._publish_will(session.principal, will)

    def _expire_later(self, session: Session, seconds: float) -> None:
        def expire() -> None:
            if session.conn is None and self.sessions.get(session.key) is session:
                self._discard(session)

        session.expiry_handle = asyncio.get_running_loop().call_later(seconds, expire)

    def end_session(self, session: Session) -> None:
        """End an offline session (its token was deleted): subscriptions, queue and all."""
        if session.conn is None:
            for handle in (session.expiry_handle, session.will_handle):
                if handle is not None:
                    handle.cancel()
            session.will = session.will_handle = None
            self._discard(session)

    def _discard(self, session: Session, release: bool = True) -> None:
        """End a session: subscriptions, what it kept, and its stored copy."""
        self.registry.shares.ended(session)
        for sub in session.subscriptions.values():
            self.registry.remove(session, sub)
        session.subscriptions.clear()
        session.forget()
        session.discard_messages()
        if self.sessions.get(session.key) is session:
            del self.sessions[session.key]
            if release and self.bus.distributed:
                task = asyncio.get_running_loop().create_task(
                    self.bus.release(_holder(session.key))
                )
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    def _publish_will(self, principal: Principal, will: Any) -> None:
        self.stats["wills"] += 1
        packet = Publish(
            will.topic, will.payload, will.qos, will.retain, properties=will.properties
        )
        waiting = self._publish_as(principal, packet)
        if waiting is not None:
            task = asyncio.get_running_loop().create_task(waiting)
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def _publish_as(self, principal: Principal, packet: Publish) -> Handled:
        """A will: published as if its user sent it, through the same paths."""
        user = principal.user
        assert user is not None
        topic = parse_topic(packet.topic)
        if isinstance(topic, FreeTopic) and principal.is_full_user:
            self._route(user, None, packet)
        elif isinstance(topic, FeedTopic) and not topic.get:
            return self.hooks.publish_will(principal, user, topic, packet)
        return None

    def revoke(self, user_id: int) -> None:
        """A regenerated key ends every MQTT connection of that user at once, everywhere."""
        self._revoke_here(user_id)
        self.bus.broadcast("revoke", {"user_id": user_id})

    def _revoke_here(self, user_id: int) -> None:
        for conn in list(self.connections):
            session = conn.session
            if session is not None and session.user.id == user_id and conn.token_id is None:
                conn.disconnect(0x98)  # administrative action

    # -- subscriptions ---------------------------------------------------------------------

    def subscribe(self, session: Session, sub: Subscription) -> bool:
        """Add or replace a subscription [MQTT-3.8.4-3]; True when it existed."""
        old = session.subscriptions.get(sub.topic_filter)
        if old is not None:
            self.registry.remove(session, old)
        session.subscriptions[sub.topic_filter] = sub
        self.registry.add(session, sub)
        session.changed()
        return old is not None

    def unsubscribe(self, session: Session, topic_filter: str) -> bool:
        sub = session.subscriptions.pop(topic_filter, None)
        if sub is None:
            return False
        self.registry.remove(session, sub)
        session.changed()
        return True

    # -- free-form routing -----------------------------------------------------------------

    def publish_free(self, conn: Connection, packet: Publish) -> Handled:
        """Route a client's free-form publish; acknowledge it once what it changed in the
        durable state (a retained message, copies queued for persistent sessions, the QoS 2
        id of a persistent publisher) is committed. Acknowledgements keep their order
        [MQTT-4.6.0-2]: one with nothing to wait for waits for the one before it."""
        session = conn.session
        assert session is not None
        journal = self.journal
        before = journal.recorded if journal is not None else 0
        self._route(session.user, session, packet)
        if packet.qos == 0:
            return None
        own = journal is not None and (
            journal.recorded != before or (packet.qos == 2 and session.journal is not None)
        )
        if own and journal is not None:
            waiting: asyncio.Future[None] | None = journal.committed()
        else:
            waiting = session.last_commit
            if waiting is not None and waiting.done():
                waiting = session.last_commit = None
        if waiting is None:
            acknowledge(conn, packet)
            return None
        session.last_commit = waiting
        waiting.add_done_callback(partial(self._acknowledge_kept, conn, packet, own))
        return None

    def _acknowledge_kept(
        self, conn: Connection, packet: Publish, own: bool, done: asyncio.Future[None]
    ) -> None:
        failed = done.cancelled() or done.exception() is not None
        if conn.closed:
            return
        if failed and own:  # not kept: no acknowledgement that says it was
            self.stats["unkept_publishes"] += 1
            not_stored(conn, packet)  # 5.0: 0x80; 3.1.1: closed, the client sends it again
            return
        acknowledge(conn, packet)

    def _route(self, user: User, sender: Session | None, packet: Publish) -> None:
        owner = user.username.lower()
        properties = packet.properties
        if properties:
            properties = replace(
                type(properties)(),
                **{name: getattr(properties, name) for name in _FORWARDED},
            )
        msg = Message(packet.topic, packet.payload, packet.qos, packet.retain, properties)
        if properties.message_expiry_interval is not None:  # [MQTT-3.3.2-5]
            msg.expires_at = time.monotonic() + properties.message_expiry_interval
        if packet.retain:
            if not self.retained.put(owner, msg):
                self.publish_error(
                    user.username,
                    f"PUBLISH {packet.topic} retained message refused, "
                    "retained storage limit reached",
                )
            elif self.journal is not None:  # [MQTT-3.3.1-5], [MQTT-3.3.1-10]
                kept = retained_row(owner, msg) if msg.payload else None
                self.journal.retain(owner, msg.topic, kept)
        # Shared subscriptions here or in another process decide by it.
        message_id = (
            self._message_id() if self.bus.distributed or self.registry.shares.groups else None
        )
        self._deliver_free(owner, sender, msg, message_id)
        if self.bus.distributed:
            self.bus.broadcast(
                "route", {"owner": owner, "message": message_state(msg), "id": message_id}
            )

    def _remote_route(self, body: dict[str, Any]) -> None:
        """A free-form publish made in another process (retained ones are kept here too;
        the process that took the publish wrote them to the database)."""
        owner = str(body["owner"])
        msg = message_from_state(body["message"])
        if msg.retain:
            self.retained.put(owner, msg)
        self._deliver_free(owner, None, msg, body.get("id"))

    def _adopt_saved(self, body: dict[str, Any]) -> None:
        """Another process stopped and let go of its sessions: the first to take one keeps it."""
        if self._stopping or self.store is None:
            return
        keys = [(int(user_id), str(client_id)) for user_id, client_id in body["sessions"]]
        task = asyncio.get_running_loop().create_task(self._take_saved(self.store, keys))
        self._adopting.add(task)
        task.add_done_callback(self._adopting.discard)

    async def _take_saved(self, store: StateStore, keys: list[tuple[int, str]]) -> None:
        for key in keys:
            if self._stopping:
                return
            if key in self.sessions or not await store.adopt(key):  # one process wins each
                continue
            stored = await store.session(key)
            if stored is not None:
                await self._restore(stored)

    def _queue_full(self, session: Session, size: int) -> None:
        """A message for ``session`` passed a bytes bound: dropped, counted, and said on
        ``{user}/errors`` at most once a minute per session."""
        self.stats["queue_limit_dropped"] += 1
        now = time.monotonic()
        if now - session.last_drop_notice < DROP_NOTICE_EVERY:
            return
        session.last_drop_notice = now
        self.publish_error(
            session.user.username,
            f"{session.client_id} messages dropped, queue limit reached "
            f"({self.config.max_queued_bytes_per_session} bytes per session, "
            f"{self.config.max_queued_bytes_per_user} per user)",
        )

    def _message_id(self) -> str:
        """An id every process gives the same message (shared subscriptions decide by it)."""
        return f"{self.bus.node}:{next(self._message_ids)}"

    def _deliver_free(
        self, owner: str, sender: Session | None, msg: Message, message_id: str | None
    ) -> None:
        self.registry.shares.current = message_id
        cache: dict[Any, bytes] = {}
        for session, sub in list(self.registry.matching(owner, msg.topic)):
            if sub.no_local and session is sender:  # [MQTT-3.8.3-3]
                continue
            try:
                session.deliver(msg, sub, cache)
            except Exception as error:  # that subscriber only: the others still get it
                delivery_failed(session, error)

    def send_retained(self, session: Session, sub: Subscription) -> None:
        """Retained messages matching a new subscription, with RETAIN set [MQTT-3.3.1-8]."""
        if sub.kind not in ("free", "account", "integration"):
            return
        if sub.share is not None:  # only on new non-shared subscriptions (MQTT 5 §3.3.1.3)
            return
        found = list(self.retained.matching(session.owner, sub.topic_filter))
        if not found:
            return
        as_retained = replace(sub, retain_as_published=True)
        for msg in found:
            session.deliver(msg, as_retained)

    # -- errors ----------------------------------------------------------------------------

    def publish_error(self, username: str, text: str) -> None:
        """A message on ``{username}/errors`` for the owner's subscribers."""
        self.publish_notice(username, "errors", text.encode())

    def publish_notice(self, username: str, name: str, payload: bytes) -> None:
        """A server message on ``{username}/{name}`` (errors, throttle) in every process."""
        message_id = self._message_id()
        self._notice_here(username, name, payload, message_id)
        if self.bus.distributed:
            self.bus.broadcast(
                "notice",
                {"username": username, "name": name, "payload": payload.hex(), "id": message_id},
            )

    def _remote_notice(self, body: dict[str, Any]) -> None:
        payload = bytes.fromhex(body["payload"])
        self._notice_here(str(body["username"]), str(body["name"]), payload, body.get("id"))

    def _notice_here(
        self, username: str, name: str, payload: bytes, message_id: str | None
    ) -> None:
        self.registry.shares.current = message_id
        topic = f"{username}/{name}"
        msg = Message(topic, payload, 1)
        for session, sub in list(self.registry.matching(username.lower(), topic)):
            try:
                session.deliver(msg, sub)
            except Exception as error:
                delivery_failed(session, error)

    def reject_publish(self, conn: Connection, packet: Publish, message: str, reason: int) -> None:
        self.stats["rejected_publishes"] += 1
        session = conn.session
        if session is not None:
            self.publish_error(
                session.user.username,
                f"{session.client_id} {conn.peer} PUBLISH {packet.topic} {message}",
            )
            self.hooks.publish_refused(session.user.username)
        acknowledge(conn, packet, reason)

    def reject_subscribe(self, conn: Connection, topic_filter: str) -> None:
        self.stats["rejected_subscribes"] += 1
        session = conn.session
        if session is not None:
            self.publish_error(
                session.user.username,
                f"{session.client_id} {conn.peer} SUBSCRIBE {topic_filter} rejected, "
                "resource not available or not authorized",
            )
            self.hooks.subscribe_refused(session.user.username)

    # -- time topics -----------------------------------------------------------------------

    async def _publish_time(self) -> None:
        """``time/seconds``, ``time/millis``, ``time/ISO-8601`` each second; ``time/hours``.

        Each tick is sent half-way through its second and carries the clock as it is then,
        milliseconds included: a timer that wakes a little early or late (uvloop rounds to
        the millisecond) neither skips nor repeats a second, and ``millis`` is real time,
        not a rounded one. Each second is published once, in order.
        """
        last_hour = -1
        second = int(time.time()) + 1
        while True:
            await asyncio.sleep(max(0.0, second + _TICK_PHASE - time.time()))
            ms = max(now_ms(), second * 1000)  # never a second already published
            second = ms // 1000 + 1  # each second once, in order
            payloads = {
                "seconds": str(ms // 1000),
                "millis": str(ms),
                "ISO-8601": iso_ms(ms),
            }
            hour = (ms // 3_600_000) % 24
            if hour != last_hour:
                payloads["hours"] = str(hour)
                last_hour = hour
            for name, payload in payloads.items():
                subs = self.registry.time.get(name)
                if not subs:
                    continue
                msg = Message(f"time/{name}", payload.encode(), 0)
                cache: dict[Any, bytes] = {}
                for (session, _filter), sub in list(subs.items()):
                    try:
                        session.deliver(msg, sub, cache)
                    except Exception as error:
                        delivery_failed(session, error)


# Where in each second the time topics are published (see ``_publish_time``).
_TICK_PHASE = 0.5


def _holder(key: tuple[int, str]) -> str:
    """The bus name under which the process holding a session is recorded."""
    return f"session:{key[0]}:{key[1]}"
