"""Alembic migration history, one for SQLite and PostgreSQL."""
