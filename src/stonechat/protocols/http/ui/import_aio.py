"""``/ui/api/import-aio``: move an Adafruit IO account into your own, in the background
(``services/import_jobs.py``), and how far it got (docs/ui-api.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from stonechat.domain.errors import Unavailable
from stonechat.domain.records import Job
from stonechat.domain.timestamps import iso
from stonechat.protocols.http.deps import CurrentUser, ServicesDep
from stonechat.protocols.http.responses import JSON
from stonechat.protocols.http.ui.accounts import json_object
from stonechat.services.import_jobs import ImportJobs
from stonechat.services.registry import Services

router = APIRouter(tags=["web UI"])


def _jobs(services: Services) -> ImportJobs:
    if services.import_jobs is None:
        raise Unavailable("moving in from Adafruit IO is not available in this process")
    return services.import_jobs


def job_body(job: Job | None, interrupted: bool, source: str) -> dict[str, Any]:
    if job is None:
        return {"job": None, "source": source}
    return {
        "job": {
            "state": "interrupted" if interrupted else job.state,
            "message": job.message,
            "report": job.report,
            "started_at": iso(job.started_at),
            "updated_at": iso(job.updated_at),
        },
        "source": source,
    }


@router.get("/import-aio", summary="Your last move from Adafruit IO, and how far it got")
async def status(user: CurrentUser, services: ServicesDep) -> Response:
    jobs = _jobs(services)
    job, interrupted = await jobs.status(user)
    return JSON(job_body(job, interrupted, jobs.source))


@router.post("/import-aio", summary="Move an Adafruit IO account into yours, in the background")
async def start(request: Request, user: CurrentUser, services: ServicesDep) -> Response:
    jobs = _jobs(services)
    job = await jobs.start(user, await json_object(request))
    return JSON(job_body(job, False, jobs.source), 202)
