"""Sessions: find, attach, take over, detach, expire, end, restore.

A session outlives its connection when it is persistent (Session Expiry Interval > 0,
[MQTT-3.1.2-23]); across processes Redis records which process holds each (user, client
id) under ``session_holder(key)``, and the database keeps what it holds (``journal``).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from stonechat.bus.signals import TAKEOVER, session_holder
from stonechat.domain.timestamps import now_ms
from stonechat.protocols.mqtt import wills
from stonechat.protocols.mqtt.codec import Pubrel
from stonechat.protocols.mqtt.session import Session

if TYPE_CHECKING:
    from stonechat.domain.access import Principal
    from stonechat.domain.records import User
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.persistence import StoredSession
    from stonechat.protocols.mqtt.state import BrokerState


def new(state: BrokerState, user: User, client_id: str) -> Session:
    """A new session of ``user`` with the broker's limits and byte budget."""
    return Session(
        user,
        client_id,
        max_inflight=state.config.max_inflight,
        max_queued=state.config.max_queued,
        budget=state.budget,
    )


async def claim(state: BrokerState, user: User, client_id: str, clean_start: bool) -> None:
    """Find the client's session before it attaches, wherever it is kept.

    Across processes Redis records which process holds each (user, client id). If
    another one does, it ends that connection (takeover), writes what it has of the
    session and lets go; this process then reads the session from the database (also
    when the holder is gone). An offline session's messages are read back from the
    database here, so the client gets them right after its CONNACK.
    """
    key = (user.id, client_id)
    if state.bus.distributed and state.store is not None:
        previous = await state.bus.claim(session_holder(key))
        if previous is not None and previous != state.bus.node:
            state.stats["remote_takeovers"] += 1
            await state.bus.request(
                previous,
                TAKEOVER,
                {"user_id": user.id, "client_id": client_id, "clean_start": clean_start},
                wait=state.config.takeover_timeout,
            )
        if not clean_start and previous != state.bus.node and key not in state.sessions:
            stored = await state.store.session(key)
            if stored is not None:
                await restore(state, stored)
    session = state.sessions.get(key)
    if session is not None and not clean_start and session.stored and session.conn is None:
        await read_back(state, session)


async def read_back(state: BrokerState, session: Session) -> None:
    """An offline session's messages, from the store into memory."""
    assert state.store is not None and state.journal is not None
    below = session.came_back()  # from here on new messages stay in memory too
    try:
        await state.journal.flush()
        rows = await state.store.messages(session.key, below)
    except Exception:
        session.stored_count += len(session.queue or ())  # all journaled: back to the store
        session.queue = None
        session.stored = True
        raise
    session.load(rows)


def attach(
    state: BrokerState,
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
    existing = state.sessions.get(key)
    if existing is not None and existing.conn is not None:
        take_over(state, existing)
        if existing.expiry <= 0:
            discard(state, existing)
            existing = None
    present = existing is not None and not clean_start
    if existing is not None and clean_start:
        if existing.will_handle is not None:  # the session ends: its delayed will goes now
            existing.will_handle.cancel()
            wills.publish_delayed(state, existing)
        discard(state, existing)
    elif clean_start and state.journal is not None and state.bus.distributed:
        state.journal.purge(key)  # what another process kept of it [MQTT-3.1.2-4]
    session = existing if present and existing is not None else new(state, user, client_id)
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
    state.sessions[key] = session
    if state.journal is not None:
        if expiry > 0:
            session.persist(state.journal)
        else:
            session.forget()  # no longer kept beyond this connection
    return session, present


def take_over(state: BrokerState, session: Session) -> None:
    """End the session's connection because another one claims its client id."""
    old = session.conn
    assert old is not None
    state.stats["takeovers"] += 1
    old.disconnect(0x8E)  # session taken over (sent while it still has a session)
    old.let_go()  # its close no longer touches the session
    session.conn = None
    wills.fire(state, session, old.clean_exit)  # [MQTT-3.1.4-3]


def resume(state: BrokerState, session: Session) -> None:
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


def closed(state: BrokerState, conn: Connection) -> None:
    """A connection ended: detach its session, unless another connection took it over."""
    session = conn.session
    if session is None or session.conn is not conn:
        return
    detach(state, conn, session)


def detach(state: BrokerState, conn: Connection, session: Session) -> None:
    """The session's client is gone: fire its will; end it, or keep it until it expires."""
    session.conn = None
    state.registry.shares.disconnected(session)
    wills.fire(state, session, conn.clean_exit)
    if session.expiry <= 0:
        discard(state, session)
    else:
        session.went_offline()
        expire_later(state, session, session.expiry)


def expire_later(state: BrokerState, session: Session, seconds: float) -> None:
    """End ``session`` after ``seconds`` unless its client comes back first."""

    def expire() -> None:
        if session.conn is None and state.sessions.get(session.key) is session:
            discard(state, session)

    session.expiry_handle = asyncio.get_running_loop().call_later(seconds, expire)


def end(state: BrokerState, session: Session) -> None:
    """End an offline session (its token was deleted): subscriptions, queue and all."""
    if session.conn is None:
        for handle in (session.expiry_handle, session.will_handle):
            if handle is not None:
                handle.cancel()
        session.will = session.will_handle = None
        discard(state, session)


def discard(state: BrokerState, session: Session, release: bool = True) -> None:
    """End a session: subscriptions, what it kept, and its stored copy."""
    state.registry.shares.ended(session)
    for sub in session.subscriptions.values():
        state.registry.remove(session, sub)
    session.subscriptions.clear()
    session.forget()
    session.discard_messages()
    if state.sessions.get(session.key) is session:
        del state.sessions[session.key]
        if release and state.bus.distributed:
            task = asyncio.get_running_loop().create_task(
                state.bus.release(session_holder(session.key))
            )
            state.in_background(task)


async def restore(state: BrokerState, stored: StoredSession) -> None:
    """A stored session, offline until its client connects (expired ones are dropped)."""
    row = stored.row
    key = (row.user_id, row.client_id)
    principal = await state.hooks.restore_principal(row.user_id, row.token_id)
    if principal is None or (row.expires_at is not None and row.expires_at <= now_ms()):
        # The user, or the token it signed in with, is gone; or it expired.
        if state.journal is not None:
            state.journal.purge(key)
        return
    session = await adopt(state, principal, stored)
    if session is not None and state.bus.distributed:
        await state.bus.claim(session_holder(session.key))  # reconnecting clients find it here


async def adopt(state: BrokerState, principal: Principal, stored: StoredSession) -> Session | None:
    """A stored persistent session, offline until its client connects; its messages
    stay in the store until then.

    Signed in with a token, it keeps the token's rights (a token gone meanwhile ended
    it: ``Hooks.restore_principal``). Its subscriptions are checked again: access may
    have changed while it was away.
    """
    row = stored.row
    user = principal.user
    assert user is not None
    session = new(state, user, row.client_id)
    session.principal = principal
    session.apply(row)
    session.next_seq = stored.next_seq
    session.stored_count = stored.messages
    state.budget.count(session, stored.message_bytes)
    session.journal = state.journal
    session.stored = True
    if session.expires_at is None:  # it was connected when the server went down
        session.went_offline()
    assert session.expires_at is not None
    for sub in session.subscriptions.values():
        state.registry.add(session, sub)
    state.sessions[session.key] = session
    expire_later(state, session, max(0.0, (session.expires_at - now_ms()) / 1000))
    await state.hooks.reauthorize(session)
    return session
