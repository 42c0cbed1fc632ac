"""Feed status: when a feed went offline, and the history of its status changes.

Adds ``feeds.offline_at`` (NULL while the feed is online; the time the feed status watcher
marked it offline otherwise) and creates ``feed_status_changes`` (one row per change:
``status`` online | offline, at ``created_at``; the store keeps the last 20 of each feed),
cascading from its feed and its user. Going down drops both.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("offline_at", sa.BigInteger()))
    op.create_table(
        "feed_status_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_feed_status_changes_feed", "feed_status_changes", ["feed_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_feed_status_changes_feed", table_name="feed_status_changes")
    op.drop_table("feed_status_changes")
    # A plain ALTER on both databases (SQLite 3.35+): a batch rebuild of ``feeds`` would
    # cascade-delete every row that references it.
    op.execute("ALTER TABLE feeds DROP COLUMN offline_at")
