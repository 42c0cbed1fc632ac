"""The jobs table on both databases: one running job per user and kind, claimed atomically;
a job gone silent (its process stopped) may be claimed again."""

from __future__ import annotations

import asyncio

from db_seed import open_db
from stonechat.domain.records import JOB_STALE_MS
from stonechat.storage.jobs import JobStore


def test_one_running_job_per_user_and_kind(url: str) -> None:
    async def go() -> None:
        db = await open_db(url)
        store = JobStore(db)
        try:
            assert await store.get(1, "import-aio") is None
            assert await store.claim(1, "import-aio", "reading", 1_000)
            assert not await store.claim(1, "import-aio", "again", 2_000)  # running
            assert await store.claim(1, "other-kind", "reading", 2_000)
            job = await store.get(1, "import-aio")
            assert job is not None and (job.state, job.message, job.started_at) == (
                "running",
                "reading",
                1_000,
            )
            await store.write(1, "import-aio", message="feed t: 10", report={}, now=5_000)
            assert not await store.claim(1, "import-aio", "again", 5_000 + JOB_STALE_MS)
            job = await store.get(1, "import-aio")
            assert job is not None and not job.interrupted(5_000 + JOB_STALE_MS)
            assert job.interrupted(5_001 + JOB_STALE_MS)
            # Silent for longer than JOB_STALE_MS: its process stopped; it starts again.
            assert await store.claim(1, "import-aio", "again", 5_001 + JOB_STALE_MS)
            await store.write(
                1, "import-aio", message="done", report={"points": 3}, now=9 * 10**12, state="done"
            )
            done = await store.get(1, "import-aio")
            assert done is not None and (done.state, done.report) == ("done", {"points": 3})
            assert await store.claim(1, "import-aio", "once more", 10**13)
        finally:
            await db.close()

    asyncio.run(go())
