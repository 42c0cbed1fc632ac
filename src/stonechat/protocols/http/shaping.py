"""Builds response bodies that need more than one record (feeds with groups, blocks...)."""

from __future__ import annotations

from typing import Any

from stonechat.domain import shapes
from stonechat.domain.records import Dashboard, Feed, Group
from stonechat.services.registry import Services


async def feeds(
    services: Services, username: str, items: list[Feed], details: bool = False
) -> list[dict[str, Any]]:
    ids = [f.id for f in items]
    groups = await services.groups.store.groups_of_feeds(ids)
    receivers = await services.receivers.for_feeds(ids)
    result = []
    for f in items:
        extra = None
        if details:
            first = await services.data.store.edge(f.id, newest=False)
            last = await services.data.store.edge(f.id, newest=True)
            extra = {
                "shared_with": [],
                "data": {
                    "first": shapes.datum(first, f, services.retention_ms) if first else None,
                    "last": shapes.datum(last, f, services.retention_ms) if last else None,
                    "count": f.data_count,
                },
            }
        result.append(
            shapes.feed(f, username, groups.get(f.id, []), receivers.get(f.id, []), extra)
        )
    return result


async def feed(services: Services, username: str, item: Feed, details: bool = False) -> Any:
    return (await feeds(services, username, [item], details))[0]


async def groups(services: Services, username: str, items: list[Group]) -> list[dict[str, Any]]:
    members = await services.groups.feed_store.in_groups([g.id for g in items])
    all_feeds = {f.id: f for fs in members.values() for f in fs}
    shaped = {s["id"]: s for s in await feeds(services, username, list(all_feeds.values()))}
    return [shapes.group(g, username, [shaped[f.id] for f in members.get(g.id, [])]) for g in items]


async def dashboards(
    services: Services, username: str, items: list[Dashboard], layouts: bool = False
) -> list[dict[str, Any]]:
    blocks = await services.dashboards.blocks(items)
    every = [b for bs in blocks.values() for b in bs]
    feeds_by_id, groups_by_id = await services.dashboards.block_references(every)
    return [
        shapes.dashboard(
            d,
            username,
            [shapes.block(b, feeds_by_id, groups_by_id) for b in blocks.get(d.id, [])],
            layouts,
        )
        for d in items
    ]


async def block(services: Services, item: Any) -> Any:
    feeds_by_id, groups_by_id = await services.dashboards.block_references([item])
    return shapes.block(item, feeds_by_id, groups_by_id)
