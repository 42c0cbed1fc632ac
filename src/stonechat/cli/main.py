"""``stonechat``: serve, manage users, migrate the database.

Thin: parse options, build the settings, call the runtime or a service.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from stonechat import __version__
from stonechat.config import Settings
from stonechat.domain.errors import StonechatError

T = TypeVar("T")

app = typer.Typer(
    help="Stonechat: a self-hosted IoT data server that speaks the Adafruit IO API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts hold literal "[default: ...]"
)
user_app = typer.Typer(help="Manage user accounts.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the database.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")

DataDir = Annotated[
    Path | None,
    typer.Option(help="Directory for the SQLite database and the secret key.", show_default=False),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(help="Database URL, e.g. postgresql://host/db (default: SQLite in data dir)."),
]
SecretKey = Annotated[
    str | None,
    typer.Option(help="Secret for AIO key storage (default: <data-dir>/secret.key)."),
]


def settings_from(**options: Any) -> Settings:
    """CLI options override ``STONECHAT_*`` variables, which override the defaults."""
    return Settings(**{k: v for k, v in options.items() if v is not None})


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on. [default: 127.0.0.1]")
    ] = None,
    http_port: Annotated[int | None, typer.Option(help="HTTP port. [default: 8080]")] = None,
    mqtt_port: Annotated[int | None, typer.Option(help="MQTT port. [default: 1883]")] = None,
    mqtts_port: Annotated[
        int | None, typer.Option(help="MQTT over TLS port, with --tls-cert. [default: 8883]")
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option(help="PEM certificate (chain) for MQTT over TLS.")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key for --tls-cert.")] = None,
    mqtt_max_packet_size: Annotated[
        int | None, typer.Option(help="Largest MQTT packet accepted, bytes. [default: 1048576]")
    ] = None,
    mqtt_connect_timeout: Annotated[
        float | None,
        typer.Option(help="Seconds for the TLS handshake, and again for CONNECT. [default: 10]"),
    ] = None,
    mqtt_max_input_bytes: Annotated[
        int | None,
        typer.Option(
            help="Received MQTT bytes waiting to be handled before a connection is no longer "
            "read. [default: twice the largest packet]"
        ),
    ] = None,
    mqtt_max_subscribe_filters: Annotated[
        int | None,
        typer.Option(help="Topic filters granted in one SUBSCRIBE; the rest 0x97. [default: 100]"),
    ] = None,
    mqtt_max_subscriptions_per_session: Annotated[
        int | None, typer.Option(help="Subscriptions of one MQTT session. [default: 1000]")
    ] = None,
    mqtt_max_subscriptions_per_user: Annotated[
        int | None,
        typer.Option(help="Subscriptions of all of one user's sessions. [default: 10000]"),
    ] = None,
    mqtt_max_persistent_sessions_per_user: Annotated[
        int | None, typer.Option(help="Persistent MQTT sessions per user. [default: 100]")
    ] = None,
    mqtt_max_queued_bytes_per_session: Annotated[
        int | None,
        typer.Option(
            help="Payload bytes kept for one MQTT session (queued, in flight, offline), "
            "0 = no bound. [default: 16777216]"
        ),
    ] = None,
    mqtt_max_queued_bytes_per_user: Annotated[
        int | None,
        typer.Option(
            help="The same over all of one user's sessions, 0 = no bound. [default: 67108864]"
        ),
    ] = None,
    mqtt_share_announce_seconds: Annotated[
        float | None,
        typer.Option(
            help="How often each process announces its shared-subscription members. [default: 10]"
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
    retention_days: Annotated[
        int | None, typer.Option(help="Days a data point is kept. [default: 30]")
    ] = None,
    retention_interval_seconds: Annotated[
        float | None,
        typer.Option(help="Seconds between rounds of removing expired points. [default: 300]"),
    ] = None,
    feed_status_check_seconds: Annotated[
        float | None,
        typer.Option(
            help="Seconds between two checks for feeds with status notifications that got "
            "no data for their status timeout. [default: 30]"
        ),
    ] = None,
    data_rate_limit: Annotated[
        int | None,
        typer.Option(help="Data points per minute per user, 0 = unlimited. [default: 30]"),
    ] = None,
    max_actions_per_user: Annotated[
        int | None,
        typer.Option(help="Actions (triggers) one user may define, 0 = no limit. [default: 0]"),
    ] = None,
    bans: Annotated[
        bool | None,
        typer.Option(
            "--bans/--no-bans",
            help="Ban MQTT users that break the --ban-* rates for a while. [default: bans]",
            show_default=False,
        ),
    ] = None,
    ban_connects: Annotated[
        int | None,
        typer.Option(help="MQTT connection attempts a minute, then a ban. [default: 20]"),
    ] = None,
    ban_subscribes: Annotated[
        int | None, typer.Option(help="SUBSCRIBE packets a minute, then a ban. [default: 100]")
    ] = None,
    ban_failed_subscribes: Annotated[
        int | None, typer.Option(help="Refused topic filters a minute, then a ban. [default: 10]")
    ] = None,
    ban_failed_publishes: Annotated[
        int | None, typer.Option(help="Refused PUBLISHes a minute, then a ban. [default: 10]")
    ] = None,
    ban_throttled_publishes: Annotated[
        int | None,
        typer.Option(
            help="PUBLISHes dropped for the data rate a minute, then a ban. [default: 30]"
        ),
    ] = None,
    ban_seconds: Annotated[
        int | None,
        typer.Option(help="First ban; each ban in the last hour adds as much. [default: 30]"),
    ] = None,
    ban_max_seconds: Annotated[
        int | None, typer.Option(help="Longest ban, seconds. [default: 3600]")
    ] = None,
    login_failures_per_account: Annotated[
        int | None,
        typer.Option(help="Failed web sign-ins per account per window. [default: 5]"),
    ] = None,
    login_failures_per_address: Annotated[
        int | None,
        typer.Option(help="Failed web sign-ins per address per window. [default: 20]"),
    ] = None,
    login_window_seconds: Annotated[
        int | None, typer.Option(help="Window of the sign-in limits. [default: 900]")
    ] = None,
    signups_per_address: Annotated[
        int | None,
        typer.Option(help="Web sign-ups per address per window, 0 = unlimited. [default: 5]"),
    ] = None,
    signup_window_seconds: Annotated[
        int | None, typer.Option(help="Window of the sign-up limit. [default: 3600]")
    ] = None,
    password_resets_per_address: Annotated[
        int | None,
        typer.Option(
            help="Password reset requests per hour from one address, 0 = no limit. [default: 10]"
        ),
    ] = None,
    password_resets_per_account: Annotated[
        int | None,
        typer.Option(
            help="Password reset emails per hour to one account, 0 = no limit. [default: 3]"
        ),
    ] = None,
    password_hash_concurrency: Annotated[
        int | None,
        typer.Option(help="Password hashes (64 MiB each) running at once. [default: 2]"),
    ] = None,
    http_max_header_bytes: Annotated[
        int | None,
        typer.Option(help="Largest HTTP request line + headers, bytes. [default: 32768]"),
    ] = None,
    http_max_headers: Annotated[
        int | None, typer.Option(help="Most header fields in an HTTP request. [default: 100]")
    ] = None,
    http_header_timeout_seconds: Annotated[
        float | None,
        typer.Option(help="Seconds a client has to send a request's headers. [default: 10]"),
    ] = None,
    http_keep_alive_seconds: Annotated[
        int | None,
        typer.Option(help="Idle keep-alive HTTP connections close after this. [default: 5]"),
    ] = None,
    key_cache_seconds: Annotated[
        float | None, typer.Option(help="How long a checked AIO key is cached. [default: 1.0]")
    ] = None,
    ingest_queue_size: Annotated[
        int | None, typer.Option(help="Write requests queued before writers wait. [default: 10000]")
    ] = None,
    ingest_batch_size: Annotated[
        int | None, typer.Option(help="Most points stored in one transaction. [default: 1000]")
    ] = None,
    public_url: Annotated[
        str | None, typer.Option(help="URL users reach this server at (shown in messages).")
    ] = None,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning. [default: info]")
    ] = None,
    signup_enabled: Annotated[
        bool | None,
        typer.Option(
            "--signup-enabled/--signup-disabled",
            help="Whether the web UI lets visitors create accounts. [default: enabled]",
            show_default=False,
        ),
    ] = None,
    session_idle_minutes: Annotated[
        float | None,
        typer.Option(help="Web UI sessions end after this long unused. [default: 1440]"),
    ] = None,
    session_max_days: Annotated[
        float | None,
        typer.Option(help="Web UI sessions end this long after sign-in. [default: 30]"),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(help="Redis URL, e.g. redis://host:6379/0: joins several processes."),
    ] = None,
    redis_prefix: Annotated[
        str | None,
        typer.Option(help="Prefix of Stonechat's keys in Redis. [default: stonechat]"),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Server processes sharing the ports (needs PostgreSQL and Redis). [default: 1]"
        ),
    ] = None,
    smtp_url: Annotated[
        str | None,
        typer.Option(
            help="SMTP server for email: smtp://user:password@host:587 (STARTTLS) or "
            "smtps://host:465. [default: no email]"
        ),
    ] = None,
    smtp_username: Annotated[
        str | None, typer.Option(help="SMTP user, instead of the one in --smtp-url.")
    ] = None,
    smtp_password: Annotated[
        str | None,
        typer.Option(
            help="SMTP password, instead of the one in --smtp-url (better: the variable "
            "STONECHAT_SMTP_PASSWORD, not visible in the process list)."
        ),
    ] = None,
    smtp_starttls: Annotated[
        str | None,
        typer.Option(help="On smtp://: auto (when offered), required, off. [default: auto]"),
    ] = None,
    mail_from: Annotated[
        str | None, typer.Option(help="Sender address of emails. [default: stonechat@localhost]")
    ] = None,
    actions_allow_private_networks: Annotated[
        bool | None,
        typer.Option(
            "--actions-allow-private-networks/--actions-deny-private-networks",
            help="Let webhooks reach loopback, private, link-local and metadata addresses. "
            "[default: deny]",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the server. Every option is also an environment variable STONECHAT_<OPTION>."""
    from stonechat.runtime import run_server
    from stonechat.supervisor import supervise

    settings = settings_from(
        host=host,
        http_port=http_port,
        mqtt_port=mqtt_port,
        mqtts_port=mqtts_port,
        tls_cert=tls_cert,
        tls_key=tls_key,
        mqtt_max_packet_size=mqtt_max_packet_size,
        mqtt_connect_timeout=mqtt_connect_timeout,
        mqtt_max_input_bytes=mqtt_max_input_bytes,
        mqtt_max_subscribe_filters=mqtt_max_subscribe_filters,
        mqtt_max_subscriptions_per_session=mqtt_max_subscriptions_per_session,
        mqtt_max_subscriptions_per_user=mqtt_max_subscriptions_per_user,
        mqtt_max_persistent_sessions_per_user=mqtt_max_persistent_sessions_per_user,
        mqtt_max_queued_bytes_per_session=mqtt_max_queued_bytes_per_session,
        mqtt_max_queued_bytes_per_user=mqtt_max_queued_bytes_per_user,
        mqtt_share_announce_seconds=mqtt_share_announce_seconds,
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret_key,
        retention_days=retention_days,
        retention_interval_seconds=retention_interval_seconds,
        feed_status_check_seconds=feed_status_check_seconds,
        data_rate_limit=data_rate_limit,
        max_actions_per_user=max_actions_per_user,
        bans=bans,
        ban_connects=ban_connects,
        ban_subscribes=ban_subscribes,
        ban_failed_subscribes=ban_failed_subscribes,
        ban_failed_publishes=ban_failed_publishes,
        ban_throttled_publishes=ban_throttled_publishes,
        ban_seconds=ban_seconds,
        ban_max_seconds=ban_max_seconds,
        login_failures_per_account=login_failures_per_account,
        login_failures_per_address=login_failures_per_address,
        login_window_seconds=login_window_seconds,
        signups_per_address=signups_per_address,
        signup_window_seconds=signup_window_seconds,
        password_resets_per_address=password_resets_per_address,
        password_resets_per_account=password_resets_per_account,
        password_hash_concurrency=password_hash_concurrency,
        http_max_header_bytes=http_max_header_bytes,
        http_max_headers=http_max_headers,
        http_header_timeout_seconds=http_header_timeout_seconds,
        http_keep_alive_seconds=http_keep_alive_seconds,
        key_cache_seconds=key_cache_seconds,
        ingest_queue_size=ingest_queue_size,
        ingest_batch_size=ingest_batch_size,
        public_url=public_url,
        log_level=log_level,
        signup_enabled=signup_enabled,
        session_idle_minutes=session_idle_minutes,
        session_max_days=session_max_days,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        workers=workers,
        smtp_url=smtp_url,
        smtp_username=smtp_username,
        smtp_password=smtp_password,
        smtp_starttls=smtp_starttls,
        mail_from=mail_from,
        actions_allow_private_networks=actions_allow_private_networks,
    )
    if settings.workers > 1:
        supervise(settings)
    run_server(settings)


