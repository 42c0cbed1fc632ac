"""Alembic environment: runs on the connection that ``storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from stonechat.storage.partitions import include_name
from stonechat.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    include_name=include_name,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
