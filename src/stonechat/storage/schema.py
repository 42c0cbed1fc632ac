"""Table definitions. Times are integer milliseconds since the epoch, UTC.

The migrations in ``migrations/versions`` create exactly these tables; a test checks that
they agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

# Every table with an integer id is created with sqlite_autoincrement: SQLite then never hands
# out a deleted row's id again (without it, the next row takes max(id) + 1, so deleting the
# newest feed gave its id, and every dashboard block and share naming it, to the next feed
# anyone creates). PostgreSQL sequences never go back, so the option changes nothing there.

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("username_lower", String(64), nullable=False, unique=True),
    Column("email", String(255)),
    Column("password_hash", String(255), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_enc", Text, nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("time_zone", String(64)),
    Column("data_rate_limit", Integer),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # Disabled by an administrator: its key, tokens and sessions are refused.
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
    sqlite_autoincrement=True,
)

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", Text),
    Column("visibility", String(16), nullable=False, default="private"),
    Column("is_default", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("user_id", "key", name="uq_groups_user_key"),
    sqlite_autoincrement=True,
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", Text),
    Column("unit_type", String(64)),
    Column("unit_symbol", String(32)),
    Column("history", Boolean, nullable=False, default=True),
    Column("visibility", String(16), nullable=False, default="private"),
    Column("license", String(255)),
    Column("status_notify", Boolean, nullable=False, default=False),
    Column("status_timeout", Integer, nullable=False, default=60),
    Column("last_value", Text),
    Column("last_value_at", BigInteger),
    Column("data_count", BigInteger, nullable=False, default=0),
    Column("queue_position", String(26)),
    Column("offline_at", BigInteger),  # set while the feed status watcher holds it offline
    # The feed's own retention tiers over the server's defaults, as JSON ({"raw": 365}).
    Column("retention", Text),
    # The oldest time of the feed's points not yet in its rollups (storage/rollups.py).
    Column("rollup_from", BigInteger),
    Column("rollup_version", BigInteger, nullable=False, default=0),  # +1 a batch
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("user_id", "group_id", "key", name="uq_feeds_user_group_key"),
    Index("ix_feeds_user_key", "user_id", "key"),
    sqlite_autoincrement=True,
)

feed_groups = Table(
    "feed_groups",
    metadata,
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("group_id", Integer, ForeignKey("groups.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("feed_id", "group_id", name="pk_feed_groups"),
    Index("ix_feed_groups_group", "group_id"),
)

# Clustered by (feed, time) so that listing and charting one feed reads one range. On
# PostgreSQL the table is partitioned by week of created_at (storage/partitions.py), and
# ix_data_id is not unique there: a unique index on a partitioned table must hold the
# partition key (ids are ULIDs made by the writer, unique by construction).
data = Table(
    "data",
    metadata,
    Column("feed_id", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("id", String(26), nullable=False),
    Column("value", Text, nullable=False),
    Column("value_num", Float),
    Column("lat", Float),
    Column("lon", Float),
    Column("ele", Float),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("feed_id", "created_at", "id", name="pk_data"),
    Index("ix_data_id", "id", unique=True),
    sqlite_with_rowid=False,
    postgresql_partition_by="RANGE (created_at)",
)

# Summaries of each feed's points per minute, hour and day (storage/rollups.py). Like
# ``data``, no foreign key: deleting a feed deletes its rollups with its points.
rollups = Table(
    "rollups",
    metadata,
    Column("feed_id", Integer, nullable=False),
    Column("grain", SmallInteger, nullable=False),  # 0 minute, 1 hour, 2 day
    Column("bucket", BigInteger, nullable=False),  # start, ms, a multiple of the grain
    Column("points", BigInteger, nullable=False),
    Column("numbers", BigInteger, nullable=False),
    Column("total", Float, nullable=False),
    Column("low", Float),
    Column("high", Float),
    Column("first_at", BigInteger),
    Column("first_id", String(26)),
    Column("first_value", Float),
    Column("last_at", BigInteger),
    Column("last_id", String(26)),
    Column("last_value", Float),
    PrimaryKeyConstraint("feed_id", "grain", "bucket", name="pk_rollups"),
    sqlite_with_rowid=False,
)

# Background work a user started (storage/jobs.py): one row per user and kind.
jobs = Table(
    "jobs",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # running, done, failed
    Column("message", Text, nullable=False),  # the last progress line, or why it failed
    Column("report", Text, nullable=False),  # counts so far, JSON
    Column("started_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("user_id", "kind", name="pk_jobs"),
)

dashboards = Table(
    "dashboards",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", Text),
    Column("visibility", String(16), nullable=False, default="private"),
    Column("show_header", Boolean, nullable=False, default=True),
    Column("color_mode", String(16), nullable=False, default="dark"),
    Column("block_borders", Boolean, nullable=False, default=True),
    Column("allow_overlap", Boolean, nullable=False, default=False),
    Column("header_image_url", Text),
    Column("layouts", Text, nullable=False, default="{}"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("user_id", "key", name="uq_dashboards_user_key"),
    sqlite_autoincrement=True,
)

blocks = Table(
    "blocks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "dashboard_id",
        Integer,
        ForeignKey("dashboards.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("name", String(255)),
    Column("description", Text),
    Column("visual_type", String(64), nullable=False),
    Column("properties", Text, nullable=False, default="{}"),
    Column("column", Integer),
    Column("row", Integer),
    Column("size_x", Integer, nullable=False, default=4),
    Column("size_y", Integer, nullable=False, default=4),
    Column("block_feeds", Text, nullable=False, default="[]"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_autoincrement=True,
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("action", String(16), nullable=False),
    Column("model", String(32), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_activities_user_id", "user_id", "id"),
    sqlite_autoincrement=True,
)

webhook_receivers = Table(
    "webhook_receivers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("token", String(64), nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_webhook_receivers_feed", "feed_id"),
    sqlite_autoincrement=True,
)

# MQTT state written through by the broker (protocols/mqtt/journal.py): persistent sessions,
# the QoS 1/2 messages kept for them (queued, or in flight once they have a packet id) and the
# retained messages of the free-form namespace. Payloads and MQTT 5 property blocks are bytes.
mqtt_sessions = Table(
    "mqtt_sessions",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("node", String(128)),  # the process holding it; NULL: let go at a graceful stop
    Column("protocol_level", SmallInteger, nullable=False),
    Column("expiry", Integer, nullable=False),  # Session Expiry Interval, seconds
    Column("expires_at", BigInteger),  # when it ends offline; NULL while connected
    Column("token_id", Integer),  # the scoped token it signed in with
    Column("subscriptions", LargeBinary, nullable=False),
    Column("incoming_qos2", LargeBinary, nullable=False),
    PrimaryKeyConstraint("user_id", "client_id", name="pk_mqtt_sessions"),
)

mqtt_messages = Table(
    "mqtt_messages",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("packet_id", Integer),
    Column("released", Boolean, nullable=False),
    Column("topic", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("qos", SmallInteger, nullable=False),
    Column("retain", Boolean, nullable=False),
    Column("properties", LargeBinary, nullable=False),
    Column("expires_at", BigInteger),
    PrimaryKeyConstraint("user_id", "client_id", "seq", name="pk_mqtt_messages"),
)

mqtt_retained = Table(
    "mqtt_retained",
    metadata,
    Column("owner", String(64), nullable=False),
    Column("topic", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("qos", SmallInteger, nullable=False),
    Column("properties", LargeBinary, nullable=False),
    Column("expires_at", BigInteger),
    PrimaryKeyConstraint("owner", "topic", name="pk_mqtt_retained"),
)

# Signed-in browser sessions of the web UI. The cookie holds a random token; only its
# SHA-256 is stored, so a leaked database does not leak live sessions.
ui_sessions = Table(
    "ui_sessions",
    metadata,
    Column("token_hash", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    Column("address", String(64)),
    Column("user_agent", Text),
    PrimaryKeyConstraint("token_hash", name="pk_ui_sessions"),
    Index("ix_ui_sessions_user", "user_id"),
)

# Access-list rows of feeds, groups and dashboards (the ACL API). ``user_id`` owns the object;
# ``scope`` is user (for grantee_id), public or secret. Deleting either user removes the row;
# deleting the object does not (object_id is not a foreign key: it names one of three tables),
# so the service deletes them with the object.
permissions = Table(
    "permissions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(16), nullable=False),
    Column("object_id", Integer, nullable=False),
    Column("scope", String(16), nullable=False),
    Column("grantee_id", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("mode", String(2), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_permissions_object", "model", "object_id"),
    Index("ix_permissions_grantee", "grantee_id"),
    sqlite_autoincrement=True,
)

# Scoped device tokens. Only the SHA-256 of the secret is stored (like ui_sessions); ``hint``
# is its first characters. ``scopes`` is a JSON list of {"model", "object_id", "mode"}.
tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("hint", String(16), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("expiration", BigInteger),
    Column("last_used_at", BigInteger),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_tokens_user", "user_id"),
    sqlite_autoincrement=True,
)

# Actions (docs/actions.md): ``spec`` is the JSON of domain.actions.action_json, as the user
# defined it; ``name`` and ``enabled`` repeat it for listings and the engine's queries.
actions = Table(
    "actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("spec", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_actions_user", "user_id"),
    sqlite_autoincrement=True,
)

# What each run of an action did; storage/actions.py keeps the last 50 of each action.
# ``reason``: data | schedule | run; ``status``: ok | failed | skipped; ``outputs`` a JSON
# list of {"type", "ok", "detail"}, one per output.
action_runs = Table(
    "action_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_id", Integer, ForeignKey("actions.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger),
    Column("reason", String(16), nullable=False),
    Column("trigger_value", Text),
    Column("status", String(16), nullable=False),
    Column("outputs", Text, nullable=False, default="[]"),
    Column("error", Text),
    Index("ix_action_runs_action", "action_id", "id"),
    sqlite_autoincrement=True,
)

# Feed status (services/feed_status.py): each time a feed with status_notify went offline
# (no data for status_timeout minutes) or online again; the store keeps the last 20 of a feed.
feed_status_changes = Table(
    "feed_status_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Index("ix_feed_status_changes_feed", "feed_id", "id"),
    sqlite_autoincrement=True,
)

# Password reset links (services/password_resets.py): one live link per user at most. Only
# the SHA-256 of the token is stored; using it or changing the password deletes the row.
password_resets = Table(
    "password_resets",
    metadata,
    Column("token_hash", String(64), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    PrimaryKeyConstraint("token_hash", name="pk_password_resets"),
    UniqueConstraint("user_id", name="uq_password_resets_user"),
)

# Facts about the installation as a whole, one row each (storage/installation.py): the
# fingerprint of the secret key the database was created with, and where that secret came from.
installation = Table(
    "installation",
    metadata,
    Column("name", String(64), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("name", name="pk_installation"),
)
