"""Webhook POSTs (httpx), guarded against server-side request forgery.

Before connecting, the host name is resolved and every address it has is checked
(``addresses.private_kind``); one private address refuses the request, unless the operator
allows private networks. The request then goes to the checked address itself (pinned), with
the original ``Host`` header and, for https, the host name as TLS SNI and for the
certificate check: a second DNS answer cannot point the connection elsewhere. Redirects are
not followed (a 3xx is the result), proxies from the environment are not used.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from stonechat import __version__
from stonechat.actions.addresses import private_kind
from stonechat.actions.errors import DeliveryFailed

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_RESPONSE = 4_096  # bytes of a response body kept with the run
FORMATS = ("json", "form")
# Set by the sender; a user's header of the same name is dropped.
OWN_HEADERS = frozenset(
    {"host", "content-length", "content-type", "transfer-encoding", "connection"}
)


@dataclass(frozen=True, slots=True)
class WebhookResult:
    """What the receiver answered: its status, the start of its body, the attempts taken
    and the address connected to. A 3xx, 4xx or (after the retries) 5xx is a result too."""

    status: int
    body: str
    attempts: int
    address: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class WebhookSender:
    """Sends webhook POSTs; one per output, retried on connection failures and 5xx."""

    def __init__(
        self,
        *,
        allow_private_networks: bool = False,
        timeout: float = 10.0,
        attempts: int = 3,
        base_delay: float = 1.0,
        verify: bool | str | ssl.SSLContext = True,
        resolver: Resolver | None = None,
    ) -> None:
        """``resolver(host, port)`` gives the host's addresses (default: the system's,
        ``getaddrinfo``); tests give their own."""
        self.resolve = resolver or system_resolver
        self.allow_private_networks = allow_private_networks
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
            trust_env=False,  # an HTTP_PROXY would resolve the name itself, unchecked
            verify=verify,
            headers={"User-Agent": f"Stonechat/{__version__} (webhook)"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def send(
        self,
        url: str,
        body: str = "",
        *,
        format: str = "json",
        headers: Mapping[str, str] | None = None,
        point: Mapping[str, Any] | None = None,
    ) -> WebhookResult:
        """POST ``body`` (a rendered template) to ``url``. An empty body sends ``point``
        (the default JSON of the data point) instead. With ``format="form"`` a body that is
        a JSON object is sent as its form fields, any other body as written.

        Raises ``DeliveryFailed`` when the target is refused (``"refused: ..."``), the body
        is not JSON for the json format, or no response came after the retries."""
        target = _parse_url(url)
        content, content_type = request_body(body, format, point)
        address = await self.pinned_address(target)
        request_headers = {k: v for k, v in (headers or {}).items() if k.lower() not in OWN_HEADERS}
        request_headers["Host"] = _host_header(target)
        request_headers["Content-Type"] = content_type
        extensions = {"sni_hostname": _ascii_host(target)} if target.scheme == "https" else {}
        pinned = target.copy_with(host=address)
        reason = "not sent"
        result: WebhookResult | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                async with asyncio.timeout(self.timeout * 3):
                    status, text = await self._post(pinned, content, request_headers, extensions)
                result = WebhookResult(status, text, attempt, address)
                if status < 500:
                    return result
                reason = f"the receiver answered {status}"
            except (httpx.TransportError, TimeoutError) as error:
                reason = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            log.warning(
                "webhook to %s, attempt %d of %d: %s", target.host, attempt, self.attempts, reason
            )
            if attempt < self.attempts:
                await asyncio.sleep(self.base_delay * 2 ** (attempt - 1))
        if result is not None:
            return result
        raise DeliveryFailed(f"webhook not delivered: {reason}")

    async def pinned_address(self, url: httpx.URL) -> str:
        """The address to connect to: the first of the host's addresses, after checking
        all of them. Raises ``DeliveryFailed("refused: ...")``."""
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            async with asyncio.timeout(min(self.timeout, 5.0)):
                addresses = await self.resolve(_ascii_host(url), port)
        except (OSError, TimeoutError) as error:
            raise DeliveryFailed(f"cannot resolve {url.host}: {error}") from None
        if not addresses:
            raise DeliveryFailed(f"cannot resolve {url.host}")
        if not self.allow_private_networks:
            for address in addresses:
                kind = private_kind(address)
                if kind is not None:
                    raise DeliveryFailed(
                        f"refused: {address} is a private address ({kind}) of {url.host}; "
                        "webhooks reach public addresses unless the operator sets "
                        "STONECHAT_ACTIONS_ALLOW_PRIVATE_NETWORKS=true"
                    )
        return addresses[0]

    async def _post(
        self, url: httpx.URL, content: bytes, headers: dict[str, str], extensions: dict[str, Any]
    ) -> tuple[int, str]:
        request = self._client.build_request(
            "POST", url, content=content, headers=headers, extensions=extensions
        )
        response = await self._client.send(request, stream=True)
        try:
            kept = bytearray()
            async for chunk in response.aiter_raw():
                kept += chunk[: MAX_RESPONSE - len(kept)]
                if len(kept) >= MAX_RESPONSE:
                    break
        finally:
            await response.aclose()
        return response.status_code, kept.decode("utf-8", "replace")


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address of ``host`` from the system's resolver, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def request_body(body: str, format: str, point: Mapping[str, Any] | None) -> tuple[bytes, str]:
    """The bytes and content type of a webhook's body (see ``WebhookSender.send``)."""
    if format not in FORMATS:
        raise DeliveryFailed(f"unknown webhook format {format!r}")
    data: Any
    if not body.strip():
        data = dict(point or {})
    elif format == "json":
        try:
            json.loads(body)
        except ValueError as error:
            raise DeliveryFailed(f"the rendered body is not JSON: {error}") from None
        return body.encode(), "application/json"
    else:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return body.encode(), "application/x-www-form-urlencoded"
    if format == "json":
        return json.dumps(data, default=str).encode(), "application/json"
    fields = {key: _form_value(value) for key, value in data.items()}
    return urlencode(fields).encode(), "application/x-www-form-urlencoded"


def _form_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _parse_url(url: str) -> httpx.URL:
    try:
        target = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as error:
        raise DeliveryFailed(f"bad webhook URL: {error}") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise DeliveryFailed("a webhook URL must be http:// or https:// with a host")
    return target


def _host_header(url: httpx.URL) -> str:
    name = _ascii_host(url)
    host = f"[{name}]" if ":" in name else name
    return f"{host}:{url.port}" if url.port else host


def _ascii_host(url: httpx.URL) -> str:
    """The host as DNS and TLS see it: IDNA (punycode) for international names."""
    return url.raw_host.decode("ascii")
