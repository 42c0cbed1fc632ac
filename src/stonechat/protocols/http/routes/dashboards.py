"""Dashboards, blocks and layouts (rest-api.md §6.6)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from stonechat.domain.errors import BadRequest
from stonechat.protocols.http import schemas, shaping
from stonechat.protocols.http.bodies import read_object
from stonechat.protocols.http.deps import AccountDep, OwnerDep
from stonechat.protocols.http.openapi import request_body
from stonechat.protocols.http.params import CHECKED
from stonechat.protocols.http.responses import JSON

router = APIRouter(tags=["dashboards"], dependencies=CHECKED)


@router.get(
    "/{username}/dashboards",
    summary="All dashboards with their blocks",
    response_model=list[schemas.Dashboard],
)
async def list_dashboards(acc: AccountDep) -> Response:
    items = await acc.services.dashboards.for_user(acc.owner.id)
    items = await acc.readable(items)
    return JSON(await shaping.dashboards(acc.services, acc.principal, acc.owner, items))


@router.post(
    "/{username}/dashboards",
    summary="Create a dashboard",
    status_code=201,
    response_model=schemas.Dashboard,
    openapi_extra=request_body(schemas.DashboardBody, "dashboard"),
)
async def create_dashboard(acc: OwnerDep, request: Request) -> Response:
    body = await read_object(request, "dashboard")
    dashboard = await acc.services.dashboards.create(acc.user, body)
    [shaped] = await shaping.dashboards(acc.services, acc.principal, acc.owner, [dashboard], True)
    return JSON(shaped, status_code=201)


@router.get(
    "/{username}/dashboards/{dashboard_key}",
    summary="One dashboard with layouts",
    response_model=schemas.Dashboard,
)
async def get_dashboard(acc: AccountDep, dashboard_key: str) -> Response:
    dashboard = await acc.services.dashboards.get(acc.owner, dashboard_key)
    await acc.require_read(dashboard, f"dashboard '{dashboard_key}'")
    [shaped] = await shaping.dashboards(acc.services, acc.principal, acc.owner, [dashboard], True)
    return JSON(shaped)


@router.put(
    "/{username}/dashboards/{dashboard_key}",
    summary="Replace a dashboard's fields",
    response_model=schemas.Dashboard,
    openapi_extra=request_body(schemas.DashboardBody, "dashboard"),
)
@router.patch(
    "/{username}/dashboards/{dashboard_key}",
    summary="Update a dashboard's fields",
    response_model=schemas.Dashboard,
    openapi_extra=request_body(schemas.DashboardBody, "dashboard"),
)
async def update_dashboard(acc: OwnerDep, dashboard_key: str, request: Request) -> Response:
    dashboard = await acc.services.dashboards.get(acc.user, dashboard_key)
    body = await read_object(request, "dashboard")
    updated = await acc.services.dashboards.update(acc.user, dashboard, body)
    [shaped] = await shaping.dashboards(acc.services, acc.principal, acc.owner, [updated], True)
    return JSON(shaped)


@router.delete(
    "/{username}/dashboards/{dashboard_key}",
    summary="Delete a dashboard",
    response_model=schemas.Dashboard,
)
async def delete_dashboard(acc: OwnerDep, dashboard_key: str) -> Response:
    dashboard = await acc.services.dashboards.get(acc.user, dashboard_key)
    [shaped] = await shaping.dashboards(acc.services, acc.principal, acc.owner, [dashboard], True)
    await acc.services.dashboards.delete(acc.user, dashboard)
    return JSON(shaped)


@router.post(
    "/{username}/dashboards/{dashboard_key}/update_layouts",
    summary="Replace the layouts of some breakpoints (null leaves one unchanged)",
    response_model=schemas.Dashboard,
    openapi_extra=request_body(schemas.LayoutsBody, "dashboard", form=False),
)
async def update_layouts(acc: OwnerDep, dashboard_key: str, request: Request) -> Response:
    dashboard = await acc.services.dashboards.get(acc.user, dashboard_key)
    body = await read_object(request, "dashboard")
    if "layouts" not in body:
        raise BadRequest('body must be {"layouts": {"lg": [...], ...}}')
    updated = await acc.services.dashboards.update_layouts(dashboard, body["layouts"])
    [shaped] = await shaping.dashboards(acc.services, acc.principal, acc.owner, [updated], True)
    return JSON(shaped)


@router.get(
    "/{username}/dashboards/{dashboard_key}/blocks",
    summary="Blocks of a dashboard",
    response_model=list[schemas.Block],
)
async def list_blocks(acc: AccountDep, dashboard_key: str) -> Response:
    dashboard = await acc.services.dashboards.get(acc.owner, dashboard_key)
    await acc.require_read(dashboard, f"dashboard '{dashboard_key}'")
    [shaped] = await shaping.dashboards(acc.services, acc.principal, acc.owner, [dashboard])
    return JSON(shaped["blocks"])


@router.post(
    "/{username}/dashboards/{dashboard_key}/blocks",
    summary="Create a block",
    response_model=schemas.Block,
    openapi_extra=request_body(schemas.BlockBody, "block", form=False),
)
async def create_block(acc: OwnerDep, dashboard_key: str, request: Request) -> Response:
    dashboard = await acc.services.dashboards.get(acc.user, dashboard_key)
    body = await read_object(request, "block")
    block = await acc.services.dashboards.create_block(acc.user, dashboard, body)
    return JSON(await shaping.block(acc.services, acc.principal, acc.owner, block))


@router.get(
    "/{username}/dashboards/{dashboard_key}/blocks/{block_id}",
    summary="One block",
    response_model=schemas.Block,
)
async def get_block(acc: AccountDep, dashboard_key: str, block_id: str) -> Response:
    dashboard = await acc.services.dashboards.get(acc.owner, dashboard_key)
    await acc.require_read(dashboard, f"dashboard '{dashboard_key}'")
    block = await acc.services.dashboards.block(dashboard, block_id)
    return JSON(await shaping.block(acc.services, acc.principal, acc.owner, block))


@router.put(
    "/{username}/dashboards/{dashboard_key}/blocks/{block_id}",
    summary="Replace a block",
    response_model=schemas.Block,
    openapi_extra=request_body(schemas.BlockBody, "block", form=False),
)
@router.patch(
    "/{username}/dashboards/{dashboard_key}/blocks/{block_id}",
    summary="Update a block",
    response_model=schemas.Block,
    openapi_extra=request_body(schemas.BlockBody, "block", form=False),
)
async def update_block(
    acc: OwnerDep, dashboard_key: str, block_id: str, request: Request
) -> Response:
    dashboard = await acc.services.dashboards.get(acc.user, dashboard_key)
    block = await acc.services.dashboards.block(dashboard, block_id)
    body = await read_object(request, "block")
    updated = await acc.services.dashboards.update_block(acc.user, dashboard, block, body)
    return JSON(await shaping.block(acc.services, acc.principal, acc.owner, updated))


@router.delete(
    "/{username}/dashboards/{dashboard_key}/blocks/{block_id}",
    summary="Delete a block",
    response_model=schemas.Block,
)
async def delete_block(acc: OwnerDep, dashboard_key: str, block_id: str) -> Response:
    dashboard = await acc.services.dashboards.get(acc.user, dashboard_key)
    block = await acc.services.dashboards.block(dashboard, block_id)
    shaped = await shaping.block(acc.services, acc.principal, acc.owner, block)
    await acc.services.dashboards.delete_block(acc.user, dashboard, block)
    return JSON(shaped)
