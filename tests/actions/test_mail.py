"""Email of actions, delivered to a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import email
from email.message import Message

import pytest
from receivers import SmtpServer

from stonechat.actions.errors import DeliveryFailed
from stonechat.actions.mail import Mailer, parse_smtp_url
from stonechat.domain.errors import Invalid


def mailer(url: str | None, **options: object) -> Mailer:
    return Mailer(url, mail_from="alerts@stonechat.test", base_delay=0.01, **options)  # type: ignore[arg-type]


def parsed(server: SmtpServer, index: int = 0) -> Message:
    content = server.box.envelopes[index].content
    assert isinstance(content, bytes)
    return email.message_from_bytes(content)


async def test_the_server_receives_the_email(smtp_server: SmtpServer) -> None:
    sender = mailer(smtp_server.url)
    assert sender.configured
    attempts = await sender.send("ann@example.org", "Too hot: 31.5", "The kitchen is at 31.5 C.")
    assert attempts == 1
    [envelope] = smtp_server.box.envelopes
    assert envelope.mail_from == "alerts@stonechat.test"
    assert envelope.rcpt_tos == ["ann@example.org"]
    message = parsed(smtp_server)
    assert message["Subject"] == "Too hot: 31.5"
    assert message["From"] == "alerts@stonechat.test"
    assert message["To"] == "ann@example.org"
    assert message["Message-ID"] and message["Date"]
    assert message.get_payload(decode=True).decode().strip() == "The kitchen is at 31.5 C."  # type: ignore[union-attr]


async def test_credentials_in_the_url_sign_in(smtp_server: SmtpServer) -> None:
    url = f"smtp://sensor-mail:p%40ss%3Aw%2Frd@127.0.0.1:{smtp_server.port}"
    await mailer(url).send("ann@example.org", "s", "b")
    assert smtp_server.accounts.signed_in == ["sensor-mail"]
    assert len(smtp_server.box.envelopes) == 1


async def test_separate_credentials_win_over_the_url(smtp_server: SmtpServer) -> None:
    url = f"smtp://someone:wrong@127.0.0.1:{smtp_server.port}"
    sender = mailer(url, username="sensor-mail", password="p@ss:w/rd")
    await sender.send("ann@example.org", "s", "b")
    assert smtp_server.accounts.signed_in == ["sensor-mail"]


async def test_a_wrong_password_fails_without_retrying(smtp_server: SmtpServer) -> None:
    sender = mailer(f"smtp://sensor-mail:nope@127.0.0.1:{smtp_server.port}")
    with pytest.raises(DeliveryFailed, match="sign-in to the SMTP server refused: 535"):
        await sender.send("ann@example.org", "s", "b")
    assert smtp_server.box.envelopes == []


async def test_a_line_break_in_the_subject_adds_no_header(smtp_server: SmtpServer) -> None:
    await mailer(smtp_server.url).send(
        "ann@example.org", "value 7\r\nBcc: mallory@evil.test\nX-Evil: 1", "body"
    )
    message = parsed(smtp_server)
    assert message["Subject"] == "value 7 Bcc: mallory@evil.test X-Evil: 1"
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert smtp_server.box.envelopes[0].rcpt_tos == ["ann@example.org"]


@pytest.mark.parametrize(
    "to", ["ann@example.org\r\nBcc: m@evil.test", "a@x.org, b@y.org", "Ann <a@x.org>", "nobody"]
)
async def test_a_recipient_must_be_one_address(smtp_server: SmtpServer, to: str) -> None:
    with pytest.raises(DeliveryFailed, match="to must be one email address"):
        await mailer(smtp_server.url).send(to, "s", "b")
    assert smtp_server.box.rcpt_attempts == 0


async def test_a_temporary_refusal_is_retried_then_fails(smtp_server: SmtpServer) -> None:
    smtp_server.box.refuse_rcpt = "450 mailbox busy"
    with pytest.raises(DeliveryFailed) as failure:
        await mailer(smtp_server.url, attempts=3).send("ann@example.org", "s", "b")
    assert "recipient refused: 450 mailbox busy" in failure.value.reason
    assert smtp_server.box.rcpt_attempts == 3
    assert smtp_server.box.envelopes == []


async def test_a_permanent_refusal_is_not_retried(smtp_server: SmtpServer) -> None:
    smtp_server.box.refuse_rcpt = "550 no such user"
    with pytest.raises(DeliveryFailed, match="recipient refused: 550 no such user"):
        await mailer(smtp_server.url, attempts=3).send("ann@example.org", "s", "b")
    assert smtp_server.box.rcpt_attempts == 1


async def test_a_refusal_then_success_takes_two_attempts(smtp_server: SmtpServer) -> None:
    smtp_server.box.refuse_rcpt = "451 try again"

    class Recovering(Mailer):
        async def _send_once(self, server, message):  # type: ignore[no-untyped-def]
            try:
                await super()._send_once(server, message)
            finally:
                smtp_server.box.refuse_rcpt = None

    sender = Recovering(smtp_server.url, base_delay=0.01)
    assert await sender.send("ann@example.org", "s", "b") == 2
    assert len(smtp_server.box.envelopes) == 1


async def test_an_unreachable_server_fails_after_the_retries() -> None:
    from support import free_port

    sender = mailer(f"smtp://127.0.0.1:{free_port()}", attempts=2, timeout=2.0)
    with pytest.raises(DeliveryFailed, match="email not delivered"):
        await sender.send("ann@example.org", "s", "b")


async def test_starttls_required_refuses_a_server_without_it(smtp_server: SmtpServer) -> None:
    sender = mailer(smtp_server.url, starttls="required", attempts=3)
    with pytest.raises(DeliveryFailed, match="STARTTLS extension not supported"):
        await sender.send("ann@example.org", "s", "b")
    assert smtp_server.box.rcpt_attempts == 0
    assert smtp_server.box.envelopes == []


async def test_without_smtp_url_email_is_not_configured() -> None:
    sender = Mailer(None)
    assert not sender.configured
    with pytest.raises(DeliveryFailed, match="email is not set up"):
        await sender.send("ann@example.org", "s", "b")


def test_smtp_urls() -> None:
    server = parse_smtp_url("smtps://u%40x:s%3Acret@mail.example.org")
    assert (server.host, server.port, server.tls) == ("mail.example.org", 465, True)
    assert (server.username, server.password) == ("u@x", "s:cret")
    assert "s:cret" not in repr(server)
    plain = parse_smtp_url("smtp://mail.example.org")
    assert (plain.port, plain.tls, plain.username) == (587, False, None)
    for bad in ("http://mail.example.org", "smtp://", "smtp://host:99999"):
        with pytest.raises(Invalid):
            parse_smtp_url(bad)
    with pytest.raises(Invalid, match="mail_from"):
        Mailer("smtp://h", mail_from="not an address")
    with pytest.raises(Invalid, match="smtp_starttls"):
        Mailer("smtp://h", starttls="sometimes")
