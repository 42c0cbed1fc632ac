"""The key watch: connections signed in with a key regenerated elsewhere (e.g. by the CLI),
or with a token deleted or expired, are ended (the signals and the expiry timer usually come
first; this catches the rest)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from stonechat.domain.errors import Unavailable

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.adafruit.guard import Guard
    from stonechat.protocols.mqtt.state import BrokerState
    from stonechat.services.registry import Services

log = logging.getLogger(__name__)


class KeyWatch:
    """A task that ends connections whose key or token is no longer valid."""

    def __init__(self, broker: BrokerState, services: Services, guard: Guard) -> None:
        self.broker = broker
        self.services = services
        self.guard = guard
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="mqtt-keys")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.broker.config.key_check_seconds)
            try:
                await self._check_keys()
                await self._check_tokens()
            except Unavailable:  # the database away: try again next round (the outage is
                continue  # logged by the ingest and the limiter, not every two seconds here)
            except Exception:  # try again next round
                log.warning("could not check MQTT sessions' keys", exc_info=True)

    async def _check_keys(self) -> None:
        signed_in = [c for c in self.broker.connections if c.session and c.key_hash]
        if not signed_in:
            return
        user_ids = list({c.session.user.id for c in signed_in if c.session})
        current = await self.services.accounts.current_key_hashes(user_ids)
        for conn in signed_in:
            session = conn.session
            if session is not None and current.get(session.user.id) != conn.key_hash:
                self.broker.stats["revoked"] += 1
                conn.disconnect(0x98)  # administrative action: the key changed

    async def _check_tokens(self) -> None:
        with_token = [c for c in self.broker.connections if c.session and c.token_id is not None]
        if not with_token:
            return
        valid = await self.guard.valid_tokens(list({c.token_id for c in with_token if c.token_id}))
        for conn in with_token:
            if conn.token_id not in valid and not conn.closed:
                self.broker.stats["tokens_revoked"] += 1
                conn.disconnect(0x98)  # administrative action: the token is gone
