"""Typed settings, built once in the entry point and passed down.

Every setting is an environment variable ``STONECHAT_<NAME>`` and a flag of ``stonechat serve``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
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
    mqtt_max_packet_size: int = Field(1024 * 1024, ge=1024, le=268_435_455)
    data_dir: Path = Path("./stonechat-data")
    database_url: str | None = None
    secret_key: str | None = None
    retention_days: int = Field(30, ge=1)
    key_cache_seconds: float = Field(1.0, ge=0)
    ingest_queue_size: int = Field(10_000, ge=1)
    ingest_batch_size: int = Field(1_000, ge=1)
    data_rate_limit: int = Field(30, ge=0)
    redis_url: str | None = None
    workers: int = Field(1, ge=1, le=64)
    log_level: str = "info"
    public_url: str | None = None

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
