"""Installation facts: the fingerprint of the secret key.

Creates ``installation`` (name, value): one row per fact about the installation as a whole.
The first server or command that opens the database with a secret records the secret's
fingerprint there (an HMAC, not the secret); a later start with another secret is refused
(services/installation.py). Going down drops it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "installation",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_installation"),
    )


def downgrade() -> None:
    op.drop_table("installation")
