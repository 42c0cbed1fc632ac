"""RateLimit response headers for data writes (IETF draft-ietf-httpapi-ratelimit-headers).

The separate-field form: ``RateLimit-Limit`` (points per window), ``RateLimit-Remaining``,
``RateLimit-Reset`` (seconds until the oldest counted point leaves the window) and
``RateLimit-Policy: 30;w=60``. A 429 also carries ``Retry-After`` in seconds. A user
without a limit is told ``UNLIMITED_DATA_RATE`` as limit and remaining (never 0: clients
wait for a positive remaining).
"""

from __future__ import annotations

from stonechat.limits.constants import DATA_WINDOW_SECONDS, UNLIMITED_DATA_RATE
from stonechat.limits.limiter import Quota


def rate_limit_headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(reset),
        "RateLimit-Policy": f"{limit};w={DATA_WINDOW_SECONDS}",
    }


def quota_headers(quota: Quota | None) -> dict[str, str]:
    """The headers of a data write; ``quota`` None: the writer has no limit."""
    if quota is None:
        return dict(UNLIMITED_HEADERS)
    return rate_limit_headers(quota.limit, quota.remaining, quota.reset)


UNLIMITED_HEADERS = rate_limit_headers(UNLIMITED_DATA_RATE, UNLIMITED_DATA_RATE, 0)
