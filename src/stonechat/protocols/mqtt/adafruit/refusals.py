"""What a refused feed or group write says: its MQTT 5 reason code and its
``{user}/errors`` text (mqtt-api.md §3.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stonechat.domain.errors import Forbidden, Invalid, NotFound, StonechatError, TooLarge
from stonechat.domain.points import PointInput, check_point
from stonechat.domain.timestamps import now_ms
from stonechat.domain.topics import FeedTopic, GroupTopic
from stonechat.protocols.mqtt.codec import ReasonCode
from stonechat.protocols.mqtt.replies import reason_for

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.session import Session


def refusal(
    session: Session,
    topic: FeedTopic | GroupTopic,
    pairs: list[tuple[str, PointInput]],
    error: StonechatError,
) -> tuple[int, str]:
    """The MQTT 5 reason code and ``{user}/errors`` text of a refused feed or group write."""
    if isinstance(error, NotFound | Forbidden):
        if topic.owner.lower() != session.owner:  # the same answer for missing and refused
            text = (
                "only shared feeds may be published to"
                if isinstance(topic, FeedTopic)
                else "resource not available or not authorized"
            )
            return reason_for(error), f"rejected, {text}"
        if isinstance(error, Forbidden) or not session.principal.is_full_user:
            return reason_for(error), f"rejected, {error.message}"
        # The owner's topic names a group or feed that is not there.
        reason = (
            ReasonCode.TOPIC_NAME_INVALID
            if isinstance(topic, FeedTopic)
            else ReasonCode.PAYLOAD_FORMAT_INVALID
        )
        return reason, f"rejected, {error.message}"
    if (
        isinstance(topic, FeedTopic)
        and isinstance(error, Invalid)
        and not isinstance(error, TooLarge)
        and _points_valid(pairs)
    ):
        # The feed name, not the point.
        return ReasonCode.TOPIC_NAME_INVALID, f"rejected, {error.message}"
    return reason_for(error), f"rejected, {error.message}"


def _points_valid(pairs: list[tuple[str, PointInput]]) -> bool:
    now = now_ms()
    try:
        for _, point in pairs:
            check_point(point, now)
    except StonechatError:
        return False
    return True


def owned(session: Session, topic: FeedTopic | GroupTopic) -> bool:
    """The session's user's own topic, signed in with every right (not a scoped token)."""
    return topic.owner.lower() == session.owner and session.principal.is_full_user
