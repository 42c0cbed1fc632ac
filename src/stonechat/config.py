"""Typed settings, built once in the entry point and passed down.

Every setting is an environment variable ``STONECHAT_<NAME>`` and a flag of ``stonechat serve``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Server configuration. Defaults give the embedded setup: SQLite, no other service."""

    model_config = SettingsConfigDict(env_prefix="STONECHAT_", extra="ignore")

    host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=0, le=65535)
    mqtt_port: int = Field(1883, ge=0, le=65535)
    mqtts_port: int = Field(8883, ge=0, le=65535)
    tls_cert: Path | None = None
    tls_key: Path | None = None
    http_tls: bool = Field(
        False,
        description="Serve the HTTP port (REST, web UI, WebSockets: wss://.../mqtt) over TLS "
        "with --tls-cert and --tls-key; without it, they are used for MQTTS only.",
    )
    forwarded_allow_ips: str = Field(
        "",
        description="Proxies trusted to say the client's address and scheme (X-Forwarded-For, "
        "X-Forwarded-Proto): comma-separated addresses or networks, such as 127.0.0.1 for a "
        "proxy on this host, or * for any. Default: none, the connection's address counts.",
    )
    mqtt_max_packet_size: int = Field(1024 * 1024, ge=1024, le=268_435_455)
    # MQTT bounds under abuse (mqtt.md "Limits"): refusals carry 0x97 quota exceeded.
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
    # How often each process announces its members of MQTT shared subscriptions (--workers).
    mqtt_share_announce_seconds: float = Field(10.0, gt=0)
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
    data_dir: Path = Path("./stonechat-data")
    database_url: str | None = None
    secret_key: str | None = None
    retention_days: int = Field(30, ge=1)
    retention_interval_seconds: float = Field(300.0, gt=0)  # between retention rounds
    feed_status_check_seconds: float = Field(
        30.0, gt=0, description="Seconds between two checks for feeds that went offline."
    )
    key_cache_seconds: float = Field(1.0, ge=0)
    ingest_queue_size: int = Field(10_000, ge=1)
    ingest_batch_size: int = Field(1_000, ge=1)
    data_rate_limit: int = Field(30, ge=0)  # points per minute per user; 0 = unlimited
    max_actions_per_user: int = Field(
        0, ge=0, description="Actions (triggers) one user may define; 0 = no limit."
    )
    # MQTT abuse bans (mqtt-api.md §7): events per minute allowed, 0 turns one check off.
    bans: bool = True
    ban_connects: int = Field(20, ge=0)
    ban_subscribes: int = Field(100, ge=0)
    ban_failed_subscribes: int = Field(10, ge=0)
    ban_failed_publishes: int = Field(10, ge=0)
    ban_throttled_publishes: int = Field(30, ge=0)
    ban_seconds: int = Field(30, ge=1)  # first ban; each ban in the last hour adds as much
    ban_max_seconds: int = Field(3600, ge=1)
    # Failed password sign-ins (web UI) allowed per window, per account and per address.
    login_failures_per_account: int = Field(5, ge=0)
    login_failures_per_address: int = Field(20, ge=0)
    login_window_seconds: int = Field(900, ge=1)
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
    # HTTP server bounds (slow or hostile clients).
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
    redis_url: str | None = None
    # Key and channel prefix in Redis: installations sharing one Redis need different ones.
    redis_prefix: str = "stonechat"
    workers: int = Field(1, ge=1, le=64)
    # Set by the --workers supervisor for its children, not by users.
    worker_id: int | None = None
    reuse_port: bool = False
    log_level: str = "info"
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines as text, or as one JSON object a line."
    )
    access_log: bool = Field(
        True, description="Log one line per HTTP request and WebSocket (at level info)."
    )
    public_url: str | None = None
    signup_enabled: bool = True
    session_idle_minutes: float = Field(1440, gt=0)
    session_max_days: float = Field(30, gt=0)
    # Email of actions, feed notices and password resets; without smtp_url email is off.
    # Secrets are SecretStr: shown as ********** in a repr or a log line.
    smtp_url: SecretStr | None = Field(
        None, description="smtp://user:password@host:587 (STARTTLS) or smtps://host:465 (TLS)."
    )
    smtp_username: str | None = None  # instead of the user in smtp_url
    smtp_password: SecretStr | None = None  # instead of the password in smtp_url
    smtp_starttls: Literal["auto", "required", "off"] = Field(
        "auto", description="On smtp://: STARTTLS when offered (auto), always, or never."
    )
    mail_from: str = "stonechat@localhost"
    actions_allow_private_networks: bool = Field(
        False,
        description="Let webhooks reach loopback, private, link-local and metadata addresses.",
    )

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
