"""Signing in: a CONNECT's username and password (the master AIO key or one of the user's
scoped tokens, ``aiotok_...``, used with its owner's username); ``services.access`` says
which and to whom it belongs. Bans are asked first; failed sign-ins are counted toward one
(mqtt-api.md §7), successful ones not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stonechat.domain.access import Principal
from stonechat.domain.errors import AccountDisabled, StonechatError, Unavailable

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.adafruit.enforcement import Enforcement
    from stonechat.protocols.mqtt.adafruit.guard import Guard
    from stonechat.protocols.mqtt.codec import Connect
    from stonechat.protocols.mqtt.connection import Connection
    from stonechat.protocols.mqtt.replies import ConnectRefusal
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services


class SignIn:
    """CONNECT credentials -> a principal, and what is remembered of them."""

    def __init__(
        self, broker: BrokerState, services: Services, enforcement: Enforcement, guard: Guard
    ) -> None:
        self.broker = broker
        self.services = services
        self.enforcement = enforcement
        self.guard = guard

    async def authenticate(self, conn: Connection, packet: Connect) -> Principal | ConnectRefusal:
        """Who signs in with ``packet`` (username and password both present), or why not:
        3.1.1 code 5 "not authorized" for wrong credentials (what Adafruit IO's clients
        treat as fatal), MQTT 5 0x86 "bad user name or password"."""
        v5 = packet.protocol_level == 5
        assert packet.username is not None and packet.password is not None
        bans = self.services.limiter.config.bans
        if bans:  # banned (§7)
            refusal = self.enforcement.admit(packet.username)
            if refusal is not None:
                return refusal
        key = packet.password.decode("utf-8", errors="replace")
        try:
            principal = await self.services.access.authenticate(key)
        except Unavailable:  # the database is away: not the client's fault, nothing counted
            return "unavailable"
        except AccountDisabled:  # the right key of a disabled account: 3.1.1 5, MQTT 5 0x87
            return "authorized"
        except StonechatError:
            principal = Principal(None)
        user = principal.user
        # A token signs in with its owner's username.
        if user is None or user.username.lower() != packet.username.lower():
            self.broker.stats["auth_failures"] += 1
            if bans:  # failed sign-ins, too many of them (§7)
                refusal = await self.enforcement.failed_sign_in(packet.username)
                if refusal is not None:
                    return refusal
            return "authorized" if not v5 else "credentials"
        return principal

    def signed_in(self, conn: Connection, principal: Principal, password: str) -> None:
        """Remember the key's hash (the key watch) or the token (its expiry, revocation)."""
        if principal.token is None:
            conn.key_hash = self.services.accounts.vault.hash(password)
        self.guard.signed_in(conn, principal)

    async def restore_principal(self, user_id: int, token_id: int | None) -> Principal | None:
        """A stored session's rights: its user, with the token it signed in with."""
        user = await self.services.accounts.users.by_id(user_id)
        if user is None:
            return None
        if token_id is None:
            return Principal(user)
        token = await self.guard.load_token(user, token_id)
        return Principal(user, token) if token is not None else None
