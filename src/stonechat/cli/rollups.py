"""``stonechat rollups rebuild``: recompute feeds' summaries from their raw points."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from stonechat.cli.options import DatabaseUrl, DataDir, SecretKey, fail, on_database, settings_from
from stonechat.domain.errors import StonechatError

if TYPE_CHECKING:
    from stonechat.services.rollups import Rebuilt
    from stonechat.storage.database import Database


def rebuild(
    username: Annotated[
        str | None,
        typer.Argument(help="Only this account's feeds. Default: every feed.", show_default=False),
    ] = None,
    feed: Annotated[
        str | None,
        typer.Option(
            help="Only this feed (its key, or group.key), with USERNAME.", show_default=False
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="From this time (ISO 8601). Default: the oldest point.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Up to this time (ISO 8601). Default: now and after.")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Recompute the per-minute, hour and day summaries (rollups) of feeds from their raw
    points, where their raw retention still keeps them; older summaries stay as they are.

    The server keeps rollups up to date by itself: this is for repair, such as after editing
    the database by hand. Idempotent, and runs beside a running server.
    """
    from stonechat.domain.timestamps import MIN_MS, iso, parse_time
    from stonechat.runtime import build_services
    from stonechat.services.rollups import RollupService

    if feed is not None and username is None:
        fail("--feed needs USERNAME")
    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    try:
        start = parse_time(since, "since") if since else None
        end = parse_time(until, "until") if until else None
    except StonechatError as error:
        fail(str(error))

    async def work(db: Database) -> list[Rebuilt]:
        services = build_services(settings, db)
        if username is None:
            users = await services.admin.users() if services.admin else []
            feeds = [f for u in users for f in await services.feeds.for_user(u.user.id)]
        else:
            owner = await services.accounts.require(username)
            feeds = (
                [await services.feeds.get(owner, feed)]
                if feed is not None
                else await services.feeds.for_user(owner.id)
            )
        rollups = RollupService(services.data.store, services.retention)
        return [await rollups.rebuild(f, start, end) for f in feeds]

    try:
        done = on_database(settings, work)
    except StonechatError as error:
        fail(str(error))
    for item in done:
        if item.start is None:
            span = "nothing: the range is past its raw retention"
        elif item.start == MIN_MS:
            span = "every point"
        else:
            span = f"from {iso(item.start)} (older summaries are all that is left)"
        typer.echo(f"{item.feed.id} {item.feed.full_key}: {span}")
    typer.echo(f"rebuilt the rollups of {len(done)} feeds")


def register(app: typer.Typer) -> None:
    app.command("rebuild")(rebuild)
