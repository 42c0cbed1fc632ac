"""Write-through of the broker's durable state, in batches.

Sessions, their messages and retained messages record each change here as it happens; one
writer task takes whatever is pending, commits it in one transaction (``StateStore.commit``)
and then resolves the futures of those waiting for it (a publisher's PUBACK). Changes made
while a commit runs go into the next one: there is no timer, the batch window is the length
of one commit. Changes coalesce: a message queued and acknowledged before its batch is
written never reaches the database, a session changed ten times is written once.

What is pending is bounded by the broker's own limits (bytes queued per session and per
user, retained messages per user, sessions per user), so a slow or absent database makes
this wait, not grow without bound beyond them. When a commit fails the waiters get
``StateUnavailable`` at once (no acknowledgement for what is not kept); while the database
is unreachable the batch is kept and tried again, merged with what came since, until it is
back. A batch the database refuses for another reason is logged and dropped, so that one bad
row cannot stop every later write.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol

from stonechat.domain.errors import Unavailable
from stonechat.protocols.mqtt.persistence import (
    Changes,
    MessageRow,
    RetainedRow,
    SessionKey,
    SessionRow,
    StateStore,
)

log = logging.getLogger(__name__)

RETRY_FIRST = 0.2  # seconds before a failed batch is tried again; doubles up to RETRY_MAX
RETRY_MAX = 5.0
CLOSE_TRIES = 3  # a final flush that keeps failing gives up after this many tries


class StateUnavailable(Exception):
    """The durable state could not be written (the database is away or refused it)."""


class Journaled(Protocol):
    """A session as the journal sees it: its key and, at commit time, its row."""

    @property
    def key(self) -> SessionKey: ...

    def session_row(self) -> SessionRow: ...


@dataclass(slots=True)
class _Batch:
    purged: set[SessionKey] = field(default_factory=set)
    sessions: dict[SessionKey, Journaled] = field(default_factory=dict)
    # per session: seq -> (row or None for a removal, the row is not in the database yet)
    messages: dict[SessionKey, dict[int, tuple[MessageRow | None, bool]]] = field(
        default_factory=dict
    )
    retained: dict[tuple[str, str], RetainedRow | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.purged or self.sessions or self.messages or self.retained)

    def purge(self, key: SessionKey) -> None:
        self.purged.add(key)
        self.sessions.pop(key, None)
        self.messages.pop(key, None)

    def message(self, key: SessionKey, row: MessageRow, new: bool) -> None:
        ops = self.messages.setdefault(key, {})
        earlier = ops.get(row.seq)
        ops[row.seq] = (row, new or (earlier is not None and earlier[1]))

    def remove(self, key: SessionKey, seq: int) -> None:
        ops = self.messages.setdefault(key, {})
        earlier = ops.get(seq)
        if earlier is not None and earlier[1]:  # never written: nothing to remove
            del ops[seq]
            if not ops:
                del self.messages[key]
            return
        ops[seq] = (None, False)

    def absorb(self, newer: _Batch) -> None:
        """Apply ``newer``'s changes on top of this (older, uncommitted) batch."""
        for key in newer.purged:
            self.purge(key)
        self.sessions.update(newer.sessions)
        for key, ops in newer.messages.items():
            for seq, (row, new) in ops.items():
                if row is None:
                    self.remove(key, seq)
                else:
                    self.message(key, row, new)
        self.retained.update(newer.retained)

    def changes(self) -> Changes:
        out = Changes(purged=sorted(self.purged))
        out.sessions = [s.session_row() for s in self.sessions.values()]
        for (user_id, client_id), ops in self.messages.items():
            for seq, (row, new) in ops.items():
                if row is None:
                    out.removed.append((user_id, client_id, seq))
                else:
                    if not new:  # an update: the old row goes first
                        out.removed.append((user_id, client_id, seq))
                    out.messages.append(row)
        for (owner, topic), kept in self.retained.items():
            if kept is None:
                out.cleared.append((owner, topic))
            else:
                out.retained.append(kept)
        return out


