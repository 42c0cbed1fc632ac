"""MQTT state written through: sessions, their messages and retained messages in columns.

Until now persistent sessions and retained messages were saved at a graceful stop only, each
as one JSON document with payloads in hex. Now the broker writes them as they change:
``mqtt_sessions`` holds one row per persistent session (subscriptions as one small blob),
``mqtt_messages`` one row per QoS 1/2 message kept for a session, ``mqtt_retained`` one row
per retained message; payloads and MQTT 5 property blocks are binary columns. What the old
tables held is converted (a document that cannot be read is skipped). Going down drops the
stored MQTT state.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SUBSCRIPTION_KEYS = (
    "filter",
    "qos",
    "no_local",
    "rap",
    "rh",
    "id",
    "kind",
    "owner",
    "ident",
    "fmt",
    "guarded",
    "owner_id",
)
DEFAULTS = {"guarded": False, "owner_id": 0}


def _user_id() -> sa.Column[int]:
    return sa.Column(
        "user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )


def _new_tables() -> tuple[sa.Table, sa.Table, sa.Table]:
    sessions = op.create_table(
        "mqtt_sessions",
        _user_id(),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("node", sa.String(128)),
        sa.Column("protocol_level", sa.SmallInteger(), nullable=False),
        sa.Column("expiry", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger()),
        sa.Column("token_id", sa.Integer()),
        sa.Column("subscriptions", sa.LargeBinary(), nullable=False),
        sa.Column("incoming_qos2", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "client_id", name="pk_mqtt_sessions"),
    )
    messages = op.create_table(
        "mqtt_messages",
        _user_id(),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("packet_id", sa.Integer()),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("qos", sa.SmallInteger(), nullable=False),
        sa.Column("retain", sa.Boolean(), nullable=False),
        sa.Column("properties", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.BigInteger()),
        sa.PrimaryKeyConstraint("user_id", "client_id", "seq", name="pk_mqtt_messages"),
    )
    retained = op.create_table(
        "mqtt_retained",
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("qos", sa.SmallInteger(), nullable=False),
        sa.Column("properties", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.BigInteger()),
        sa.PrimaryKeyConstraint("owner", "topic", name="pk_mqtt_retained"),
    )
    return sessions, messages, retained


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def _publish(data: bytes, level: int) -> dict[str, Any]:
    """The parts of an encoded PUBLISH (what an in-flight message was saved as)."""
    first = data[0]
    _length, at = _varint(data, 1)
    size = int.from_bytes(data[at : at + 2], "big")
    topic = data[at + 2 : at + 2 + size].decode()
    at += 2 + size
    qos = (first >> 1) & 3
    if qos:
        at += 2
    properties = b""
    if level == 5:
        length, start = _varint(data, at)
        properties = data[start : start + length]
        at = start + length
    return {
        "topic": topic,
        "payload": data[at:],
        "qos": qos,
        "retain": bool(first & 1),
        "properties": properties,
        "expires_at": None,
    }


def _message(state: dict[str, Any]) -> dict[str, Any]:
    return {
        "topic": state["topic"],
        "payload": bytes.fromhex(state["payload"]),
        "qos": state["qos"],
        "retain": bool(state["retain"]),
        "properties": bytes.fromhex(state.get("props") or ""),
        "expires_at": state.get("expires"),
    }


def _convert_session(
    row: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    state = json.loads(row.state)
    level = int(state["protocol_level"])
    expiry = int(float(state["expiry"]))
    subs = [[s.get(k, DEFAULTS.get(k)) for k in SUBSCRIPTION_KEYS] for s in state["subscriptions"]]
    ids = b"".join(int(i).to_bytes(2, "big") for i in sorted(state["incoming_qos2"]))
    key = {"user_id": row.user_id, "client_id": row.client_id}
    session = {
        **key,
        "node": None,
        "protocol_level": level,
        "expiry": expiry,
        "expires_at": int(row.saved_at) + expiry * 1000,  # saved offline at a graceful stop
        "token_id": state.get("token_id"),
        "subscriptions": json.dumps(subs, separators=(",", ":")).encode(),
        "incoming_qos2": ids,
    }
    messages = []
    for e in state["inflight"]:
        messages.append(
            {
                **key,
                **_publish(bytes.fromhex(e["packet"]), level),
                "packet_id": e["id"],
                "released": bool(e["released"]),
            }
        )
    for m in state["queue"]:
        messages.append({**key, **_message(m), "packet_id": None, "released": False})
    for seq, message in enumerate(messages, 1):
        message["seq"] = seq
    return session, messages


def upgrade() -> None:
    bind = op.get_bind()
    old_sessions = bind.execute(sa.text("SELECT * FROM mqtt_sessions")).all()
    old_retained = bind.execute(sa.text("SELECT * FROM mqtt_retained")).all()
    op.drop_table("mqtt_sessions")
    op.drop_table("mqtt_retained")
    sessions, messages, retained = _new_tables()
    session_rows: list[dict[str, Any]] = []
    message_rows: list[dict[str, Any]] = []
    retained_rows: list[dict[str, Any]] = []
    for row in old_sessions:
        try:
            session, queued = _convert_session(row)
        except (ValueError, KeyError, TypeError, IndexError):
            continue  # unreadable: the session is not kept
        session_rows.append(session)
        message_rows.extend(queued)
    for row in old_retained:
        try:
            retained_rows.append({"owner": row.owner, **_message(json.loads(row.state))})
        except (ValueError, KeyError, TypeError):
            continue
    for kept in retained_rows:
        del kept["retain"]
    for table, rows in ((sessions, session_rows), (messages, message_rows)):
        if rows:
            op.bulk_insert(table, rows)
    if retained_rows:
        op.bulk_insert(retained, retained_rows)


def downgrade() -> None:
    op.drop_table("mqtt_messages")
    op.drop_table("mqtt_sessions")
    op.drop_table("mqtt_retained")
    op.create_table(
        "mqtt_sessions",
        _user_id(),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("saved_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "client_id", name="pk_mqtt_sessions"),
    )
    op.create_table(
        "mqtt_retained",
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("owner", "topic", name="pk_mqtt_retained"),
    )
