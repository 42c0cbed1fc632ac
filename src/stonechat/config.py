"""Typed settings, built once in the entry point and passed down.

Every setting is an environment variable ``STONECHAT_<NAME>`` and a flag ``--name`` of
``stonechat serve`` (generated from the fields here: ``cli/settings_options.py``). A field
holds its default, its bounds and its description, nowhere else. Fields marked
``INTERNAL`` are set by the server for itself (the ``--workers`` supervisor), not by users;
``flags(on, off)`` names the two flags of a boolean.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from stonechat.domain.retention import Retention
    from stonechat.limits.limiter import LimiterConfig
    from stonechat.protocols.mqtt.config import BrokerConfig

INTERNAL: dict[str, Any] = {"internal": True}

# Adafruit IO's free plan: 30 data points a minute per user (rest-api.md §10).
ADAFRUIT_DATA_RATE = 30

_LIMITS = re.compile(r"none|adafruit|[0-9]+")
# A tile URL template: http(s), a host (with {s} for a, b, c), no quotes, spaces or ';'
# (the host goes into the Content-Security-Policy).
_TILES = re.compile(r"https?://[A-Za-z0-9.{}:_-]+(/[^\s\"';<>]*)?")


def flags(on: str, off: str) -> dict[str, Any]:
    """Field metadata: the names of a boolean's two flags, ``--on/--off``."""
    return {"flags": f"{on}/{off}"}


