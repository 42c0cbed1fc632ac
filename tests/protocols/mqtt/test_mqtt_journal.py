"""The broker's state journal: batching, coalescing, commit-then-resolve, retry (fake store)."""

from __future__ import annotations

import asyncio

import pytest

from stonechat.domain.errors import Unavailable
from stonechat.domain.mqtt_state import Changes, MessageRow, RetainedRow, SessionRow
from stonechat.protocols.mqtt import journal as journal_module
from stonechat.protocols.mqtt.journal import Journal, StateUnavailable

KEY = (1, "c")


class FakeStore:
    def __init__(self) -> None:
        self.batches: list[Changes] = []
        self.fail = 0  # commits to refuse before accepting

    async def commit(self, changes: Changes) -> None:
        await asyncio.sleep(0)
        if self.fail:
            self.fail -= 1
            raise Unavailable("database away")
        self.batches.append(changes)


class FakeSession:
    key = KEY

    def __init__(self) -> None:
        self.expiry = 60

    def session_row(self) -> SessionRow:
        return SessionRow(1, "c", 4, self.expiry, None, None, b"[]", b"")


def row(seq: int, packet_id: int | None = None) -> MessageRow:
    return MessageRow(1, "c", seq, "u/t", b"x", 1, False, b"", None, packet_id)


def run(test: object) -> None:
    asyncio.run(test)  # type: ignore[arg-type]


def test_a_message_acknowledged_before_its_batch_is_never_written() -> None:
    async def go() -> None:
        store = FakeStore()
        journal = Journal(store)  # type: ignore[arg-type]
        journal.start()
        journal.message(KEY, row(1), True)
        journal.message(KEY, row(1, packet_id=5), False)  # sent: still a new row
        journal.message(KEY, row(2), True)
        journal.remove(KEY, 1)
        await journal.flush()
        assert [(c.messages, c.removed) for c in store.batches] == [([row(2)], [])]
        journal.message(KEY, row(2, packet_id=7), False)  # now an update of a written row
        journal.remove(KEY, 2)
        await journal.flush()
        assert store.batches[1].messages == [] and store.batches[1].removed == [(1, "c", 2)]
        await journal.close()

    run(go())


def test_a_purge_clears_earlier_changes_and_goes_before_later_ones() -> None:
    async def go() -> None:
        store = FakeStore()
        journal = Journal(store)  # type: ignore[arg-type]
        journal.start()
        session = FakeSession()
        journal.message(KEY, row(1), True)
        journal.session(session)
        journal.purge(KEY)
        journal.session(session)  # a new session with the same id
        journal.retain("u", "u/r", RetainedRow("u", "u/r", b"v", 1, b"", None))
        journal.retain("u", "u/r", None)
        await journal.flush()
        (batch,) = store.batches
        assert batch.purged == [KEY]
        assert [s.client_id for s in batch.sessions] == ["c"]
        assert batch.messages == [] and batch.retained == [] and batch.cleared == [("u", "u/r")]
        await journal.close()

    run(go())


def test_a_failed_commit_fails_its_waiters_and_is_retried_with_what_came_since(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(journal_module, "RETRY_FIRST", 0.01)

    async def go() -> None:
        store = FakeStore()
        store.fail = 2
        journal = Journal(store)  # type: ignore[arg-type]
        journal.start()
        journal.message(KEY, row(1), True)
        with pytest.raises(StateUnavailable):
            await journal.committed()
        journal.message(KEY, row(2), True)
        journal.remove(KEY, 1)  # never written: nothing to remove
        waiting = journal.committed()
        with pytest.raises(StateUnavailable):
            await waiting  # the second try fails too
        await journal.flush()  # the third commits everything
        assert [[m.seq for m in c.messages] for c in store.batches] == [[2]]
        assert store.batches[0].removed == []
        assert journal.failures == 2 and journal.commits == 1
        await journal.close()

    run(go())