def _with_accounts(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    from stonechat.runtime import build_accounts, open_checked_database

    async def go() -> T:
        db = await open_checked_database(settings)
        try:
            return await work(build_accounts(settings, db))
        finally:
            await db.close()

    try:
        return asyncio.run(go())
    except StonechatError as error:
        fail(error.message)
        raise AssertionError from None  # unreachable: fail() exits


@user_app.command("create")
def user_create(
    name: Annotated[str, typer.Argument(help="Username (letters, digits, '_' and '-').")],
    password: Annotated[str, typer.Option(help="Password, at least 8 characters.")],
    email: Annotated[str | None, typer.Option(help="Email address.")] = None,
    admin: Annotated[bool, typer.Option(help="Make the user an administrator.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Create a user. The new AIO key is the last line printed."""
    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)

    async def work(accounts: Any) -> str:
        user, key = await accounts.create_user(name, password, email, admin)
        typer.echo(f"created user {user.username}")
        return str(key)

    typer.echo(_with_accounts(settings, work))


@user_app.command("key")
def user_key(
    name: Annotated[str, typer.Argument(help="Username.")],
    regenerate: Annotated[
        bool, typer.Option(help="Replace the key; the old one stops working.")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Print a user's AIO key (or a new one with --regenerate)."""
    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)

    async def work(accounts: Any) -> str:
        if regenerate:
            return str(await accounts.regenerate_key(name))
        return str(await accounts.get_key(name))

    try:
        typer.echo(_with_accounts(settings, work))
    except ValueError as error:
        fail(str(error))


@user_app.command("update")
def user_update(
    name: Annotated[str, typer.Argument(help="Username.")],
    data_rate: Annotated[
        str | None,
        typer.Option(
            help="Data points per minute for this user: a number (0 = unlimited), or "
            "'default' for the server's --data-rate-limit. Running servers apply it within "
            "about a second."
        ),
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    secret_key: SecretKey = None,
) -> None:
    """Change a user's settings."""
    settings = settings_from(data_dir=data_dir, database_url=database_url, secret_key=secret_key)
    if data_rate is None:
        fail("nothing to change: give --data-rate N (or --data-rate default)")
        return
    limit: int | None = None
    if data_rate.strip().lower() != "default":
        try:
            limit = int(data_rate)
        except ValueError:
            limit = -1
        if limit < 0:
            fail(f"--data-rate wants a number of points per minute or 'default', not {data_rate!r}")

    async def work(accounts: Any) -> str:
        user = await accounts.set_data_rate(name, limit)
        if limit is None:
            return f"{user.username}: data rate is the server default"
        if limit == 0:
            return f"{user.username}: data rate unlimited"
        return f"{user.username}: data rate {limit} points per minute"

    typer.echo(_with_accounts(settings, work))


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Apply pending database migrations (the server also does this at start)."""
    from stonechat.runtime import open_database

    settings = settings_from(data_dir=data_dir, database_url=database_url)

    async def go() -> str:
        db = open_database(settings)
        try:
            await db.upgrade()
            return db.dialect
        finally:
            await db.close()

    typer.echo(f"database ({asyncio.run(go())}) is up to date")


@db_app.command("prune")
def db_prune(
    retention_days: Annotated[
        int | None, typer.Option(help="Days a data point is kept. [default: 30]")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove the data points past their expiration now (the server does it every 5 minutes)."""
    from stonechat.runtime import DAY_MS, open_database
    from stonechat.services.retention import RetentionService

    settings = settings_from(
        data_dir=data_dir, database_url=database_url, retention_days=retention_days
    )

    async def go() -> Any:
        db = open_database(settings)
        try:
            await db.upgrade()
            return await RetentionService(db, settings.retention_days * DAY_MS).run_once()
        finally:
            await db.close()

    result = asyncio.run(go())
    if result.skipped:
        fail("another process is pruning this database right now; try again later")
    typer.echo(
        f"removed {result.removed} points older than {settings.retention_days} days "
        f"({result.dropped} of them in {len(result.dropped_partitions)} dropped partitions)"
    )


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


# Commands kept in modules of their own (they use the options above).
from stonechat.cli.backup import backup, restore  # noqa: E402

app.command()(backup)
app.command()(restore)


def run() -> None:
    app()
