"""Initial schema: users, groups, feeds, data, dashboards, blocks, activities, webhooks.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _times() -> list[sa.Column[int]]:
    return [
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("username_lower", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(255)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("key_enc", sa.Text(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(64)),
        sa.Column("data_rate_limit", sa.Integer()),
        *_times(),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        *_times(),
        sa.UniqueConstraint("user_id", "key", name="uq_groups_user_key"),
    )
    op.create_table(
        "feeds",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("unit_type", sa.String(64)),
        sa.Column("unit_symbol", sa.String(32)),
        sa.Column("history", sa.Boolean(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("license", sa.String(255)),
        sa.Column("status_notify", sa.Boolean(), nullable=False),
        sa.Column("status_timeout", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Text()),
        sa.Column("last_value_at", sa.BigInteger()),
        sa.Column("data_count", sa.BigInteger(), nullable=False),
        sa.Column("queue_position", sa.String(26)),
        *_times(),
        sa.UniqueConstraint("user_id", "group_id", "key", name="uq_feeds_user_group_key"),
    )
    op.create_index("ix_feeds_user_key", "feeds", ["user_id", "key"])
    op.create_table(
        "feed_groups",
        sa.Column(
            "feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("feed_id", "group_id", name="pk_feed_groups"),
    )
    op.create_index("ix_feed_groups_group", "feed_groups", ["group_id"])
    op.create_table(
        "data",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.String(26), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_num", sa.Float()),
        sa.Column("lat", sa.Float()),
        sa.Column("lon", sa.Float()),
        sa.Column("ele", sa.Float()),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("feed_id", "created_at", "id", name="pk_data"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_data_id", "data", ["id"], unique=True)
    op.create_table(
        "dashboards",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("show_header", sa.Boolean(), nullable=False),
        sa.Column("color_mode", sa.String(16), nullable=False),
        sa.Column("block_borders", sa.Boolean(), nullable=False),
        sa.Column("allow_overlap", sa.Boolean(), nullable=False),
        sa.Column("header_image_url", sa.Text()),
        sa.Column("layouts", sa.Text(), nullable=False),
        *_times(),
        sa.UniqueConstraint("user_id", "key", name="uq_dashboards_user_key"),
    )
    op.create_table(
        "blocks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "dashboard_id",
            sa.Integer(),
            sa.ForeignKey("dashboards.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255)),
        sa.Column("description", sa.Text()),
        sa.Column("visual_type", sa.String(64), nullable=False),
        sa.Column("properties", sa.Text(), nullable=False),
        sa.Column("column", sa.Integer()),
        sa.Column("row", sa.Integer()),
        sa.Column("size_x", sa.Integer(), nullable=False),
        sa.Column("size_y", sa.Integer(), nullable=False),
        sa.Column("block_feeds", sa.Text(), nullable=False),
        *_times(),
    )
    op.create_index("ix_blocks_dashboard_id", "blocks", ["dashboard_id"])
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("model", sa.String(32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_activities_user_id", "activities", ["user_id", "id"])
    op.create_table(
        "webhook_receivers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "feed_id", sa.Integer(), sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_webhook_receivers_feed", "webhook_receivers", ["feed_id"])


def downgrade() -> None:
    for table in (
        "webhook_receivers",
        "activities",
        "blocks",
        "dashboards",
        "data",
        "feed_groups",
        "feeds",
        "groups",
        "users",
    ):
        op.drop_table(table)
