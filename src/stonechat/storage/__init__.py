"""SQL storage: SQLAlchemy Core over aiosqlite (default) or asyncpg."""
