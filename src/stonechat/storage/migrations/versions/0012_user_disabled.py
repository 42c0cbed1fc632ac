"""Users an administrator disabled.

Adds ``users.disabled`` (false for every existing user): a disabled user's key, tokens and
web UI sessions are refused (domain/access.py). Going down drops the column.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (no table copy: users is the parent of every
    # cascade).
    op.add_column(
        "users", sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # Not a batch table copy on SQLite: dropping the old users table would cascade to every
    # row that belongs to a user. SQLite 3.35+ drops a column in place, as PostgreSQL does.
    op.execute("ALTER TABLE users DROP COLUMN disabled")
