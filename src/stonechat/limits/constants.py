"""Windows, timings and the storage keys of every limit (one place, like arq's constants)."""

from __future__ import annotations

DATA_WINDOW_SECONDS = 60  # the data rate is points per minute (Adafruit IO)
EVENT_WINDOW_SECONDS = 60  # ban thresholds count events in the last minute (mqtt-api.md §7)
BAN_HISTORY_SECONDS = 3600  # each ban in the last hour makes the next one longer

# How often a process reloads per-user limits from the database and bans from the store.
REFRESH_SECONDS = 1.0

# Redis must never stall a request: short timeouts, then the in-process store for a while.
REDIS_TIMEOUT_SECONDS = 0.25
# Connections to Redis per store and process: a burst of concurrent checks (60 guesses of
# one password at once) waits briefly for a free one instead of connecting 60 times.
REDIS_MAX_CONNECTIONS = 16
REDIS_CLIENT_NAME = "stonechat-limiter"  # in Redis's CLIENT LIST
REDIS_RETRY_SECONDS = 5.0
WARN_EVERY_SECONDS = 60.0

# Key names under the configured prefix (``<prefix>:...`` in Redis).
DATA_KEY = "data"  # + user id
EVENT_KEY = "event"  # + event name + username
LOGIN_ACCOUNT_KEY = "login-account"  # + account (lower-case username): sorted set of attempts
LOGIN_ADDRESS_KEY = "login-address"  # + address: sorted set of attempts
SIGNUP_ADDRESS_KEY = "signup-address"  # + address
RESET_ADDRESS_KEY = "reset-address"  # + address: password reset requests
RESET_ACCOUNT_KEY = "reset-account"  # + user id: reset emails sent
RESET_WINDOW_SECONDS = 3600  # password reset requests count for an hour
BANS_KEY = "bans"  # sorted set: username -> banned until (unix seconds)
BAN_HISTORY_KEY = "ban-history"  # + username: sorted set of ban start times

# Events that can end in a ban, as named in settings, the throttle endpoint and notices.
CONNECTS = "connects"
SUBSCRIBES = "subscribes"
FAILED_SUBSCRIBES = "failed_subscribes"
FAILED_PUBLISHES = "failed_publishes"
THROTTLED_PUBLISHES = "throttled_publishes"

# The data rate reported for a user without one (``/throttle``, the RateLimit headers): a
# number no client reaches, never 0, which CircuitPython's get_remaining_throttle_limit()
# (limit - used) would turn into a negative "remaining" that a sketch waits on forever.
# Well inside 32-bit arithmetic.
UNLIMITED_DATA_RATE = 1_000_000
