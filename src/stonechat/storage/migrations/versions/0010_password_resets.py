"""Password resets by email.

Creates ``password_resets``: at most one live reset link per user (a new request replaces
the old one). Only the SHA-256 of the link's token is stored, with when it expires; using
it, or any change of the password, deletes it. Cascades from its user. Going down drops it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-13
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column(
            "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_password_resets"),
        sa.UniqueConstraint("user_id", name="uq_password_resets_user"),
    )


def downgrade() -> None:
    op.drop_table("password_resets")
