"""Builds response bodies that need more than one record (feeds with groups, blocks...).

What a caller may see of the records is the access policy's call (``services.access``):
webhook tokens only for the owner, and inside groups and dashboards only the feeds and
groups the caller may read (the others are left out, or shown as ``null`` in blocks).
"""

from __future__ import annotations

from typing import Any

from stonechat.domain import shapes
from stonechat.domain.access import READ, Principal
from stonechat.domain.records import Block, Dashboard, Feed, Group, User
from stonechat.services.registry import Services


async def feeds(
    services: Services,
    principal: Principal,
    owner: User,
    items: list[Feed],
    details: bool = False,
) -> list[dict[str, Any]]:
    ids = [f.id for f in items]
    owns = services.access.owns(principal, owner)
    groups = await services.groups.store.groups_of_feeds(ids)
    receivers = await services.receivers.for_feeds(ids) if owns else {}
    changes = await services.feed_status.changes(ids) if services.feed_status else {}
    result = []
    for f in items:
        extra = None
        if details:
            first = await services.data.store.edge(f.id, newest=False)
            last = await services.data.store.edge(f.id, newest=True)
            # Who it is shared with: for the owner's eyes only (the access list is theirs).
            shared = await services.sharing.entries(f) if owns else []
            extra = {
                "shared_with": [
                    {"username": e.grantee, "mode": e.permission.mode}
                    for e in shared
                    if e.grantee is not None
                ],
                "data": {
                    "first": shapes.datum(first, f, services.retention) if first else None,
                    "last": shapes.datum(last, f, services.retention) if last else None,
                    "count": f.data_count,
                },
            }
        visible = await services.access.readable(principal, groups.get(f.id, []))
        result.append(
            shapes.feed(
                f,
                owner.username,
                visible,
                receivers.get(f.id, []),
                extra,
                changes.get(f.id),
                services.retention,
            )
        )
    return result


async def feed(
    services: Services, principal: Principal, owner: User, item: Feed, details: bool = False
) -> Any:
    return (await feeds(services, principal, owner, [item], details))[0]


async def groups(
    services: Services, principal: Principal, owner: User, items: list[Group]
) -> list[dict[str, Any]]:
    members = await services.groups.feed_store.in_groups([g.id for g in items])
    every = list({f.id: f for fs in members.values() for f in fs}.values())
    readable = await services.access.readable(principal, every)
    shaped = {s["id"]: s for s in await feeds(services, principal, owner, readable)}
    return [
        shapes.group(
            g, owner.username, [shaped[f.id] for f in members.get(g.id, []) if f.id in shaped]
        )
        for g in items
    ]


async def dashboards(
    services: Services,
    principal: Principal,
    owner: User,
    items: list[Dashboard],
    layouts: bool = False,
) -> list[dict[str, Any]]:
    blocks = await services.dashboards.blocks(items)
    every = [b for bs in blocks.values() for b in bs]
    feeds_by_id, groups_by_id = await _references(services, principal, owner, every)
    return [
        shapes.dashboard(
            d,
            owner.username,
            [shapes.block(b, feeds_by_id, groups_by_id) for b in blocks.get(d.id, [])],
            layouts,
        )
        for d in items
    ]


async def block(services: Services, principal: Principal, owner: User, item: Block) -> Any:
    feeds_by_id, groups_by_id = await _references(services, principal, owner, [item])
    return shapes.block(item, feeds_by_id, groups_by_id)


async def _references(
    services: Services, principal: Principal, owner: User, blocks: list[Block]
) -> tuple[dict[int, Feed], dict[int, Group]]:
    """The feeds and groups the blocks name that belong to the dashboard's owner and that
    the caller may read; blocks show the others as ``null``."""
    feeds_by_id, groups_by_id = await services.dashboards.block_references(blocks, owner.id)
    return (
        {f.id: f for f in feeds_by_id.values() if await services.access.can(principal, f, READ)},
        {g.id: g for g in groups_by_id.values() if await services.access.can(principal, g, READ)},
    )
