"""Sans-I/O MQTT 3.1.1 / MQTT 5.0 codec.

Decoding (bytes from the network -> packet objects)::

    decoder = Decoder(max_packet_size=1 << 20)       # server side by default
    packets = decoder.feed(data)                      # raises only ProtocolError
    decoder.protocol_level                            # 3/4/5 once CONNECT was read

Encoding (packet objects -> bytes)::

    encode(Connack(reason_code=0), decoder.protocol_level)
    encode_publish("sensors/1", b"21.5", qos=1, packet_id=7, protocol_level=5)

Packets are the dataclasses of :mod:`.packets`; MQTT 5 properties are the frozen
:class:`Properties` value object (:data:`EMPTY_PROPERTIES` when absent).
"""

from .decoder import MAX_PACKET_SIZE, Decoder
from .encoder import encode, encode_publish, publish_parts, publish_with_packet_id
from .errors import ProtocolError
from .packets import (
    Auth,
    Connack,
    Connect,
    Disconnect,
    Packet,
    PacketType,
    Pingreq,
    Pingresp,
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
from .properties import EMPTY_PROPERTIES, Properties, PropertyId
from .property_codec import encode_properties
from .reason_codes import ConnackReturnCode, ReasonCode
from .topics import is_valid_topic_filter, is_valid_topic_name, split_shared_subscription

__all__ = [
    "EMPTY_PROPERTIES",
    "MAX_PACKET_SIZE",
    "Auth",
    "Connack",
    "ConnackReturnCode",
    "Connect",
    "Decoder",
    "Disconnect",
    "Packet",
    "PacketType",
    "Pingreq",
    "Pingresp",
    "Properties",
    "PropertyId",
    "ProtocolError",
    "Puback",
    "Pubcomp",
    "Publish",
    "Pubrec",
    "Pubrel",
    "ReasonCode",
    "Suback",
    "Subscribe",
    "SubscriptionOptions",
    "Unsuback",
    "Unsubscribe",
    "Will",
    "encode",
    "encode_properties",
    "encode_publish",
    "is_valid_topic_filter",
    "is_valid_topic_name",
    "publish_parts",
    "publish_with_packet_id",
    "split_shared_subscription",
]
