"""Every name used on the bus between processes, in one place: the kinds of cluster signals
(``ClusterBus.broadcast`` / ``tell`` / ``on`` / ``request``), the names claimed with
``ClusterBus.claim``, and the Redis channels and keys that carry them.
"""

from __future__ import annotations

# -- MQTT broker core ----------------------------------------------------------------------
ROUTE = "route"  # a free-form publish made in another process
NOTICE = "notice"  # a {user}/errors or throttle notice made in another process
REVOKE = "revoke"  # a regenerated key: end that user's connections everywhere
TAKEOVER = "takeover"  # request: let go of a client id another process takes over
SESSIONS_SAVED = "sessions saved"  # a stopping process let go of these sessions


# -- MQTT shared subscriptions (share_cluster) ---------------------------------------------
SHARE_MEMBERS = "share members"  # one group's members in one process changed
SHARE_ALL = "share all"  # every group of one process (periodic, or an answer)
SHARE_ASK = "share ask"  # a process starts: tell it what you hold

# -- access (services.access) --------------------------------------------------------------
ACCESS_CHANGED = "access"  # a share, a visibility or a token scope changed
TOKEN_REVOKED = "token_revoked"  # a token was deleted or changed
USER_DISABLED = "user disabled"  # a user was disabled or deleted: end its connections

# -- administration (services.live_connections) --------------------------------------------
CONNECTIONS_ASK = "connections ask"  # tell the asking process your live MQTT connections
CONNECTIONS_ANSWER = "connections answer"  # one process's live MQTT connections
CLIENT_DISCONNECT = "client disconnect"  # an administrator ends one MQTT connection

# -- actions (services.action_engine) -------------------------------------------------------
ACTIONS_CHANGED = "actions"  # a user's actions changed: the engine's process reloads them

# -- Redis (``P`` is the installation's prefix) --------------------------------------------
DEFAULT_PREFIX = "stonechat"


def data_channel(prefix: str) -> str:
    """``P:data``: committed points, to every process."""
    return f"{prefix}:data"


def signal_channel(prefix: str) -> str:
    """``P:signal``: signals to every process."""
    return f"{prefix}:signal"


def node_channel(prefix: str, node: str) -> str:
    """``P:node:<node>``: signals and requests to one process, and their answers."""
    return f"{prefix}:node:{node}"


def holder_key(prefix: str, name: str) -> str:
    """``P:holder:<name>``: the process holding ``name`` (``claim``)."""
    return f"{prefix}:holder:{name}"


def session_holder(key: tuple[int, str]) -> str:
    """The name under which the process holding an MQTT session is recorded (``claim``)."""
    return f"session:{key[0]}:{key[1]}"
