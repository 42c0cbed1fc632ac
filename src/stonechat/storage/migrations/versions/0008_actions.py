"""Actions and their runs.

Creates ``actions`` (one row per action a user defined: the spec as JSON text, with its name
and whether it is enabled in columns of their own) and ``action_runs`` (what each run did;
the store keeps the last 50 of each action). Both cascade from their user, runs from their
action. Going down drops both.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _user_id() -> sa.Column[int]:
    return sa.Column(
        "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _user_id(),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_actions_user", "actions", ["user_id"])
    op.create_table(
        "action_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "action_id",
            sa.Integer(),
            sa.ForeignKey("actions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _user_id(),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("finished_at", sa.BigInteger()),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("trigger_value", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outputs", sa.Text(), nullable=False),
        sa.Column("error", sa.Text()),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_action_runs_action", "action_runs", ["action_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_action_runs_action", table_name="action_runs")
    op.drop_table("action_runs")
    op.drop_index("ix_actions_user", table_name="actions")
    op.drop_table("actions")
