"""Composition root: build every part from the settings, run, and shut down cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import secrets
import socket
from collections.abc import Iterator

import uvicorn
from argon2 import PasswordHasher

from stonechat.actions.mail import Mailer
from stonechat.actions.webhook import WebhookSender
from stonechat.bus.base import Bus
from stonechat.bus.memory import MemoryBus
from stonechat.bus.redis import RedisBus
from stonechat.config import Settings
from stonechat.domain.errors import StonechatError
from stonechat.limits.counter import MinuteCounter
from stonechat.limits.limiter import Limiter
from stonechat.logs import configure_logging
from stonechat.metrics.exporter import build_metrics
from stonechat.metrics.sampler import Sources
from stonechat.protocols.http.access_log import AccessLog
from stonechat.protocols.http.app import create_app
from stonechat.protocols.http.bounded_httptools import HeadBounds, bounded_protocol
from stonechat.protocols.mqtt.adafruit.hooks import AdafruitHooks
from stonechat.protocols.mqtt.broker import Broker
from stonechat.protocols.mqtt.listeners import listen, tls_context
from stonechat.protocols.mqtt.notices import publish_error
from stonechat.protocols.mqtt.websocket import mqtt_over_websocket
from stonechat.services.access import AccessService
from stonechat.services.accounts import AccountService
from stonechat.services.action_engine import ROLE as ENGINE_ROLE
from stonechat.services.action_engine import ActionEngine
from stonechat.services.action_runner import ActionRunner
from stonechat.services.actions import ActionService
from stonechat.services.activity import ActivityLog
from stonechat.services.admin import AdminService
from stonechat.services.dashboards import DashboardService
from stonechat.services.data import DataService
from stonechat.services.feed_status import ROLE as FEED_STATUS_ROLE
from stonechat.services.feed_status import FeedStatusWatcher
from stonechat.services.feeds import FeedService
from stonechat.services.groups import GroupService
from stonechat.services.import_jobs import ImportJobs
from stonechat.services.ingest import IngestService
from stonechat.services.installation import check_secret
from stonechat.services.live_connections import ConnectionDirectory
from stonechat.services.password_resets import PasswordResets
from stonechat.services.registry import Services
from stonechat.services.retention import RetentionService
from stonechat.services.rollups import RollupRounds
from stonechat.services.secrets import KeyVault, load_or_create_secret
from stonechat.services.sessions import SessionService
from stonechat.services.sharing import SharingService
from stonechat.services.tokens import TokenService
from stonechat.services.webhooks import WebhookService
from stonechat.services.writes import WriteService
from stonechat.storage.actions import ActionStore
from stonechat.storage.activities import ActivityStore
from stonechat.storage.database import Database
from stonechat.storage.feed_status import FeedStatusStore
from stonechat.storage.leader import LeaderLock
from stonechat.storage.mqtt_state import MqttStateStore
from stonechat.storage.private_files import prepare_data_dir
from stonechat.storage.users import UserStore
from stonechat.storage.webhooks import WebhookStore

log = logging.getLogger(__name__)

DAY_MS = 86_400_000


def open_database(settings: Settings) -> Database:
    prepare_data_dir(settings.data_dir)  # 0700, own files 0600 (storage/private_files.py)
    return Database(settings.resolved_database_url())


async def open_checked_database(settings: Settings) -> Database:
    """Open and migrate the database, then refuse a secret key that is not the database's
    (services/installation.py); the database is closed again when that fails."""
    db = open_database(settings)
    try:
        await db.upgrade()
        await check_secret(db, settings.secret_key, settings.data_dir)
    except BaseException:
        await db.close()
        raise
    return db


def build_accounts(
    settings: Settings, db: Database, password_hasher: PasswordHasher | None = None
) -> AccountService:
    vault = KeyVault(load_or_create_secret(settings.secret_key, settings.data_dir))
    return AccountService(
        db,
        vault,
        settings.key_cache_seconds,
        password_hasher,
        hash_concurrency=settings.password_hash_concurrency,
    )


def build_bus(settings: Settings) -> Bus:
    """In-process fan-out, or Redis when the installation runs several processes."""
    if settings.redis_url:
        return RedisBus(settings.redis_url, settings.redis_prefix)
    return MemoryBus()


def build_limiter(settings: Settings, db: Database) -> Limiter:
    """The one limiter of this process; in Redis (shared by processes) when configured."""
    return Limiter(settings.limiter_config(), UserStore(db).data_rate_overrides)


def build_outputs(settings: Settings) -> tuple[Mailer, WebhookSender]:
    """Where actions send email and webhooks (email is off without an SMTP URL)."""
    mailer = Mailer(
        settings.smtp_url.get_secret_value() if settings.smtp_url else None,
        mail_from=settings.mail_from,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
    )
    return mailer, WebhookSender(allow_private_networks=settings.actions_allow_private_networks)


def build_services(settings: Settings, db: Database) -> Services:
    activity_store = ActivityStore(db)
    activity = ActivityLog(activity_store)
    counter = MinuteCounter()
    limiter = build_limiter(settings, db)
    bus = build_bus(settings)
    retention = settings.retention()
    accounts = build_accounts(settings, db)
    access = AccessService(db, accounts, bus, settings.key_cache_seconds)
    connections = ConnectionDirectory(bus)
    feeds = FeedService(db, activity, access, retention)
    groups = GroupService(db, feeds, activity)
    dashboards = DashboardService(db, feeds, activity)
    ingest = IngestService(
        db,
        bus,
        counter,
        limiter=limiter,
        queue_size=settings.ingest_queue_size,
        batch_size=settings.ingest_batch_size,
    )
    writes = WriteService(access, feeds, groups, ingest, limiter)
    data = DataService(db, retention)
    mailer, webhooks = build_outputs(settings)
    runner = ActionRunner(ActionStore(db), feeds, writes, accounts, mailer, webhooks)
    sessions = SessionService(
        db,
        idle_ms=round(settings.session_idle_minutes * 60_000),
        max_ms=round(settings.session_max_days * DAY_MS),
    )
    return Services(
        accounts=accounts,
        access=access,
        feeds=feeds,
        groups=groups,
        data=data,
        ingest=ingest,
        dashboards=dashboards,
        webhooks=WebhookService(db),
        activities=activity_store,
        receivers=WebhookStore(db),
        sessions=sessions,
        admin=AdminService(db, accounts, access, limiter, connections, bus.health),
        connections=connections,
        sharing=SharingService(access, accounts, feeds, groups, dashboards),
        tokens=TokenService(access, feeds, groups),
        actions=ActionService(db, access, feeds, data, runner, settings.max_actions_per_user),
        writes=writes,
        counter=counter,
        limiter=limiter,
        retention=retention,
        data_rate_limit=settings.data_rate(),
        signup_enabled=settings.signup_enabled,
        public_url=settings.public_url,
        map_tiles=settings.map_tiles,
        map_attribution=settings.map_attribution,
        mqtt_port=settings.mqtt_port,
        mailer=mailer,
        feed_status=FeedStatusStore(db),
        password_resets=PasswordResets(accounts, sessions.store, limiter, mailer),
    )


async def bootstrap_first_user(settings: Settings, accounts: AccountService) -> None:
    """On an empty database, create an administrator and tell the console how to use it."""
    if await accounts.count() > 0:
        return
    password = secrets.token_urlsafe(12)
    user, key = await accounts.create_user("admin", password, is_admin=True)
    scheme = "https" if settings.http_tls else "http"
    base = settings.public_url or f"{scheme}://{settings.host}:{settings.http_port}"
    text = "\n".join(
        [
            "",
            "=" * 72,
            "Stonechat: this database had no accounts, so one was created for you.",
            f"  username: {user.username}",
            f"  password: {password}",
            f"  AIO key:  {key}",
            "Try it:",
            f"  curl -H 'X-AIO-Key: {key}' {base}/api/v2/user",
            f"Web UI: {base}/ (sign in as {user.username}, or sign up)",
            "Make more accounts with: stonechat user create NAME --password PASSWORD",
            "=" * 72,
            "",
        ]
    )
    if settings.log_format == "json":  # every line of the output stays JSON
        log.warning("%s", text.strip("\n"))
    else:
        print(text, flush=True)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """uvicorn's signal handling, without raising SIGINT/SIGTERM again afterwards: that
        would end the process before ``serve`` saves MQTT sessions and drains the ingest."""
        with super().capture_signals():
            try:
                yield
            finally:
                self._captured_signals.clear()


def prepare(settings: Settings) -> None:
    """Migrate the database and create the first account (before workers start)."""

    async def go() -> None:
        db = await open_checked_database(settings)
        try:
            await bootstrap_first_user(settings, build_accounts(settings, db))
        finally:
            await db.close()

    try:
        asyncio.run(go())
    except StonechatError as error:  # a wrong secret key, an unreachable database
        raise SystemExit(f"stonechat: {error.message}") from None


async def serve(settings: Settings) -> None:
    """Run the server until SIGINT/SIGTERM, then drain the ingest queue and stop.

    Every part is stopped on one exit stack, in the reverse order of its start, right
    after it started: a start that fails half way (a port taken) cleans up like a stop.
    """
    async with contextlib.AsyncExitStack() as stack:
        await _serve(settings, stack)


async def _serve(settings: Settings, stack: contextlib.AsyncExitStack) -> None:
    db = open_database(settings)
    stack.push_async_callback(db.close)
    await db.upgrade()
    await check_secret(db, settings.secret_key, settings.data_dir)
    services = build_services(settings, db)
    await bootstrap_first_user(settings, services.accounts)
    bus = services.ingest.bus
    # The broker is built (not started) first: the metrics read it.
    broker = Broker(
        settings.broker_config(), bus, AdafruitHooks(services), MqttStateStore(db, bus.node)
    )
    metrics = build_metrics(
        settings, Sources(broker, services.ingest, bus, services.limiter, services.actions.runner)
    )
    await bus.start()
    stack.push_async_callback(bus.close)
    await metrics.start()
    stack.push_async_callback(metrics.stop)  # after the ingest's last batches: they count too
    rounds = RollupRounds(services.data.store, settings.rollup_interval_seconds)
    await rounds.start()
    stack.push_async_callback(rounds.stop)  # after the ingest's last batches: they count too
    await services.ingest.start()
    stack.push_async_callback(services.ingest.stop)
    services.import_jobs = ImportJobs(services, settings.import_aio_url)
    stack.push_async_callback(services.import_jobs.close)  # before the ingest stops
    stack.push_async_callback(services.actions.runner.webhooks.aclose)
    if services.password_resets is not None:
        stack.push_async_callback(services.password_resets.close)
    engine = ActionEngine(
        services.actions, services.actions.runner, bus, bus, LeaderLock(db, ENGINE_ROLE)
    )
    await engine.start()
    stack.push_async_callback(engine.close)
    await broker.start()
    stack.push_async_callback(broker.stop)
    watcher = FeedStatusWatcher(
        services.feed_status or FeedStatusStore(db),
        services.accounts.users,
        bus,
        LeaderLock(db, FEED_STATUS_ROLE),
        services.mailer,
        lambda username, text: publish_error(broker, username, text),
        check_seconds=settings.feed_status_check_seconds,
        public_url=settings.public_url,
    )
    await watcher.start()
    stack.push_async_callback(watcher.close)
    mqtts = await _listen_for_mqtt(settings, broker, stack)
    retention = RetentionService(
        db, services.retention, interval=settings.retention_interval_seconds
    )
    await retention.start()
    stack.push_async_callback(retention.stop)
    app = create_app(services, metrics)
    app.state.broker = broker
    app.add_api_websocket_route("/mqtt", mqtt_over_websocket)
    config = uvicorn.Config(
        AccessLog(app) if settings.access_log else app,
        host=settings.host,
        port=settings.http_port,
        http=bounded_protocol(
            HeadBounds(
                max_bytes=settings.http_max_header_bytes,
                max_fields=settings.http_max_headers,
                timeout=settings.http_header_timeout_seconds,
            )
        ),
        timeout_keep_alive=settings.http_keep_alive_seconds,
        loop="none",
        lifespan="off",
        access_log=False,  # ours: protocols/http/access_log.py
        log_config=None,  # uvicorn's loggers go through ours (logs.py), in its format
        log_level=settings.log_level,
        # The client address and scheme a proxy names count only from trusted proxies.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        # --http-tls: the certificate of MQTTS; "" keeps Python's secure default ciphers
        # (uvicorn's own default list, "TLSv1", allows CBC-SHA1 and even NULL ones).
        ssl_certfile=settings.tls_cert if settings.http_tls else None,
        ssl_keyfile=settings.tls_key if settings.http_tls else None,
        ssl_ciphers="",
        timeout_graceful_shutdown=10,
        ws_max_size=settings.mqtt_max_packet_size + 16,
    )
    server = _Server(config)
    log.info(
        "Stonechat on %s://%s:%d, MQTT on %d%s (database: %s)",
        "https" if settings.http_tls else "http",
        settings.host,
        settings.http_port,
        settings.mqtt_port,
        f", MQTTS on {settings.mqtts_port}" if mqtts else "",
        db.dialect,
    )
    # Everything built so far lives until shutdown: keep it out of the collector's scans,
    # and collect young objects less often (measured: GC pauses were the p99 at 7k msg/s).
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)
    if settings.worker_id is not None:
        orphan_watch = asyncio.create_task(_stop_when_orphaned(server))
        stack.callback(orphan_watch.cancel)
    # A taken HTTP port: uvicorn logs it and raises SystemExit, which unwinds the stack.
    await server.serve(sockets=[http_socket(settings)] if settings.reuse_port else None)


async def _listen_for_mqtt(
    settings: Settings, broker: Broker, stack: contextlib.AsyncExitStack
) -> bool:
    """Open the MQTT listeners (closed by ``stack``); whether MQTT over TLS is on."""
    reuse = settings.reuse_port
    try:
        listener = await listen(broker, settings.host, settings.mqtt_port, reuse_port=reuse)
        stack.callback(listener.close)
        if not (settings.tls_cert and settings.tls_key):
            return False
        context = tls_context(settings.tls_cert, settings.tls_key)
        tls = await listen(broker, settings.host, settings.mqtts_port, context, reuse_port=reuse)
        stack.callback(tls.close)
        return True
    except OSError as error:
        raise SystemExit(
            f"stonechat: cannot listen for MQTT on {settings.host}: {error.strerror or error}. "
            "Is another broker running? Choose a port with --mqtt-port (STONECHAT_MQTT_PORT)."
        ) from None


async def _stop_when_orphaned(server: uvicorn.Server) -> None:
    """A --workers child stops gracefully when its supervisor is gone (killed, crashed)."""
    parent = os.getppid()
    while True:
        await asyncio.sleep(1.0)
        if os.getppid() != parent:  # re-parented: the supervisor died
            break
    log.warning("the supervisor (pid %d) is gone; stopping this worker", parent)
    server.should_exit = True


def http_socket(settings: Settings) -> socket.socket:
    """The HTTP listening socket of one worker, shared with the others (SO_REUSEPORT)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.http_port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def run_server(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_format)
    try:
        import uvloop

        uvloop.run(serve(settings))
    except ImportError:  # pragma: no cover - uvloop is not available on Windows
        asyncio.run(serve(settings))
    except StonechatError as error:  # a wrong secret key, an unreachable database
        raise SystemExit(f"stonechat: {error.message}") from None
