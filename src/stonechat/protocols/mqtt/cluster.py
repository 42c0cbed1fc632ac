"""Cross-process messaging of the broker core: free-form routes, notices, revoked keys,
takeovers of a client id held elsewhere, sessions let go by a stopping process. (Shared
subscriptions' own messages are in ``share_cluster``.)"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Any

from stonechat.bus.signals import (
    NOTICE,
    REVOKE,
    ROUTE,
    SESSIONS_SAVED,
    TAKEOVER,
)
from stonechat.domain.timestamps import now_ms
from stonechat.protocols.mqtt import sessions, wills
from stonechat.protocols.mqtt.delivery import deliver_free
from stonechat.protocols.mqtt.messages import message_from_state
from stonechat.protocols.mqtt.notices import remote_notice
from stonechat.protocols.mqtt.share_cluster import ShareCluster

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.persistence import StateStore
    from stonechat.protocols.mqtt.state import BrokerState


def start(state: BrokerState) -> None:
    """Take the other processes' messages (when there are other processes)."""
    bus = state.bus
    if not bus.distributed:
        return
    bus.on(ROUTE, partial(remote_route, state))
    bus.on(NOTICE, partial(remote_notice, state))
    bus.on(REVOKE, lambda body: revoke_here(state, int(body["user_id"])))
    bus.on_request(TAKEOVER, partial(hand_over, state))
    bus.on(SESSIONS_SAVED, partial(adopt_saved, state))
    state.registry.shares.cluster = ShareCluster(
        bus, state.registry.shares, state.config.share_announce_seconds
    )
    state.registry.shares.cluster.start()


def remote_route(state: BrokerState, body: dict[str, Any]) -> None:
    """A free-form publish made in another process (retained ones are kept here too;
    the process that took the publish wrote them to the database)."""
    owner = str(body["owner"])
    msg = message_from_state(body["message"])
    if msg.retain:
        state.retained.put(owner, msg)
    deliver_free(state, owner, None, msg, body.get("id"))


async def hand_over(state: BrokerState, body: dict[str, Any]) -> dict[str, Any] | None:
    """Another process took a client id over: end the connection here, write what the
    session has, and let it go (the other process reads it from the database)."""
    key = (int(body["user_id"]), str(body["client_id"]))
    session = state.sessions.get(key)
    if session is None:
        return {"released": True}
    if session.conn is not None:
        sessions.take_over(state, session)
    for handle in (session.expiry_handle, session.will_handle):
        if handle is not None:
            handle.cancel()
    if session.will_handle is not None or session.will is not None:
        if body.get("clean_start"):
            wills.publish_delayed(state, session)  # the session ends: its will goes now
        session.will = session.will_handle = None
    for sub in session.subscriptions.values():  # no more deliveries here
        state.registry.remove(session, sub)
    del state.sessions[key]
    if state.journal is not None:
        session.expires_at = now_ms() + int(session.expiry * 1000)
        session.changed()
        await state.journal.flush()
    session.journal = None
    session.discard_messages()
    return {"released": True}


def adopt_saved(state: BrokerState, body: dict[str, Any]) -> None:
    """Another process stopped and let go of its sessions: the first to take one keeps it."""
    if state.stopping or state.store is None:
        return
    keys = [(int(user_id), str(client_id)) for user_id, client_id in body["sessions"]]
    task = asyncio.get_running_loop().create_task(take_saved(state, state.store, keys))
    state.adopting.add(task)
    task.add_done_callback(state.adopting.discard)


async def take_saved(state: BrokerState, store: StateStore, keys: list[tuple[int, str]]) -> None:
    """Adopt the sessions a stopping process let go of, those no other process took first."""
    for key in keys:
        if state.stopping:
            return
        if key in state.sessions or not await store.adopt(key):  # one process wins each
            continue
        stored = await store.session(key)
        if stored is not None:
            await sessions.restore(state, stored)


def revoke(state: BrokerState, user_id: int) -> None:
    """A regenerated key ends every MQTT connection of that user at once, everywhere."""
    revoke_here(state, user_id)
    state.bus.broadcast(REVOKE, {"user_id": user_id})


def revoke_here(state: BrokerState, user_id: int) -> None:
    """End this process's connections signed in with ``user_id``'s master key (0x98)."""
    for conn in list(state.connections):
        session = conn.session
        if session is not None and session.user.id == user_id and conn.token_id is None:
            conn.disconnect(0x98)  # administrative action
