"""services.notices: errors and throttle notices reach every listener, bounded; other
notice topics and a failing listener stop nobody."""

from __future__ import annotations

from stonechat.services.notices import MAX_TEXT, Notice, Notices


def test_errors_and_throttle_reach_every_listener() -> None:
    notices = Notices()
    heard: list[Notice] = []

    def broken(notice: Notice) -> None:
        raise RuntimeError("a listener that fails")

    notices.listeners += [broken, heard.append]
    notices.publish("Ann", "errors", b"PUBLISH x rejected")
    notices.publish("Ann", "throttle", b"Ann data rate limit reached")
    notices.publish("Ann", "throttle/json", b"{}")
    assert [(n.topic, n.text) for n in heard] == [
        ("Ann/errors", "PUBLISH x rejected"),
        ("Ann/throttle", "Ann data rate limit reached"),
    ]


def test_text_is_bounded_and_decoded() -> None:
    notices = Notices()
    heard: list[Notice] = []
    notices.listeners.append(heard.append)
    notices.publish("ann", "errors", b"\xff" + b"x" * (MAX_TEXT * 10))
    assert len(heard[0].text) == MAX_TEXT
    assert heard[0].text.startswith("\ufffd")
