"""Failures of action outputs, in the one error tree (``stonechat.domain.errors``)."""

from __future__ import annotations

from stonechat.domain.errors import Invalid, StonechatError


class TemplateProblem(Invalid):
    """A template that cannot be rendered: unknown variable or feed, sandbox refusal, or
    output or work over its bound. The message says which and is kept with the run."""


class DeliveryFailed(StonechatError):
    """An email or webhook that could not be delivered (refused target, network failure,
    server rejection after the retries). ``reason`` is what the run records."""

    status = 502

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
