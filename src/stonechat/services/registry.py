"""The services a protocol adapter needs, built once by the runtime."""

from __future__ import annotations

from dataclasses import dataclass, field

from stonechat.actions.mail import Mailer
from stonechat.domain.retention import Retention
from stonechat.limits.counter import MinuteCounter
from stonechat.limits.limiter import Limiter
from stonechat.services.access import AccessService
from stonechat.services.accounts import AccountService
from stonechat.services.actions import ActionService
from stonechat.services.admin import AdminService
from stonechat.services.dashboards import DashboardService
from stonechat.services.data import DataService
from stonechat.services.feeds import FeedService
from stonechat.services.groups import GroupService
from stonechat.services.import_jobs import ImportJobs
from stonechat.services.ingest import IngestService
from stonechat.services.live_connections import ConnectionDirectory
from stonechat.services.notices import Notices
from stonechat.services.password_resets import PasswordResets
from stonechat.services.sessions import SessionService
from stonechat.services.sharing import SharingService
from stonechat.services.tokens import TokenService
from stonechat.services.webhooks import WebhookService
from stonechat.services.writes import WriteService
from stonechat.storage.activities import ActivityStore
from stonechat.storage.feed_status import FeedStatusStore
from stonechat.storage.webhooks import WebhookStore


@dataclass(slots=True)
class Services:
    accounts: AccountService
    access: AccessService
    feeds: FeedService
    groups: GroupService
    data: DataService
    ingest: IngestService
    dashboards: DashboardService
    webhooks: WebhookService
    activities: ActivityStore
    receivers: WebhookStore
    sessions: SessionService
    sharing: SharingService
    tokens: TokenService
    actions: ActionService
    writes: WriteService
    counter: MinuteCounter
    limiter: Limiter
    retention: Retention  # the tiers every feed has unless it sets its own
    data_rate_limit: int
    # Web UI options (fields with defaults stay last).
    signup_enabled: bool = True
    public_url: str | None = None
    # Map tiles of the web UI (a URL template; None: offline maps) and their attribution.
    map_tiles: str | None = None
    map_attribution: str = ""
    # Where devices reach the broker (shown in the web UI's ready-to-paste snippets).
    mqtt_port: int = 1883
    # Email (actions, feed status, password reset); ``mailer.configured`` is False without
    # an SMTP server, and the server runs without email.
    mailer: Mailer | None = None
    # Feeds' status changes (``services.feed_status`` writes them; feed JSON shows them).
    feed_status: FeedStatusStore | None = None
    # Password reset by email (``available`` only when email is set up).
    password_resets: PasswordResets | None = None
    # Notices ({user}/errors, {user}/throttle) for the web UI; the broker publishes them.
    notices: Notices = field(default_factory=Notices)
    # Administration (the web UI's admin page); the broker plugs into ``connections``.
    admin: AdminService | None = None
    connections: ConnectionDirectory | None = None
    # Moving in from Adafruit IO from the web UI (runtime.py sets it; None in commands).
    import_jobs: ImportJobs | None = None
