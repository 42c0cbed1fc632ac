"""Hypothesis strategies producing valid MQTT packets for either protocol version.

The property/packet-type table below is transcribed from MQTT 5 table 2-4 independently
of the codec's own table, so a mistake in either shows up as a failing round trip.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from stonechat.protocols.mqtt.codec import (
    Auth,
    Connack,
    Connect,
    Disconnect,
    Packet,
    Pingreq,
    Pingresp,
    Properties,
    Puback,
    Pubcomp,
    Publish,
    Pubrec,
    Pubrel,
    Suback,
    Subscribe,
    SubscriptionOptions,
    Unsuback,
    Unsubscribe,
    Will,
)
from stonechat.protocols.mqtt.codec import reason_codes as rc

CODEC_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STREAM_SETTINGS = settings(CODEC_SETTINGS, max_examples=100)
"""For the tests that draw whole packet streams per example."""

WILL = "will"
texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
topic_names = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00+#"), min_size=1, max_size=12
)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
flag = st.integers(0, 1)
packet_ids = st.integers(1, 0xFFFF)

_CONNACK_ONLY = ("CONNACK",)
_REASON_STRING_IN = (
    *("CONNACK", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP"),
    *("SUBACK", "UNSUBACK", "DISCONNECT", "AUTH"),
)
# property name -> (value strategy, packet types), MQTT 5 table 2-4
PROPERTY_TABLE: dict[str, tuple[st.SearchStrategy[Any], tuple[str, ...]]] = {
    "payload_format_indicator": (flag, ("PUBLISH", WILL)),
    "message_expiry_interval": (u32, ("PUBLISH", WILL)),
    "content_type": (texts, ("PUBLISH", WILL)),
    "response_topic": (topic_names, ("PUBLISH", WILL)),
    "correlation_data": (st.binary(max_size=12), ("PUBLISH", WILL)),
    "session_expiry_interval": (u32, ("CONNECT", "CONNACK", "DISCONNECT")),
    "assigned_client_identifier": (texts, _CONNACK_ONLY),
    "server_keep_alive": (u16, _CONNACK_ONLY),
    "authentication_method": (texts, ("CONNECT", "CONNACK", "AUTH")),
    "request_problem_information": (flag, ("CONNECT",)),
    "will_delay_interval": (u32, (WILL,)),
    "request_response_information": (flag, ("CONNECT",)),
    "response_information": (texts, _CONNACK_ONLY),
    "server_reference": (texts, ("CONNACK", "DISCONNECT")),
    "reason_string": (texts, _REASON_STRING_IN),
    "receive_maximum": (st.integers(1, 0xFFFF), ("CONNECT", "CONNACK")),
    "topic_alias_maximum": (u16, ("CONNECT", "CONNACK")),
    "topic_alias": (st.integers(1, 0xFFFF), ("PUBLISH",)),
    "maximum_qos": (flag, _CONNACK_ONLY),
    "retain_available": (flag, _CONNACK_ONLY),
    "maximum_packet_size": (st.integers(1, 0xFFFFFFFF), ("CONNECT", "CONNACK")),
    "wildcard_subscription_available": (flag, _CONNACK_ONLY),
    "subscription_identifier_available": (flag, _CONNACK_ONLY),
    "shared_subscription_available": (flag, _CONNACK_ONLY),
}
_AUTH_DATA_IN = ("CONNECT", "CONNACK", "AUTH")
_ALLOWED = {
    kind: tuple(name for name, (_, allowed) in PROPERTY_TABLE.items() if kind in allowed)
    for kind in (
        *("CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP"),
        *("SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "DISCONNECT", "AUTH", WILL),
    )
}
_SUB_ID = st.integers(1, 268_435_455)


@st.composite
def _properties(draw: st.DrawFn, packet_type: str, v5: bool = True) -> Properties:
    """Random valid properties for ``packet_type`` (a PacketType name or ``WILL``)."""
    if not v5:
        return Properties()
    allowed = _ALLOWED[packet_type]
    names = draw(st.sets(st.sampled_from(allowed), max_size=len(allowed))) if allowed else set()
    values: dict[str, Any] = {name: draw(PROPERTY_TABLE[name][0]) for name in sorted(names)}
    if packet_type in _AUTH_DATA_IN and "authentication_method" in values and draw(st.booleans()):
        values["authentication_data"] = draw(st.binary(max_size=12))
    if packet_type == "PUBLISH":
        values["subscription_identifiers"] = tuple(draw(st.lists(_SUB_ID, max_size=3)))
    elif packet_type == "SUBSCRIBE":
        values["subscription_identifiers"] = tuple(draw(st.lists(_SUB_ID, max_size=1)))
    pairs = st.tuples(texts, texts)
    values["user_properties"] = tuple(draw(st.lists(pairs, max_size=3)))
    return Properties(**values)


@functools.cache
def properties(packet_type: str, v5: bool = True) -> st.SearchStrategy[Properties]:
    """Random valid properties for ``packet_type`` (a PacketType name or ``WILL``)."""
    return _properties(packet_type, v5)


@st.composite
def _connects(draw: st.DrawFn, v5: bool) -> Connect:
    """A CONNECT of level 5 (``v5``) or level 3/4."""
    level = 5 if v5 else draw(st.sampled_from((3, 4)))
    will = None
    if draw(st.booleans()):
        will = Will(
            draw(topic_names),
            draw(st.binary(max_size=20)),
            draw(st.integers(0, 2)),
            draw(st.booleans()),
            draw(properties(WILL, v5)),
        )
    username = draw(st.none() | texts)
    password = draw(st.none() | st.binary(max_size=12))
    if username is None and not v5:
        password = None
    return Connect(
        "MQIsdp" if level == 3 else "MQTT",
        level,
        draw(st.booleans()),
        draw(u16),
        draw(texts),
        username,
        password,
        will,
        draw(properties("CONNECT", v5)),
    )


@functools.cache
def connects(v5: bool) -> st.SearchStrategy[Connect]:
    """A CONNECT of level 5 (``v5``) or level 3/4."""
    return _connects(v5)


@st.composite
def _connacks(draw: st.DrawFn, v5: bool) -> Connack:
    """A CONNACK with a valid reason/return code."""
    code = draw(st.sampled_from(sorted(rc.CONNACK_V5 if v5 else rc.CONNACK_V3)))
    session_present = draw(st.booleans()) and code == 0
    return Connack(session_present, code, draw(properties("CONNACK", v5)))


@functools.cache
def connacks(v5: bool) -> st.SearchStrategy[Connack]:
    """A CONNACK with a valid reason/return code."""
    return _connacks(v5)


@st.composite
def _publishes(draw: st.DrawFn, v5: bool, from_client: bool = False) -> Publish:
    """A PUBLISH; with ``from_client`` it carries no subscription identifier."""
    qos = draw(st.integers(0, 2))
    props = draw(properties("PUBLISH", v5))
    if from_client and props.subscription_identifiers:
        props = Properties(user_properties=props.user_properties)
    topic = draw(topic_names)
    if v5 and props.topic_alias is not None and draw(st.booleans()):
        topic = ""
    dup = draw(st.booleans()) and not (v5 and qos == 0)
    packet_id = draw(packet_ids) if qos else None
    payload = draw(st.binary(max_size=200))
    return Publish(topic, payload, qos, draw(st.booleans()), dup, packet_id, props)


@functools.cache
def publishes(v5: bool, from_client: bool = False) -> st.SearchStrategy[Publish]:
    """A PUBLISH; with ``from_client`` it carries no subscription identifier."""
    return _publishes(v5, from_client)


@functools.cache
def acks(name: str, v5: bool) -> st.SearchStrategy[Any]:
    """PUBACK/PUBREC/PUBREL/PUBCOMP (``name``) with a valid reason code."""
    cls = {"PUBACK": Puback, "PUBREC": Pubrec, "PUBREL": Pubrel, "PUBCOMP": Pubcomp}[name]
    codes = {"PUBACK": rc.PUBACK_V5, "PUBREC": rc.PUBREC_V5}.get(name, rc.PUBREL_V5)
    code = st.sampled_from(sorted(codes)) if v5 else st.just(0)
    return st.builds(cls, packet_ids, code, properties(name, v5))


@st.composite
def _subscription_options(draw: st.DrawFn, v5: bool, shared: bool) -> SubscriptionOptions:
    """Options valid for a (``shared``) filter: no ``no_local`` on shared subscriptions."""
    qos = draw(st.integers(0, 2))
    if not v5:
        return SubscriptionOptions(qos)
    no_local = draw(st.booleans()) and not shared
    return SubscriptionOptions(qos, no_local, draw(st.booleans()), draw(st.integers(0, 2)))


_OPTIONS = {
    (v5, shared): _subscription_options(v5, shared)
    for v5 in (False, True)
    for shared in (False, True)
}


@st.composite
def _subscribes(draw: st.DrawFn, v5: bool) -> Subscribe:
    """A SUBSCRIBE with one to four filters."""
    filters = draw(st.lists(texts | st.just("$share/g/a/+"), min_size=1, max_size=4))
    pairs = [(f, draw(_OPTIONS[v5, f.startswith("$share/")])) for f in filters]
    return Subscribe(draw(packet_ids), pairs, draw(properties("SUBSCRIBE", v5)))


@functools.cache
def subscribes(v5: bool) -> st.SearchStrategy[Subscribe]:
    """A SUBSCRIBE with one to four filters."""
    return _subscribes(v5)


@functools.cache
def packets(v5: bool, from_client: bool = False) -> st.SearchStrategy[Packet]:
    """Any packet type but CONNECT; only client-to-server types with ``from_client``."""
    sub_codes = st.sampled_from(sorted(rc.SUBACK_V5 if v5 else rc.SUBACK_V3))
    unsub_codes = st.lists(st.sampled_from(sorted(rc.UNSUBACK_V5)), max_size=4) if v5 else None
    client: list[st.SearchStrategy[Any]] = [
        publishes(v5, from_client),
        acks("PUBACK", v5),
        acks("PUBREC", v5),
        acks("PUBREL", v5),
        acks("PUBCOMP", v5),
        subscribes(v5),
        st.builds(
            Unsubscribe,
            packet_ids,
            st.lists(texts, min_size=1, max_size=4),
            properties("UNSUBSCRIBE", v5),
        ),
        st.builds(Pingreq),
    ]
    if v5:
        disconnect_codes = st.sampled_from(sorted(rc.DISCONNECT_V5))
        auth_codes = st.sampled_from(sorted(rc.AUTH_V5))
        client.append(st.builds(Disconnect, disconnect_codes, properties("DISCONNECT")))
        client.append(st.builds(Auth, auth_codes, properties("AUTH")))
    else:
        client.append(st.builds(Disconnect))
    if from_client:
        return st.one_of(client)
    server: list[st.SearchStrategy[Any]] = [
        connacks(v5),
        st.builds(Suback, packet_ids, st.lists(sub_codes, max_size=4), properties("SUBACK", v5)),
        st.builds(Pingresp),
        st.builds(Unsuback, packet_ids, unsub_codes, properties("UNSUBACK"))
        if unsub_codes is not None
        else st.builds(Unsuback, packet_ids),
    ]
    return st.one_of(client + server)


@functools.cache
def any_packets(v5: bool) -> st.SearchStrategy[Packet]:
    """Every packet type, CONNECT included, for version 5 or 3.1.1."""
    return st.one_of(connects(v5), packets(v5))
