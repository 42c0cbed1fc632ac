"""Limits and defaults of the broker, built from the server settings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class BrokerConfig:
    max_packet_size: int = 1024 * 1024  # refused before it is buffered
    connect_timeout: float = 10.0  # for the TLS handshake, then again for CONNECT
    # Bytes received and not yet handled (decoded packets waiting plus a partial packet)
    # past which a connection is no longer read until its backlog is handled.
    max_input_bytes: int = 2 * 1024 * 1024
    max_subscribe_filters: int = 100  # per SUBSCRIBE; the rest are refused with 0x97
    max_subscriptions_per_session: int = 1000
    max_subscriptions_per_user: int = 10_000  # over the user's sessions in this process
    max_persistent_sessions_per_user: int = 100  # in this process
    receive_maximum: int = 1024  # QoS 1/2 publishes a client may have unacknowledged
    max_inflight: int = 100  # QoS 1/2 deliveries unacknowledged per session
    max_queued: int = 1000  # QoS 1/2 messages queued per session beyond that
    # Payload bytes kept (queued, in flight, stored offline) per session and per user; a
    # message past either is dropped for that session and reported on {user}/errors. 0: none.
    max_queued_bytes_per_session: int = 16 * 1024 * 1024
    max_queued_bytes_per_user: int = 64 * 1024 * 1024
    write_buffer_limit: int = 1024 * 1024  # QoS 0 to a consumer this far behind is dropped
    topic_alias_maximum: int = 64
    max_session_expiry: int = 7 * 86400  # seconds a persistent session waits offline
    max_retained_per_user: int = 1000
    max_retained_bytes_per_user: int = 4 * 1024 * 1024
    key_check_seconds: float = 2.0  # how often connected users' keys are re-checked
    takeover_timeout: float = 3.0  # how long to wait for another process to hand a session over
    # How often each process tells the others its members of shared subscriptions; one not
    # heard from for three periods is taken as gone (its share of messages goes elsewhere).
    share_announce_seconds: float = 10.0
