"""Integrations that devices use: the time service (rest-api.md §6.11)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import PlainTextResponse, Response

from stonechat.domain.text import check_text
from stonechat.protocols.http.deps import OwnerDep
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.responses import JSON, error
from stonechat.protocols.http.schemas import Error, TimeStruct
from stonechat.services import timeinfo

router = APIRouter(tags=["integrations"], dependencies=CHECKED)

_UNAVAILABLE = "Weather, air quality, words, image formatter: not offered by this server"


# The longest IANA zone name is 32 characters; a longer one would reach the file system.
MAX_ZONE_NAME = 64


def _zone(tz: str | None) -> str | None:
    return None if tz is None else check_text(tz, "tz", MAX_ZONE_NAME)


@router.get(
    "/{username}/integrations/time/struct.json",
    summary="Time as Ruby Time fields",
    response_model=TimeStruct,
)
async def time_struct(acc: OwnerDep, tz: str | None = None) -> Response:
    return JSON(timeinfo.struct(timeinfo.now_in(_zone(tz), acc.user.time_zone)))


@router.get(
    "/{username}/integrations/time/strftime",
    summary="Time formatted as plain text",
    response_class=PlainTextResponse,
)
async def time_strftime(acc: OwnerDep, tz: str | None = None, fmt: str | None = None) -> Response:
    return PlainTextResponse(timeinfo.strftime(timeinfo.now_in(_zone(tz), acc.user.time_zone), fmt))


@router.get(
    "/{username}/integrations/time/seconds",
    summary="Epoch seconds as text",
    response_class=PlainTextResponse,
)
async def time_seconds(acc: OwnerDep) -> Response:
    return PlainTextResponse(str(int(timeinfo.now_in("UTC", None).timestamp())))


@router.get(
    "/{username}/integrations/time/millis",
    summary="Epoch milliseconds as text",
    response_class=PlainTextResponse,
)
async def time_millis(acc: OwnerDep) -> Response:
    return PlainTextResponse(str(int(timeinfo.now_in("UTC", None).timestamp() * 1000)))


def _unavailable(service: str) -> Response:
    return error(
        404,
        f"not found - the {service} integration depends on Adafruit's hosted services and is "
        "not available on this server",
    )


# Always 404: the error is the only answer. ``rest`` is declared: a ``{rest:path}``
# segment needs its parameter in the document.
@router.get(
    "/{username}/integrations/{service}/{rest:path}",
    summary=_UNAVAILABLE,
    operation_id="unavailable_integration_get",
    status_code=404,
    response_model=Error,
)
@router.post(
    "/{username}/integrations/{service}/{rest:path}",
    summary=_UNAVAILABLE,
    operation_id="unavailable_integration_post",
    status_code=404,
    response_model=Error,
)
@router.delete(
    "/{username}/integrations/{service}/{rest:path}",
    summary=_UNAVAILABLE,
    operation_id="unavailable_integration_delete",
    status_code=404,
    response_model=Error,
)
async def unavailable(acc: OwnerDep, service: str, rest: str) -> Response:
    return _unavailable(service)


@router.get("/{username}/integrations/{service}", include_in_schema=False)
@router.post("/{username}/integrations/{service}", include_in_schema=False)
@router.delete("/{username}/integrations/{service}", include_in_schema=False)
async def unavailable_service(acc: OwnerDep, service: str) -> Response:
    return _unavailable(service)
