"""The dispatch table: one handler per packet type, each ``(state, conn, packet) -> Handled``
(``Broker.handle`` looks the packet's type up here).

Handlers work on the ``BrokerState`` and call down into the core's modules (``sessions``,
``delivery``, ``notices``, ...) and the application's ``Hooks``; none calls back into the
state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from stonechat.protocols.mqtt.codec import (
    Auth,
    Connect,
    Disconnect,
    Pingreq,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Subscribe,
    Unsubscribe,
)
from stonechat.protocols.mqtt.handlers import acks
from stonechat.protocols.mqtt.handlers.connect import handle_connect
from stonechat.protocols.mqtt.handlers.publish import handle_publish
from stonechat.protocols.mqtt.handlers.subscribe import handle_subscribe, handle_unsubscribe

if TYPE_CHECKING:
    from stonechat.protocols.mqtt.connection import Connection, Handled
    from stonechat.protocols.mqtt.state import BrokerState

Handler = Callable[["BrokerState", "Connection", Any], "Handled"]

HANDLERS: dict[type, Handler] = {
    Connect: handle_connect,
    Publish: handle_publish,
    Puback: acks.handle_puback,
    Pubrec: acks.handle_pubrec,
    Pubrel: acks.handle_pubrel,
    Pubcomp: acks.handle_pubcomp,
    Subscribe: handle_subscribe,
    Unsubscribe: handle_unsubscribe,
    Pingreq: acks.handle_pingreq,
    Disconnect: acks.handle_disconnect,
    Auth: acks.handle_auth,
}