class Journal:
    """The one writer of the broker's durable state."""

    def __init__(self, store: StateStore) -> None:
        self.store = store
        self.commits = 0
        self.failures = 0
        self.recorded = 0  # changes recorded so far (a caller compares before and after)
        self._settled_upto = 0  # ``recorded`` as of the last batch committed
        self._pending = _Batch()
        self._waiter: asyncio.Future[None] | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    # -- recording -------------------------------------------------------------------------

    def session(self, session: Journaled) -> None:
        """The session's row changed (subscriptions, expiry, QoS 2 ids, ...)."""
        self._pending.sessions[session.key] = session
        self._poke()

    def purge(self, key: SessionKey) -> None:
        """The session ended: its row and every message of it go."""
        self._pending.purge(key)
        self._poke()

    def message(self, key: SessionKey, row: MessageRow, new: bool) -> None:
        """A message kept for a session (``new``), or its delivery state changed."""
        self._pending.message(key, row, new)
        self._poke()

    def remove(self, key: SessionKey, seq: int) -> None:
        """A message of a session is done (acknowledged, expired, dropped)."""
        self._pending.remove(key, seq)
        self._poke()

    def retain(self, owner: str, topic: str, row: RetainedRow | None) -> None:
        """A retained message set or replaced, or cleared (``None``)."""
        self._pending.retained[(owner, topic)] = row
        self._poke()

    def _poke(self) -> None:
        self.recorded += 1
        if not self._wake.is_set():
            self._wake.set()

    # -- waiting ---------------------------------------------------------------------------

    @property
    def settled(self) -> bool:
        """Whether every change recorded so far is committed (nothing to wait for)."""
        return self._settled_upto == self.recorded

    def committed(self) -> asyncio.Future[None]:
        """A future resolved once everything recorded so far is committed; it fails with
        ``StateUnavailable`` if the commit that carries it fails."""
        if self._waiter is None:
            self._waiter = asyncio.get_running_loop().create_future()
            if not self._wake.is_set():
                self._wake.set()
        return self._waiter

    async def flush(self) -> None:
        """Wait until everything recorded so far is committed."""
        if self._task is not None:
            await self.committed()

    # -- the writer ------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="mqtt-state-writer")

    async def close(self) -> None:
        """Commit what is pending (a few tries), then stop the writer."""
        if self._task is None:
            return
        self._closing = True
        self._poke()
        await self._task
        self._task = None

    async def _run(self) -> None:
        failed: _Batch | None = None
        delay = RETRY_FIRST
        tries = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, waiter = self._pending, self._waiter
            self._pending, self._waiter = _Batch(), None
            taken_upto = self.recorded
            if failed is not None:
                failed.absorb(batch)
                batch, failed = failed, None
            if batch:
                try:
                    await self.store.commit(batch.changes())
                except Exception as error:
                    tries += 1
                    self.failures += 1
                    if tries == 1 and isinstance(error, Unavailable):
                        log.error("could not write the MQTT state, retrying: %s", error)
                    if waiter is not None and not waiter.done():
                        waiter.set_exception(StateUnavailable(str(error)))
                    if not isinstance(error, Unavailable):
                        log.error("MQTT state refused by the database, dropped", exc_info=error)
                        tries = 0
                        if self._closing and not self._pending:
                            return
                        continue
                    if self._closing and tries >= CLOSE_TRIES:
                        log.error("MQTT state not written at shutdown: %r", error)
                        return
                    failed = batch
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RETRY_MAX)
                    self._wake.set()
                    continue
                self.commits += 1
                self._settled_upto = taken_upto
                if tries:
                    log.warning("MQTT state written again after %d failed tries", tries)
                tries, delay = 0, RETRY_FIRST
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            if self._closing and not self._pending:
                return
