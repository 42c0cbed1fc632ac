"""Access lists and scoped tokens; SQLite never reuses a deleted row's id.

Creates ``permissions`` and ``tokens``. On SQLite every table with an integer id is rebuilt
with AUTOINCREMENT: without it a new row takes max(id) + 1, so the id of the newest feed,
once deleted, went to the next feed anyone created, and dashboard blocks and shares that
named the old feed showed the new one. The rebuild copies every row and keeps every index,
unique constraint and foreign key (alembic's batch "move and copy"); sqlite_sequence starts
at each table's highest id. PostgreSQL sequences never go back: nothing to rebuild there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

AUTOINCREMENT_TABLES = (
    "users",
    "groups",
    "feeds",
    "dashboards",
    "blocks",
    "activities",
    "webhook_receivers",
)


def _times() -> list[sa.Column[int]]:
    return [
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    ]


def _user_id(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(
        name, sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=nullable
    )


@contextmanager
def _sqlite_foreign_keys_off(bind: sa.Connection) -> Iterator[None]:
    """Foreign key enforcement off while tables are rebuilt.

    With it on, dropping the old ``users`` (or ``feeds``...) runs an implicit DELETE that
    cascades into every referencing table: the rebuild would delete every user's groups,
    feeds, dashboards and sessions. The pragma is a no-op inside a transaction, and one is
    open when earlier revisions ran in this same upgrade (their version row was written), so
    that work is committed first: this revision then applies atomically on top of it.
    Afterwards the pragma cannot be turned back on before the commit, so the connection is
    closed instead of going back to the pool (new connections get it from Database).
    """
    if not bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        yield
        return
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        dbapi = bind.connection.dbapi_connection
        assert dbapi is not None
        dbapi.commit()
        bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
        if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
            raise RuntimeError("could not turn off SQLite foreign keys for the table rebuild")
    # Rows that already broke a foreign key (written with enforcement off) are not ours to
    # fix; the rebuild must not add any.
    before = set(bind.exec_driver_sql("PRAGMA foreign_key_check").all())
    yield
    broken = set(bind.exec_driver_sql("PRAGMA foreign_key_check").all()) - before
    if broken:
        raise RuntimeError(f"foreign keys broken by the table rebuild: {list(broken)[:10]}")
    bind.exec_driver_sql("PRAGMA foreign_keys=ON")
    if not bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        bind.detach()


def _rebuild_sqlite() -> None:
    bind = op.get_bind()
    with _sqlite_foreign_keys_off(bind):
        for table in AUTOINCREMENT_TABLES:
            with op.batch_alter_table(
                table,
                recreate="always",
                table_kwargs={"sqlite_autoincrement": True},
            ):
                pass


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite()
    op.create_table(
        "permissions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _user_id("user_id"),
        sa.Column("model", sa.String(16), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        _user_id("grantee_id", nullable=True),
        sa.Column("mode", sa.String(2), nullable=False),
        *_times(),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_permissions_object", "permissions", ["model", "object_id"])
    op.create_index("ix_permissions_grantee", "permissions", ["grantee_id"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        _user_id("user_id"),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hint", sa.String(16), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("expiration", sa.BigInteger()),
        sa.Column("last_used_at", sa.BigInteger()),
        *_times(),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_tokens_user", "tokens", ["user_id"])


def downgrade() -> None:
    # The AUTOINCREMENT tables stay as they are: 0001..0005 work on them unchanged, and
    # going back to reusing ids is the bug this revision fixes.
    op.drop_index("ix_tokens_user", table_name="tokens")
    op.drop_table("tokens")
    op.drop_index("ix_permissions_grantee", table_name="permissions")
    op.drop_index("ix_permissions_object", table_name="permissions")
    op.drop_table("permissions")
