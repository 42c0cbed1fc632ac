"""TCP and TLS listeners: each accepted socket becomes a ``Connection``."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

from stonechat.protocols.mqtt.broker import Broker
from stonechat.protocols.mqtt.connection import Connection


def tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


async def listen(
    broker: Broker,
    host: str,
    port: int,
    context: ssl.SSLContext | None = None,
    reuse_port: bool = False,
) -> asyncio.Server:
    """Accept MQTT connections on ``host:port`` (TLS when ``context`` is given).

    ``reuse_port``: several worker processes listen on the same port (SO_REUSEPORT) and the
    kernel spreads new connections among them.
    """
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: Connection(broker),
        host,
        port,
        ssl=context,
        # A client that never finishes the TLS handshake is dropped as one that never
        # sends CONNECT would be (asyncio's default is 60 s).
        ssl_handshake_timeout=broker.config.connect_timeout if context is not None else None,
        reuse_address=True,
        reuse_port=reuse_port or None,
        backlog=4096,
    )
