"""Moving in from Adafruit IO from the web UI: a background job per user.

The web UI gives an Adafruit IO username and key; the import (``services/import_aio.py``
through ``services/account_import.py``, as ``stonechat import-aio`` does) runs in this
process as a task that outlives the request, and writes its progress to the jobs table
(``storage/jobs.py``), where any process reads it. Interrupted (a restart), it is started
again and skips what is here already.

The source is the operator's (``STONECHAT_IMPORT_AIO_URL``, io.adafruit.com by default),
never an address a user names, and every page it reads stays on that server: the server
makes no request to an address a user chose. The key lives in the task's memory only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import httpx

from stonechat.domain.errors import Conflict, Invalid, StonechatError, Unavailable
from stonechat.domain.records import Job, User
from stonechat.domain.timestamps import now_ms, parse_time
from stonechat.storage.jobs import JobStore

if TYPE_CHECKING:
    from stonechat.services.registry import Services

log = logging.getLogger(__name__)

KIND = "import-aio"
HEARTBEAT = 5.0  # seconds between progress writes (records.JOB_STALE_MS is far longer)
MAX_RUNNING = 2  # imports running at once in one process
_USERNAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KEY = re.compile(r"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces


class ImportJobs:
    def __init__(self, services: Services, source: str) -> None:
        self.services = services
        self.source = source
        self.store = JobStore(services.data.store.db)
        self._tasks: set[asyncio.Task[None]] = set()

    async def status(self, user: User) -> tuple[Job | None, bool]:
        """The user's last import and whether it was interrupted (its process stopped)."""
        job = await self.store.get(user.id, KIND)
        return job, job is not None and job.interrupted(now_ms())

    async def start(self, user: User, body: Any) -> Job:
        username, key, since = _fields(body)
        if len(self._tasks) >= MAX_RUNNING:
            raise Unavailable("the server is moving other accounts in; try again in a minute")
        if not await self.store.claim(user.id, KIND, f"reading {self.source}", now_ms()):
            raise Conflict("an import into this account is running already")
        task = asyncio.create_task(self._run(user, username, key, since), name="import-aio")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        job = await self.store.get(user.id, KIND)
        assert job is not None
        return job

    async def close(self) -> None:
        """Stop the imports running here (server shutdown): their jobs go stale."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, user: User, username: str, key: str, since: int | None) -> None:
        from stonechat.services.account_import import import_into
        from stonechat.services.import_aio import AioSource

        line = [f"reading {self.source}"]  # the last progress line only: memory stays flat

        def said(text: str) -> None:
            line[0] = text

        heartbeat = asyncio.create_task(self._beat(user, line))
        headers = {"X-AIO-Key": key, "User-Agent": "stonechat import-aio (web UI)"}
        try:
            async with httpx.AsyncClient(
                base_url=self.source,
                headers=headers,
                timeout=60,
                follow_redirects=False,
                trust_env=False,
            ) as client:
                reader = AioSource(client, username, since, progress=said)
                report = await import_into(self.services, user, reader)
            state, message, counts = "done", _summary(username, self.source, report), report
        except StonechatError as error:
            state, message, counts = "failed", error.message, Counter()
        except Exception:
            log.exception("import from %s for %s failed", self.source, user.username)
            state, message, counts = "failed", "the import failed (see the server's log)", Counter()
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        await self.store.write(
            user.id, KIND, message=message, report=dict(counts), now=now_ms(), state=state
        )

    async def _beat(self, user: User, line: list[str]) -> None:
        """Write the last progress line every ``HEARTBEAT`` seconds (and so stay fresh)."""
        while True:
            await asyncio.sleep(HEARTBEAT)
            with contextlib.suppress(StonechatError):
                await self.store.write(user.id, KIND, message=line[0], report={}, now=now_ms())


def _fields(body: Any) -> tuple[str, str, int | None]:
    if not isinstance(body, dict):
        raise Invalid('send {"username": ..., "key": ..., "since": optional}')
    username, key, since = body.get("username"), body.get("key"), body.get("since")
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise Invalid("username: your Adafruit IO username (letters, digits, - and _)")
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise Invalid("key: your Adafruit IO key (at most 128 characters, no spaces)")
    start = None
    if since not in (None, ""):
        start = parse_time(since, "since")
    return username, key, start


def _summary(username: str, source: str, report: Counter[str]) -> str:
    from stonechat.services.account_import import describe

    return f"imported {username} from {source}: {describe(report)}"
