"""MQTT 5 properties (MQTT 5 section 2.2.2) as an immutable value object.

:class:`Properties` has one attribute per property, ``None`` (or an empty tuple for the
repeatable ones) when absent. It is frozen so that one instance can be shared freely, in
particular the :data:`EMPTY_PROPERTIES` singleton that every packet defaults to and that
the decoder returns whenever a packet has no properties. Use :func:`dataclasses.replace`
to derive a modified copy. MQTT 3.1.1 packets always carry :data:`EMPTY_PROPERTIES`.

Byte-valued flags (``payload_format_indicator``, ``maximum_qos``, ``retain_available``,
...) are kept as the integers 0/1 found on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final


class PropertyId(IntEnum):
    """Property identifiers (MQTT 5 table 2-4)."""

    PAYLOAD_FORMAT_INDICATOR = 0x01
    MESSAGE_EXPIRY_INTERVAL = 0x02
    CONTENT_TYPE = 0x03
    RESPONSE_TOPIC = 0x08
    CORRELATION_DATA = 0x09
    SUBSCRIPTION_IDENTIFIER = 0x0B
    SESSION_EXPIRY_INTERVAL = 0x11
    ASSIGNED_CLIENT_IDENTIFIER = 0x12
    SERVER_KEEP_ALIVE = 0x13
    AUTHENTICATION_METHOD = 0x15
    AUTHENTICATION_DATA = 0x16
    REQUEST_PROBLEM_INFORMATION = 0x17
    WILL_DELAY_INTERVAL = 0x18
    REQUEST_RESPONSE_INFORMATION = 0x19
    RESPONSE_INFORMATION = 0x1A
    SERVER_REFERENCE = 0x1C
    REASON_STRING = 0x1F
    RECEIVE_MAXIMUM = 0x21
    TOPIC_ALIAS_MAXIMUM = 0x22
    TOPIC_ALIAS = 0x23
    MAXIMUM_QOS = 0x24
    RETAIN_AVAILABLE = 0x25
    USER_PROPERTY = 0x26
    MAXIMUM_PACKET_SIZE = 0x27
    WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28
    SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29
    SHARED_SUBSCRIPTION_AVAILABLE = 0x2A


@dataclass(frozen=True, kw_only=True, repr=False)
class Properties:
    """The properties of one MQTT 5 packet (or of a Will message).

    Every attribute is named after the property in the specification. The two repeatable
    properties are tuples: ``subscription_identifiers`` (Variable Byte Integers) and
    ``user_properties`` (ordered ``(name, value)`` pairs, duplicates allowed).

    Deliberately not a slots class: the defaults live on the class, so the decoder can
    build an instance holding only the properties present on the wire
    (:func:`properties_from_values`) instead of assigning all 27 attributes.
    """

    payload_format_indicator: int | None = None
    message_expiry_interval: int | None = None
    content_type: str | None = None
    response_topic: str | None = None
    correlation_data: bytes | None = None
    subscription_identifiers: tuple[int, ...] = ()
    session_expiry_interval: int | None = None
    assigned_client_identifier: str | None = None
    server_keep_alive: int | None = None
    authentication_method: str | None = None
    authentication_data: bytes | None = None
    request_problem_information: int | None = None
    will_delay_interval: int | None = None
    request_response_information: int | None = None
    response_information: str | None = None
    server_reference: str | None = None
    reason_string: str | None = None
    receive_maximum: int | None = None
    topic_alias_maximum: int | None = None
    topic_alias: int | None = None
    maximum_qos: int | None = None
    retain_available: int | None = None
    user_properties: tuple[tuple[str, str], ...] = ()
    maximum_packet_size: int | None = None
    wildcard_subscription_available: int | None = None
    subscription_identifier_available: int | None = None
    shared_subscription_available: int | None = None

    def __repr__(self) -> str:
        present = [
            f"{name}={getattr(self, name)!r}"
            for name in PROPERTY_NAMES.values()
            if getattr(self, name) not in (None, ())
        ]
        return f"Properties({', '.join(present)})"

    def __bool__(self) -> bool:
        """Return whether any property is present."""
        return any(value is not None and value != () for value in self.__dict__.values())

    def present(self) -> dict[str, object]:
        """Return the properties that are present, as ``{attribute name: value}``."""
        return {k: v for k, v in self.__dict__.items() if v is not None and v != ()}


_new_object = object.__new__
_set_attribute = object.__setattr__


def properties_from_values(values: dict[str, object]) -> Properties:
    """Build :class:`Properties` from ``{attribute name: value}`` without validation.

    Fast constructor for the decoder: ``values`` becomes the instance's ``__dict__`` (it
    must not be used afterwards) and absent properties fall back to the class defaults.
    """
    instance: Properties = _new_object(Properties)
    _set_attribute(instance, "__dict__", values)
    return instance


EMPTY_PROPERTIES: Final = properties_from_values({})
"""The shared "no properties" value: equal to ``Properties()``, with nothing in its
``__dict__`` (every field reads its class default), so that ``bool()`` of it, asked for
every routed publish, looks at no field (0.3 us; 1.1 us with all 27 set to None)."""

PROPERTY_NAMES: Final[dict[int, str]] = {
    PropertyId.PAYLOAD_FORMAT_INDICATOR: "payload_format_indicator",
    PropertyId.MESSAGE_EXPIRY_INTERVAL: "message_expiry_interval",
    PropertyId.CONTENT_TYPE: "content_type",
    PropertyId.RESPONSE_TOPIC: "response_topic",
    PropertyId.CORRELATION_DATA: "correlation_data",
    PropertyId.SUBSCRIPTION_IDENTIFIER: "subscription_identifiers",
    PropertyId.SESSION_EXPIRY_INTERVAL: "session_expiry_interval",
    PropertyId.ASSIGNED_CLIENT_IDENTIFIER: "assigned_client_identifier",
    PropertyId.SERVER_KEEP_ALIVE: "server_keep_alive",
    PropertyId.AUTHENTICATION_METHOD: "authentication_method",
    PropertyId.AUTHENTICATION_DATA: "authentication_data",
    PropertyId.REQUEST_PROBLEM_INFORMATION: "request_problem_information",
    PropertyId.WILL_DELAY_INTERVAL: "will_delay_interval",
    PropertyId.REQUEST_RESPONSE_INFORMATION: "request_response_information",
    PropertyId.RESPONSE_INFORMATION: "response_information",
    PropertyId.SERVER_REFERENCE: "server_reference",
    PropertyId.REASON_STRING: "reason_string",
    PropertyId.RECEIVE_MAXIMUM: "receive_maximum",
    PropertyId.TOPIC_ALIAS_MAXIMUM: "topic_alias_maximum",
    PropertyId.TOPIC_ALIAS: "topic_alias",
    PropertyId.MAXIMUM_QOS: "maximum_qos",
    PropertyId.RETAIN_AVAILABLE: "retain_available",
    PropertyId.USER_PROPERTY: "user_properties",
    PropertyId.MAXIMUM_PACKET_SIZE: "maximum_packet_size",
    PropertyId.WILDCARD_SUBSCRIPTION_AVAILABLE: "wildcard_subscription_available",
    PropertyId.SUBSCRIPTION_IDENTIFIER_AVAILABLE: "subscription_identifier_available",
    PropertyId.SHARED_SUBSCRIPTION_AVAILABLE: "shared_subscription_available",
}
"""Property identifier -> :class:`Properties` attribute name."""

__all__ = [
    "EMPTY_PROPERTIES",
    "PROPERTY_NAMES",
    "Properties",
    "PropertyId",
    "properties_from_values",
]