class Settings(BaseSettings):
    """Server configuration. Defaults give the embedded setup: SQLite, no other service."""

    model_config = SettingsConfigDict(env_prefix="STONECHAT_", extra="ignore")

    # -- listeners ---------------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address to listen on.")
    http_port: int = Field(8080, ge=0, le=65535, description="HTTP port.")
    mqtt_port: int = Field(1883, ge=0, le=65535, description="MQTT port.")
    mqtts_port: int = Field(
        8883, ge=0, le=65535, description="MQTT over TLS port, with --tls-cert."
    )
    tls_cert: Path | None = Field(None, description="PEM certificate (chain) for MQTT over TLS.")
    tls_key: Path | None = Field(None, description="PEM private key for --tls-cert.")

    http_tls: bool = Field(
        False,
        description="Serve the HTTP port (REST, web UI, WebSockets: wss://.../mqtt) over TLS "
        "with --tls-cert and --tls-key; without it, they are used for MQTTS only.",
    )
    forwarded_allow_ips: str | None = Field(
        None,
        description="Proxies trusted to say the client's address and scheme (X-Forwarded-For, "
        "X-Forwarded-Proto): comma-separated addresses or networks, such as 127.0.0.1 for a "
        "proxy on this host, or * for any. Default: none, the connection's address counts.",
    )
    # -- MQTT bounds under abuse (mqtt.md "Limits"): refusals carry 0x97 quota exceeded -----
    mqtt_max_packet_size: int = Field(
        1024 * 1024, ge=1024, le=268_435_455, description="Largest MQTT packet accepted, bytes."
    )
    mqtt_connect_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds a connection has for its TLS handshake, and again to send CONNECT.",
    )
    mqtt_max_input_bytes: int | None = Field(
        None,
        ge=1024,
        description="Received bytes of one connection waiting to be handled before it is no "
        "longer read; default twice the largest packet.",
    )
    mqtt_max_subscribe_filters: int = Field(
        100, ge=1, description="Topic filters accepted in one SUBSCRIBE; the rest get 0x97."
    )
    mqtt_max_subscriptions_per_session: int = Field(
        1000, ge=1, description="Subscriptions one MQTT session may hold."
    )
    mqtt_max_subscriptions_per_user: int = Field(
        10_000, ge=1, description="Subscriptions all of a user's sessions may hold together."
    )
    mqtt_max_persistent_sessions_per_user: int = Field(
        100, ge=0, description="Persistent MQTT sessions a user may hold; 0 = none."
    )
    mqtt_share_announce_seconds: float = Field(
        10.0,
        gt=0,
        description="How often each process announces its members of MQTT shared "
        "subscriptions (--workers); one silent for three periods is taken as gone.",
    )
    mqtt_max_queued_bytes_per_session: int = Field(
        16 * 1024 * 1024,
        ge=0,
        description="Payload bytes of QoS 1/2 messages kept for one MQTT session (queued, in "
        "flight, or stored while it is offline); beyond it messages for it are dropped and "
        "reported on {user}/errors. 0 = no bound.",
    )
    mqtt_max_queued_bytes_per_user: int = Field(
        64 * 1024 * 1024,
        ge=0,
        description="The same bound over all sessions of one user. 0 = no bound.",
    )
    mqtt_receive_maximum: int = Field(
        1024,
        ge=1,
        le=65535,
        description="QoS 1/2 publishes an MQTT 5 client may have unacknowledged (CONNACK "
        "Receive Maximum).",
    )
    mqtt_max_inflight: int = Field(
        100, ge=1, le=65535, description="QoS 1/2 deliveries unacknowledged per MQTT session."
    )
    mqtt_max_queued: int = Field(
        1000,
        ge=1,
        description="QoS 1/2 messages queued per MQTT session beyond those in flight.",
    )
    mqtt_write_buffer_limit: int = Field(
        1024 * 1024,
        ge=1024,
        description="Bytes waiting to be sent to one MQTT connection past which QoS 0 "
        "messages to it are dropped (a slow consumer).",
    )
    mqtt_topic_alias_maximum: int = Field(
        64, ge=0, le=65535, description="Topic aliases an MQTT 5 client may use; 0 = none."
    )
    mqtt_max_session_expiry: int = Field(
        7 * 86400,
        ge=0,
        le=4_294_967_295,
        description="Seconds a persistent MQTT session waits offline before it is removed.",
    )
    mqtt_max_retained_per_user: int = Field(
        1000, ge=1, description="Retained MQTT messages one user may keep."
    )
    mqtt_max_retained_bytes_per_user: int = Field(
        4 * 1024 * 1024, ge=1, description="Payload bytes of one user's retained MQTT messages."
    )
    mqtt_key_check_seconds: float = Field(
        2.0,
        gt=0,
        description="How often the keys of connected MQTT users are checked again (a "
        "regenerated key disconnects its clients).",
    )
    mqtt_takeover_timeout: float = Field(
        3.0,
        gt=0,
        description="Seconds to wait for another process to hand over an MQTT session.",
    )

    # -- storage -----------------------------------------------------------------------------
    data_dir: Path = Field(
        Path("./stonechat-data"),
        description="Directory for the SQLite database and the secret key.",
    )
    database_url: str | None = Field(
        None, description="Database URL, e.g. postgresql://host/db; default SQLite in --data-dir."
    )
    secret_key: str | None = Field(
        None, description="Secret for AIO key storage; default <data-dir>/secret.key."
    )
    retention_days: int = Field(30, ge=1, description="Days a data point is kept.")
    retention_minute_days: int = Field(
        90,
        ge=0,
        description="Days a feed's per-minute summaries (rollups: count, sum, min, max, first, "
        "last) are kept; 0 = forever. Left at its default it follows a longer --retention-days; "
        "set, it must be at least that.",
    )
    retention_hour_days: int = Field(
        730,
        ge=0,
        description="Days the per-hour summaries are kept; 0 = forever. Left at its default "
        "it follows a longer tier before it; set, it must be at least --retention-minute-days.",
    )
    retention_day_days: int = Field(
        0,
        ge=0,
        description="Days the per-day summaries are kept; 0 = forever. Set, it must be at "
        "least --retention-hour-days.",
    )
    rollup_interval_seconds: float = Field(
        2.0,
        gt=0,
        description="PostgreSQL: seconds between rounds that bring feeds' rollups "
        "(per-minute, hour and day summaries) up to date with their newest points; a chart of "
        "a feed does it for that feed first. On SQLite every write merges its points at once.",
    )
    retention_interval_seconds: float = Field(
        300.0, gt=0, description="Seconds between rounds of removing expired points."
    )
    feed_status_check_seconds: float = Field(
        30.0,
        gt=0,
        description="Seconds between two checks for feeds with status notifications that got "
        "no data for their status timeout.",
    )
    key_cache_seconds: float = Field(
        1.0, ge=0, description="How long a checked AIO key is cached, seconds."
    )
    ingest_queue_size: int = Field(
        10_000, ge=1, description="Write requests queued before writers wait."
    )
    ingest_batch_size: int = Field(
        1_000, ge=1, description="Most points stored in one transaction."
    )

    # -- limits ------------------------------------------------------------------------------
    limits: str = Field(
        "none",
        description="Data rate per user: none (a self-hosted server: no limit), adafruit "
        f"(Adafruit IO's free plan: {ADAFRUIT_DATA_RATE} points a minute), or a number of "
        "points a minute. --data-rate-limit, when given, wins.",
    )
    data_rate_limit: int | None = Field(
        None,
        ge=0,
        description="Data points per minute per user, 0 = unlimited; default from --limits.",
    )
    max_actions_per_user: int = Field(
        0, ge=0, description="Actions (triggers) one user may define; 0 = no limit."
    )
    # MQTT abuse bans (mqtt-api.md §7): events per minute allowed, 0 turns one check off.
    bans: bool = Field(
        True,
        description="Ban MQTT users that break the --ban-* rates for a while.",
        json_schema_extra=flags("--bans", "--no-bans"),
    )
    ban_connects: int = Field(
        20,
        ge=0,
        description="Failed MQTT sign-ins (wrong username or key) a minute, then a ban; "
        "successful connections are not counted.",
    )
    ban_subscribes: int = Field(100, ge=0, description="SUBSCRIBE packets a minute, then a ban.")
    ban_failed_subscribes: int = Field(
        10, ge=0, description="Refused topic filters a minute, then a ban."
    )
    ban_failed_publishes: int = Field(
        10, ge=0, description="Refused PUBLISHes a minute, then a ban."
    )
    ban_throttled_publishes: int = Field(
        30, ge=0, description="PUBLISHes dropped for the data rate a minute, then a ban."
    )
    ban_seconds: int = Field(
        30, ge=1, description="First ban, seconds; each ban in the last hour adds as much."
    )
    ban_max_seconds: int = Field(3600, ge=1, description="Longest ban, seconds.")
    # Failed password sign-ins (web UI) allowed per window, per account and per address.
    login_failures_per_account: int = Field(
        5, ge=0, description="Failed web sign-ins per account per window; 0 = no limit."
    )
    login_failures_per_address: int = Field(
        20, ge=0, description="Failed web sign-ins per address per window; 0 = no limit."
    )
    login_window_seconds: int = Field(
        900, ge=1, description="Window of the sign-in limits, seconds."
    )
    signups_per_address: int = Field(
        5, ge=0, description="Web UI sign-ups per client address per window; 0 = unlimited."
    )
    signup_window_seconds: int = Field(
        3600, ge=1, description="Window of the sign-up limit, seconds."
    )
    password_resets_per_address: int = Field(
        10, ge=0, description="Password reset requests per hour from one address; 0 = no limit."
    )
    password_resets_per_account: int = Field(
        3, ge=0, description="Password reset emails per hour to one account; 0 = no limit."
    )
    password_hash_concurrency: int = Field(
        2,
        ge=1,
        le=64,
        description="Password hashes and checks (argon2, 64 MiB each) running at once; "
        "more wait their turn.",
    )

    # -- HTTP server bounds (slow or hostile clients) ----------------------------------------
    http_max_header_bytes: int = Field(
        32 * 1024,
        ge=1024,
        description="Largest request line plus headers of an HTTP request, bytes; more: 431.",
    )
    http_max_headers: int = Field(
        100, ge=8, description="Most header fields in an HTTP request; more: 431."
    )
    http_header_timeout_seconds: float = Field(
        10.0,
        gt=0,
        description="Time a client has to send a request's headers, from connecting or "
        "from the previous response; then the connection is closed.",
    )
    http_keep_alive_seconds: int = Field(
        5, ge=1, description="An idle keep-alive HTTP connection is closed after this long."
    )

    # -- processes ---------------------------------------------------------------------------
    redis_url: str | None = Field(
        None, description="Redis URL, e.g. redis://host:6379/0: joins several processes."
    )
    redis_prefix: str = Field(
        "stonechat",
        description="Prefix of Stonechat's keys and channels in Redis: installations sharing "
        "one Redis need different ones.",
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Server processes sharing the ports (needs PostgreSQL and Redis).",
    )
    # Set by the --workers supervisor for its children, not by users.
    worker_id: int | None = Field(None, json_schema_extra=INTERNAL)
    reuse_port: bool = Field(False, json_schema_extra=INTERNAL)
    log_level: str = Field("info", description="debug, info, warning.")
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or as one JSON object a line."
    )
    access_log: bool = Field(
        True, description="Log one line per HTTP request and WebSocket (at level info)."
    )

    # -- web UI ------------------------------------------------------------------------------
    public_url: str | None = Field(
        None, description="URL users reach this server at (shown in messages and emails)."
    )
    signup_enabled: bool = Field(
        True,
        description="Whether the web UI lets visitors create accounts.",
        json_schema_extra=flags("--signup-enabled", "--signup-disabled"),
    )
    session_idle_minutes: float = Field(
        1440, gt=0, description="Web UI sessions end after this long unused, minutes."
    )
    session_max_days: float = Field(
        30, gt=0, description="Web UI sessions end this long after sign-in, days."
    )
    map_tiles: str | None = Field(
        None,
        description="Tile URL template for the web UI's maps, such as "
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png ({s} picks a, b or c); default none: "
        "maps are drawn offline, without tiles.",
    )
    import_aio_url: str = Field(
        "https://io.adafruit.com",
        description="The Adafruit IO server the web UI's Move in from Adafruit IO reads "
        "accounts from (users give a username and key, never a server; stonechat import-aio "
        "takes --from).",
    )
    map_attribution: str = Field(
        "© OpenStreetMap contributors",
        max_length=200,
        description="Attribution shown on maps drawn with --map-tiles.",
    )

    # -- email and webhooks of actions -------------------------------------------------------
    # Without smtp_url email is off. Secrets are SecretStr: ********** in a repr or a log line.
    smtp_url: SecretStr | None = Field(
        None,
        description="SMTP server for email: smtp://user:password@host:587 (STARTTLS) or "
        "smtps://host:465 (TLS); default no email.",
    )
    smtp_username: str | None = Field(
        None, description="SMTP user, instead of the one in --smtp-url."
    )
    smtp_password: SecretStr | None = Field(
        None,
        description="SMTP password, instead of the one in --smtp-url (better: the variable "
        "STONECHAT_SMTP_PASSWORD, not visible in the process list).",
    )
    smtp_starttls: Literal["auto", "required", "off"] = Field(
        "auto", description="On smtp://: STARTTLS when offered (auto), always, or never."
    )
    mail_from: str = Field("stonechat@localhost", description="Sender address of emails.")
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token for /metrics (Authorization: Bearer TOKEN). Without it only "
        "loopback clients may scrape; when set, every scraper must send it, loopback too.",
    )
    actions_allow_private_networks: bool = Field(
        False,
        description="Let webhooks reach loopback, private, link-local and metadata addresses.",
        json_schema_extra=flags(
            "--actions-allow-private-networks", "--actions-deny-private-networks"
        ),
    )

    @field_validator("map_tiles")
    @classmethod
    def _tile_template(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _TILES.fullmatch(value) or not all(p in value for p in ("{z}", "{x}", "{y}")):
            raise ValueError(
                "map_tiles is an http(s) URL with {z}, {x} and {y}, "
                "such as https://tile.openstreetmap.org/{z}/{x}/{y}.png"
            )
        return value

    @field_validator("limits")
    @classmethod
    def _known_limits(cls, value: str) -> str:
        value = value.strip().lower()
        if not _LIMITS.fullmatch(value):
            raise ValueError("limits is none, adafruit or a number of points a minute")
        return value

    @field_validator("import_aio_url")
    @classmethod
    def _import_from_a_server(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[A-Za-z0-9.:\[\]_-]+/?", value):
            raise ValueError(
                "import_aio_url is the address of a server, such as https://io.adafruit.com"
            )
        return value.rstrip("/")

    def data_rate(self) -> int:
        """Points per minute per user (0: unlimited): --data-rate-limit when given, else
        what --limits says."""
        if self.data_rate_limit is not None:
            return self.data_rate_limit
        if self.limits == "none":
            return 0
        if self.limits == "adafruit":
            return ADAFRUIT_DATA_RATE
        return int(self.limits)

    def limiter_config(self) -> LimiterConfig:
        """The limiter's configuration (limits/limiter.py)."""
        from stonechat.limits.limiter import LimiterConfig

        return LimiterConfig(
            data_rate_limit=self.data_rate(),
            redis_url=self.redis_url,
            key_prefix=f"{self.redis_prefix}:limits",
            bans=self.bans,
            ban_connects=self.ban_connects,
            ban_subscribes=self.ban_subscribes,
            ban_failed_subscribes=self.ban_failed_subscribes,
            ban_failed_publishes=self.ban_failed_publishes,
            ban_throttled_publishes=self.ban_throttled_publishes,
            ban_seconds=self.ban_seconds,
            ban_max_seconds=self.ban_max_seconds,
            login_failures_per_account=self.login_failures_per_account,
            login_failures_per_address=self.login_failures_per_address,
            login_window_seconds=self.login_window_seconds,
            signups_per_address=self.signups_per_address,
            signup_window_seconds=self.signup_window_seconds,
            password_resets_per_address=self.password_resets_per_address,
            password_resets_per_account=self.password_resets_per_account,
        )

    def broker_config(self) -> BrokerConfig:
        """The MQTT broker's configuration (protocols/mqtt/config.py): the ``mqtt_*`` fields."""
        from stonechat.protocols.mqtt.config import BrokerConfig

        return BrokerConfig(
            max_packet_size=self.mqtt_max_packet_size,
            connect_timeout=self.mqtt_connect_timeout,
            max_input_bytes=self.mqtt_max_input_bytes or 2 * self.mqtt_max_packet_size,
            max_subscribe_filters=self.mqtt_max_subscribe_filters,
            max_subscriptions_per_session=self.mqtt_max_subscriptions_per_session,
            max_subscriptions_per_user=self.mqtt_max_subscriptions_per_user,
            max_persistent_sessions_per_user=self.mqtt_max_persistent_sessions_per_user,
            receive_maximum=self.mqtt_receive_maximum,
            max_inflight=self.mqtt_max_inflight,
            max_queued=self.mqtt_max_queued,
            max_queued_bytes_per_session=self.mqtt_max_queued_bytes_per_session,
            max_queued_bytes_per_user=self.mqtt_max_queued_bytes_per_user,
            write_buffer_limit=self.mqtt_write_buffer_limit,
            topic_alias_maximum=self.mqtt_topic_alias_maximum,
            max_session_expiry=self.mqtt_max_session_expiry,
            max_retained_per_user=self.mqtt_max_retained_per_user,
            max_retained_bytes_per_user=self.mqtt_max_retained_bytes_per_user,
            key_check_seconds=self.mqtt_key_check_seconds,
            takeover_timeout=self.mqtt_takeover_timeout,
            share_announce_seconds=self.mqtt_share_announce_seconds,
        )

    def retention(self) -> Retention:
        """The retention tiers every feed has unless it sets its own (domain/retention.py).
        A summary tier left at its default follows a longer tier before it
        (``--retention-days 365`` keeps minutes 365 days too); two given tiers in the wrong
        order raise ``Invalid``."""
        from stonechat.domain.retention import Retention

        fields = {
            "raw": "retention_days",
            "minute": "retention_minute_days",
            "hour": "retention_hour_days",
            "day": "retention_day_days",
        }
        tiers = {tier: getattr(self, name) or None for tier, name in fields.items()}
        given = {t: tiers[t] for t, name in fields.items() if name in self.model_fields_set}
        return Retention(**tiers).over(given, strict=True)

    @model_validator(mode="after")
    def _retention_tiers_grow(self) -> Settings:
        from stonechat.domain.errors import Invalid

        try:
            self.retention()
        except Invalid as error:
            raise ValueError(str(error)) from None
        return self

    @model_validator(mode="after")
    def _http_tls_has_a_certificate(self) -> Settings:
        if self.http_tls and not (self.tls_cert and self.tls_key):
            raise ValueError("http_tls needs tls_cert and tls_key (--tls-cert, --tls-key)")
        return self

    def resolved_database_url(self) -> str:
        """The SQLAlchemy async URL: the configured one, or SQLite in the data directory."""
        if self.database_url:
            return to_async_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'stonechat.db').resolve()}"


def is_internal(name: str) -> bool:
    """Whether the setting ``name`` is the server's own (no flag, not documented)."""
    extra = Settings.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and bool(extra.get("internal"))


def to_async_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``sqlite://`` URLs and pick the async driver."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url
