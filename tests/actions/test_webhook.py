"""Webhooks of actions, posted to a real HTTP receiver started by the test; and the SSRF
guard, which must refuse private targets before any connection is made."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import pytest
from receivers import HttpReceiver

from stonechat.actions.errors import DeliveryFailed
from stonechat.actions.webhook import WebhookSender, request_body

POINT = {"id": "0ABC", "value": "21.5", "feed_key": "temp", "created_at": "2026-01-01T00:00:00Z"}


@pytest.fixture
async def open_sender() -> AsyncIterator[WebhookSender]:
    async with WebhookSender(allow_private_networks=True, base_delay=0.01, timeout=5) as sender:
        yield sender


@pytest.fixture
async def guarded_sender() -> AsyncIterator[WebhookSender]:
    async with WebhookSender(base_delay=0.01, timeout=5) as sender:  # the default setting
        yield sender


async def test_a_json_webhook_arrives_with_its_headers(
    http_receiver: HttpReceiver, open_sender: WebhookSender
) -> None:
    result = await open_sender.send(
        http_receiver.url("/hook?x=1"),
        '{"temperature": 21.5, "where": "kitchen"}',
        headers={"X-Token": "s3cret", "Host": "evil.test", "Content-Type": "text/plain"},
    )
    assert (result.status, result.body, result.attempts, result.ok) == (200, "thanks", 1, True)
    assert result.address == "127.0.0.1"
    [request] = http_receiver.requests
    assert request.path == "/hook?x=1"
    assert json.loads(request.body) == {"temperature": 21.5, "where": "kitchen"}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-token"] == "s3cret"
    assert request.headers["host"] == f"127.0.0.1:{http_receiver.port}"  # not the user's
    assert request.headers["user-agent"].startswith("Stonechat/")


async def test_an_empty_body_sends_the_point(
    http_receiver: HttpReceiver, open_sender: WebhookSender
) -> None:
    await open_sender.send(http_receiver.url(), "  ", point=POINT)
    assert json.loads(http_receiver.requests[0].body) == POINT


async def test_a_form_webhook_arrives_form_encoded(
    http_receiver: HttpReceiver, open_sender: WebhookSender
) -> None:
    await open_sender.send(http_receiver.url(), '{"value": "21.5", "n": 3}', format="form")
    await open_sender.send(http_receiver.url(), "value=21.5&unit=C", format="form")
    await open_sender.send(http_receiver.url(), "", format="form", point=POINT)
    first, second, third = http_receiver.requests
    assert first.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(first.body.decode()) == {"value": ["21.5"], "n": ["3"]}
    assert parse_qs(second.body.decode()) == {"value": ["21.5"], "unit": ["C"]}
    assert parse_qs(third.body.decode()) == {k: [v] for k, v in POINT.items()}


async def test_the_connection_goes_to_the_checked_address(http_receiver: HttpReceiver) -> None:
    """A name that no DNS knows, resolved once by the sender's resolver: the request can
    only arrive if it is sent to that address, with the name kept as Host."""
    looked_up: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]

    async with WebhookSender(allow_private_networks=True, resolver=resolver) as sender:
        result = await sender.send(http_receiver.url(host="sensors.invalid"), "{}")
    assert result.status == 200
    assert looked_up == ["sensors.invalid"]
    assert http_receiver.requests[0].headers["host"] == f"sensors.invalid:{http_receiver.port}"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("10.0.0.1", "10.0.0.1"),
        ("169.254.169.254", "169.254.169.254"),
        ("[::1]", "::1"),
        ("localhost", "127.0.0.1"),
        ("[::ffff:127.0.0.1]", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # 127.0.0.1 as one number
    ],
)
async def test_private_targets_are_refused_without_a_connection(
    http_receiver: HttpReceiver, guarded_sender: WebhookSender, host: str, address: str
) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        await guarded_sender.send(http_receiver.url(host=host), "{}")
    assert failure.value.reason.startswith("refused: ")
    assert "is a private address" in failure.value.reason
    assert address in failure.value.reason
    assert "STONECHAT_ACTIONS_ALLOW_PRIVATE_NETWORKS" in failure.value.reason
    assert http_receiver.requests == []


async def test_one_private_address_among_public_ones_refuses(http_receiver: HttpReceiver) -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.1.2.3"]

    async with WebhookSender(resolver=resolver) as sender:
        with pytest.raises(DeliveryFailed, match=r"refused: 10\.1\.2\.3 is a private address"):
            await sender.send("https://rebinding.example/hook", "{}")


async def test_a_redirect_is_the_result_not_followed(
    http_receiver: HttpReceiver, open_sender: WebhookSender
) -> None:
    http_receiver.answers["/moved"] = (302, {"Location": http_receiver.url("/landing")}, b"")
    result = await open_sender.send(http_receiver.url("/moved"), "{}")
    assert (result.status, result.ok, result.attempts) == (302, False, 1)
    assert [r.path for r in http_receiver.requests] == ["/moved"]


async def test_a_4xx_is_not_retried_and_a_5xx_is(
    http_receiver: HttpReceiver, open_sender: WebhookSender
) -> None:
    http_receiver.answers["/bad"] = (400, {}, b"no such thing")
    http_receiver.answers["/down"] = (503, {}, b"later")
    bad = await open_sender.send(http_receiver.url("/bad"), "{}")
    down = await open_sender.send(http_receiver.url("/down"), "{}")
    assert (bad.status, bad.body, bad.attempts) == (400, "no such thing", 1)
    assert (down.status, down.body, down.attempts) == (503, "later", 3)
    assert [r.path for r in http_receiver.requests] == ["/bad", "/down", "/down", "/down"]


async def test_the_response_body_kept_is_bounded(
    http_receiver: HttpReceiver, open_sender: WebhookSender
) -> None:
    http_receiver.answers["/big"] = (200, {}, b"x" * 1_000_000)
    result = await open_sender.send(http_receiver.url("/big"), "{}")
    assert result.body == "x" * 4096


async def test_no_listener_fails_after_the_retries(open_sender: WebhookSender) -> None:
    from support import free_port

    with pytest.raises(DeliveryFailed, match="webhook not delivered: ConnectError"):
        await open_sender.send(f"http://127.0.0.1:{free_port()}/", "{}")


async def test_bad_targets_and_bodies(guarded_sender: WebhookSender) -> None:
    with pytest.raises(DeliveryFailed, match="http:// or https://"):
        await guarded_sender.send("ftp://example.org/", "{}")
    with pytest.raises(DeliveryFailed, match="not JSON"):
        await guarded_sender.send("http://example.org/", "value: 3")
    with pytest.raises(DeliveryFailed, match="cannot resolve"):
        await guarded_sender.send("http://no-such-host.invalid/", "{}")


def test_request_bodies() -> None:
    assert request_body('{"a": 1}', "json", None) == (b'{"a": 1}', "application/json")
    assert request_body("", "json", {"v": 1}) == (b'{"v": 1}', "application/json")
    form = request_body('{"a": [1, 2], "b": "x y"}', "form", None)
    assert form == (b"a=%5B1%2C+2%5D&b=x+y", "application/x-www-form-urlencoded")
    with pytest.raises(DeliveryFailed, match="unknown webhook format"):
        request_body("{}", "xml", None)
