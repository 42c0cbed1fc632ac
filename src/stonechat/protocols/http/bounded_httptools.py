"""uvicorn's httptools protocol with bounds on a request's head: size, count and time.

uvicorn bounds the head only in its h11 implementation (``h11_max_incomplete_event_size``);
with httptools it keeps appending the URL and every header, and waits for them for ever
(issue 12: 111 MB of headers accepted; 2,000 slow-loris connections held for 45 s). This
subclass, chosen by the runtime as uvicorn's ``http`` class, adds:

- a size bound on the request line plus headers, counted as bytes arrive (a single header
  that never ends is refused too, not only complete ones), and a bound on the number of
  header fields: 431 and the connection is closed;
- a header timeout: from the connection's start, or from the previous response on a
  keep-alive connection, the whole head must arrive within ``timeout`` seconds, however
  slowly it trickles; then 408 (if part of a head came) and the connection is closed.

Idle keep-alive connections are closed by uvicorn's own ``timeout_keep_alive``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HeadBounds:
    max_bytes: int = 32 * 1024  # request line + header fields
    max_fields: int = 100
    timeout: float = 10.0  # seconds to send a whole head


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a head that was refused."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    bounds: ClassVar[HeadBounds] = HeadBounds()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Waiting for (the rest of) a request line and headers. Its size is bounded twice,
        # each count at most the real size: bytes of reads that held only this head, and
        # the sizes of the URL and header fields parsed so far.
        self._in_head = True
        self._head_raw = 0
        self._head_parsed = 0
        self._head_fields = 0
        self._messages = 0  # requests read completely on this connection
        self._head_timer: asyncio.TimerHandle | None = None
        self._refused = False

    # -- the header timeout --------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.bounds.timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _busy(self) -> bool:
        """A request is being answered (a pipelined one may be queued behind it)."""
        return self.cycle is not None and not self.cycle.response_complete

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or not self._in_head or self._busy():
            return
        if self._head_raw or self._head_parsed or self._head_fields:
            self._refuse(408, "request headers not received in time")
        else:  # an idle connection: nothing to answer
            self.transport.close()

    # -- refusing a head -------------------------------------------------------------------

    def _refuse(self, status: int, message: str) -> None:
        if self._refused:
            return
        self._refused = True
        self._disarm_head_timer()
        log.debug("%s from %s: %s", status, self.client, message)
        body = orjson.dumps({"error": message})
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[status],
                    b"content-type: application/json\r\n",
                    b"content-length: %d\r\n" % len(body),
                    b"x-content-type-options: nosniff\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.transport.close()

    # -- the protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # uvicorn's data_received, plus counting the bytes of an unfinished head.
        if self._refused:
            return
        self._unset_keepalive_if_required()
        head_before, messages_before = self._in_head, self._messages
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            if not self._refused:
                msg = "Invalid HTTP request received."
                self.logger.warning(msg)
                self.send_400_response(msg)
            return
        if self._in_head and head_before and messages_before == self._messages:
            # All of ``data`` belongs to one unfinished head, parsed or buffered by the
            # parser (which holds an unfinished header line without calling back).
            self._head_raw += len(data)
            if self._head_raw > self.bounds.max_bytes:
                self._refuse_size()

    def _refuse_size(self) -> None:
        self._refuse(431, f"request headers larger than {self.bounds.max_bytes} bytes")

    def _parsed(self, size: int) -> None:
        self._head_parsed += size
        if self._head_parsed > self.bounds.max_bytes:
            self._refuse_size()
            raise _Refused

    def on_url(self, url: bytes) -> None:
        self._parsed(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_fields += 1
        if self._head_fields > self.bounds.max_fields:
            self._refuse(431, f"more than {self.bounds.max_fields} request header fields")
            raise _Refused
        self._parsed(len(name) + len(value) + 3)  # at least ":" and CRLF around them
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_raw = self._head_parsed = self._head_fields = 0
        self._disarm_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._messages += 1
        self._in_head = True

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next head has until the timeout to arrive, unless it is here already (a
        # pipelined request, whose cycle uvicorn has just started).
        if self._in_head and not self._busy() and not self.transport.is_closing():
            self._arm_head_timer()


def bounded_protocol(bounds: HeadBounds) -> type[BoundedHttpToolsProtocol]:
    """The protocol class for uvicorn's ``http`` option, with these bounds."""
    configured = bounds

    class Configured(BoundedHttpToolsProtocol):
        bounds = configured

    return Configured
