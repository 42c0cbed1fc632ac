"""The records the services pass around. Plain data, no behaviour beyond naming."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stonechat.domain.actions import ActionSpec


@dataclass(slots=True, frozen=True)
class User:
    id: int
    username: str
    email: str | None
    is_admin: bool
    time_zone: str | None
    data_rate_limit: int | None
    created_at: int
    updated_at: int
    disabled: bool = False  # set by an administrator: refused everywhere (domain/access)


@dataclass(slots=True, frozen=True)
class Group:
    id: int
    user_id: int
    key: str
    name: str
    description: str | None
    visibility: str
    is_default: bool
    created_at: int
    updated_at: int


@dataclass(slots=True)
class Feed:
    id: int
    user_id: int
    group_id: int
    group_key: str
    group_is_default: bool
    key: str
    name: str
    description: str | None
    unit_type: str | None
    unit_symbol: str | None
    history: bool
    visibility: str
    license: str | None
    status_notify: bool
    status_timeout: int
    last_value: str | None
    last_value_at: int | None
    data_count: int
    created_at: int
    updated_at: int
    # Keys of the non-default groups the feed belongs to, when the caller loaded them.
    member_groups: tuple[str, ...] = ()
    # When the feed status watcher marked it offline (status_notify); None while online.
    offline_at: int | None = None
    # The feed's own retention tiers over the server's defaults (domain/retention.py).
    retention: Mapping[str, int | None] = field(default_factory=dict)

    @property
    def full_key(self) -> str:
        """``key`` in the default group, ``group.key`` in any other (rest-api.md §4)."""
        return self.key if self.group_is_default else f"{self.group_key}.{self.key}"


@dataclass(slots=True, frozen=True)
class FeedStatusChange:
    """A feed went ``offline`` (no data for its status_timeout) or ``online`` again."""

    id: int
    feed_id: int
    status: str
    created_at: int


@dataclass(slots=True)
class Datum:
    id: str
    feed_id: int
    value: str
    lat: float | None
    lon: float | None
    ele: float | None
    created_at: int
    updated_at: int


@dataclass(slots=True)
class Dashboard:
    id: int
    user_id: int
    key: str
    name: str
    description: str | None
    visibility: str
    show_header: bool
    color_mode: str
    block_borders: bool
    allow_overlap: bool
    header_image_url: str | None
    layouts: dict[str, Any]
    created_at: int
    updated_at: int


@dataclass(slots=True)
class Block:
    id: int
    dashboard_id: int
    name: str | None
    description: str | None
    visual_type: str
    properties: dict[str, Any]
    column: int | None
    row: int | None
    size_x: int
    size_y: int
    block_feeds: list[dict[str, int | None]] = field(default_factory=list)
    created_at: int = 0
    updated_at: int = 0


@dataclass(slots=True, frozen=True)
class Activity:
    id: int
    user_id: int
    action: str
    model: str
    data: str
    created_at: int


@dataclass(slots=True, frozen=True)
class WebhookReceiver:
    id: int
    feed_id: int
    token: str
    created_at: int


@dataclass(slots=True, frozen=True)
class Permission:
    """A row of a feed's, group's or dashboard's access list (the ACL API).

    ``scope`` is ``user`` (granted to ``grantee_id`` with ``mode``), ``public`` (anyone may
    read: the same as visibility public) or ``secret`` (owner only: visibility private).
    """

    id: int
    user_id: int  # the owner of the object
    model: str  # feed | group | dashboard
    object_id: int
    scope: str  # user | public | secret
    grantee_id: int | None
    mode: str  # r | w | rw
    created_at: int
    updated_at: int


@dataclass(slots=True, frozen=True)
class TokenScope:
    """What a scoped token may do: ``mode`` on one feed or on every feed of one group."""

    model: str  # feed | group
    object_id: int
    mode: str  # r | w | rw


@dataclass(slots=True, frozen=True)
class Token:
    """A device token: the owner's rights, limited to ``scopes``, until ``expiration``."""

    id: int
    user_id: int
    name: str
    hint: str  # the secret's first characters, to tell tokens apart in lists
    scopes: tuple[TokenScope, ...]
    expiration: int | None
    last_used_at: int | None
    created_at: int
    updated_at: int


@dataclass(slots=True, frozen=True)
class StoredAction:
    """An action a user defined (``spec``), as stored."""

    id: int
    user_id: int
    spec: ActionSpec
    created_at: int
    updated_at: int


@dataclass(slots=True, frozen=True)
class RunOutput:
    """What one output of a run did: ``detail`` says what was sent, or why it failed."""

    type: str  # email | webhook | publish | log
    ok: bool
    detail: str


@dataclass(slots=True, frozen=True)
class ActionRun:
    """One run of an action: why it ran, with which value, and what each output did."""

    id: int
    action_id: int
    user_id: int
    started_at: int
    finished_at: int | None
    reason: str  # data | schedule | run
    trigger_value: str | None
    status: str  # ok | failed | skipped
    outputs: tuple[RunOutput, ...]
    error: str | None


# A running job writes at least every few seconds (services/import_jobs.py): one silent this
# long has stopped with its process.
JOB_STALE_MS = 60_000


@dataclass(slots=True, frozen=True)
class Job:
    """Background work a user started (storage/jobs.py), as far as it got."""

    user_id: int
    kind: str
    state: str  # running, done, failed
    message: str
    report: dict[str, int]
    started_at: int
    updated_at: int

    def interrupted(self, now: int) -> bool:
        """Running, but its process stopped (a restart): it may be started again."""
        return self.state == "running" and now - self.updated_at > JOB_STALE_MS
