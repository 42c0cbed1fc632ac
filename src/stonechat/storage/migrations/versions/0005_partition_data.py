"""PostgreSQL: partition the data table by week of created_at (SQLite: no change).

The existing rows move into the new table: every week that holds rows from the last 400 days
gets its partition, older rows land in the default partition (retention removes them, or the
maintenance job moves them into weeks of a longer retention window). On a large table this
copies every row once, inside the migration's transaction.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from alembic import op

from stonechat.storage.partitions import (
    AHEAD_WEEKS,
    DAY_MS,
    DEFAULT_PARTITION,
    WEEK_MS,
    partition_name,
    week_start,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = "feed_id, created_at, id, value, value_num, lat, lon, ele, updated_at"
_OLD = "data_unpartitioned"


def _data_table(name: str, primary_key: str, **options: Any) -> None:
    op.create_table(
        name,
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_num", sa.Float()),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("ele", sa.Float()),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("feed_id", "created_at", "id", name=primary_key),
        **options,
    )


def _set_aside_old_table() -> None:
    op.execute(f"ALTER TABLE data RENAME TO {_OLD}")
    op.execute(f"ALTER INDEX pk_data RENAME TO pk_{_OLD}")
    op.execute(f"ALTER INDEX ix_data_id RENAME TO ix_{_OLD}_id")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _set_aside_old_table()
    _data_table("data", "pk_data", postgresql_partition_by="RANGE (created_at)")
    # Not unique: a unique index on a partitioned table must hold the partition key. Ids are
    # ULIDs made by the writer, unique by construction.
    op.create_index("ix_data_id", "data", ["id"])
    op.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF data DEFAULT")
    now = int(time.time() * 1000)
    weeks = {
        week_start(int(ms))
        for (ms,) in bind.execute(
            sa.text(
                f"SELECT DISTINCT created_at / {DAY_MS} * {DAY_MS} FROM {_OLD} "
                "WHERE created_at >= :since"
            ),
            {"since": now - 400 * DAY_MS},
        )
    }
    weeks |= {week_start(now) + i * WEEK_MS for i in range(AHEAD_WEEKS + 1)}
    for week in sorted(weeks):
        op.execute(
            f"CREATE TABLE {partition_name(week)} PARTITION OF data "
            f"FOR VALUES FROM ({week}) TO ({week + WEEK_MS})"
        )
    op.execute(f"INSERT INTO data ({_COLUMNS}) SELECT {_COLUMNS} FROM {_OLD}")
    op.execute(f"DROP TABLE {_OLD}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    _data_table(_OLD, f"pk_{_OLD}")
    op.execute(f"INSERT INTO {_OLD} ({_COLUMNS}) SELECT {_COLUMNS} FROM data")
    op.execute("DROP TABLE data CASCADE")  # the partitions go with it
    op.execute(f"ALTER TABLE {_OLD} RENAME TO data")
    op.execute(f"ALTER INDEX pk_{_OLD} RENAME TO pk_data")
    op.create_index("ix_data_id", "data", ["id"], unique=True)
