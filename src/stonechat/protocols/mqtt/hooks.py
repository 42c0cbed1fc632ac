"""What the generic MQTT core asks of the application it serves.

The core (sessions, routing, retained messages, the free-form namespace) knows MQTT, not
Adafruit IO. Whatever needs the application's rules or its services goes through one
``Hooks`` object handed to the broker by the composition root (``runtime.py``), in the
manner of aedes' ``authenticate`` / ``authorizePublish`` / ``authorizeSubscribe``: signing
in, bans, publishes to feed and group topics, who may hold a guarded subscription, the
rights of a restored session. ``stonechat.protocols.mqtt.adafruit`` implements it; unit
tests of the core use fakes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from stonechat.domain.access import Principal
    from stonechat.domain.records import User
    from stonechat.domain.topics import FeedTopic, GroupTopic
    from stonechat.protocols.mqtt.codec import Connect, Publish
    from stonechat.protocols.mqtt.connection import Connection, Handled
    from stonechat.protocols.mqtt.messages import Subscription
    from stonechat.protocols.mqtt.replies import ConnectRefusal
    from stonechat.protocols.mqtt.session import Session
    from stonechat.protocols.mqtt.state import BrokerState


class Hooks(Protocol):
    """The application's rules, called by the core. Fast paths (``blocked``, ``publish``)
    must answer without waiting when they can; the rest may be coroutines."""

    # -- lifecycle -------------------------------------------------------------------------

    def attach(self, broker: BrokerState) -> None:
        """Once, when the broker is built: the core the hooks deliver into."""

    def start(self) -> None:
        """The broker starts: listen to the application's events (stored points, changes
        of keys, tokens and access)."""

    def stop(self) -> None:
        """The broker begins to stop: no more checks or watches."""

    def stopped(self) -> None:
        """The broker's state is written: stop taking the application's events."""

    # -- CONNECT ---------------------------------------------------------------------------

    async def authenticate(self, conn: Connection, packet: Connect) -> Principal | ConnectRefusal:
        """Who signs in with this CONNECT's username and password, or why it is refused
        (a ban, the connection rate, wrong credentials, the database away)."""
        ...

    def signed_in(self, conn: Connection, principal: Principal, password: str) -> None:
        """A connection was accepted: remember what signed it in (to end it when the key
        changes or the token goes)."""

    async def restore_principal(self, user_id: int, token_id: int | None) -> Principal | None:
        """The rights of a stored session: its user, with its token; None when either is
        gone (the session then ends)."""
        ...

    async def reauthorize(self, session: Session) -> None:
        """Check every subscription of ``session`` again for its (new) principal; drop the
        ones it may no longer hold."""

    # -- bans ------------------------------------------------------------------------------

    def blocked(self, owner: str) -> bool:
        """Whether the user (lower-case username) is banned now: a dict lookup."""
        ...

    def refuse_publish(self, conn: Connection, packet: Publish) -> None:
        """A PUBLISH of a banned user: report and refuse it."""

    def refuse_subscribe(self, conn: Connection, topic_filter: str) -> None:
        """One filter of a SUBSCRIBE of a banned user: report it (the core SUBACKs)."""

    def subscribing(self, username: str) -> None:
        """A SUBSCRIBE was received (it counts toward a ban)."""

    def publish_refused(self, username: str) -> None:
        """A PUBLISH was refused for what it is (it counts toward a ban)."""

    def subscribe_refused(self, username: str) -> None:
        """A filter was refused for what it is (it counts toward a ban)."""

    # -- notices ---------------------------------------------------------------------------

    def noticed(self, username: str, name: str, payload: bytes) -> None:
        """A notice on ``{username}/{name}`` was delivered in this process (made here or in
        another process): for the application's other listeners. Must not block."""

    # -- PUBLISH ---------------------------------------------------------------------------

    def publish(self, conn: Connection, topic: FeedTopic | GroupTopic, packet: Publish) -> Handled:
        """A client's publish to a feed or group topic (``/get`` included): store it or
        answer it; acknowledge it (``replies``) once that is done."""
        ...

    def publish_will(
        self, principal: Principal, user: User, topic: FeedTopic, packet: Publish
    ) -> Handled:
        """A will on a feed topic, written as if its user had published it."""
        ...

    # -- SUBSCRIBE -------------------------------------------------------------------------

    def access_epoch(self) -> int:
        """A number that changes whenever access changes (a SUBSCRIBE that was checked
        meanwhile is checked again)."""
        ...

    async def authorize(self, principal: Principal, subs: list[Subscription]) -> list[bool]:
        """May ``principal`` hold each of these guarded subscriptions? Sets what the
        subscriptions need for delivery (the owner's id, a group's readable feeds)."""
        ...

    def recheck(self, owner_ids: set[int]) -> None:
        """Check the guarded subscriptions on these owners' resources again."""
