"""``stonechat serve`` options are generated from ``Settings``: every setting has a flag and
a ``STONECHAT_*`` variable, flags win over variables, variables over defaults, and every
flag operators had before the options were generated still works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import SecretStr
from typer.testing import CliRunner

from stonechat.cli.settings_options import add_settings_command, setting_names
from stonechat.config import ADAFRUIT_DATA_RATE, Settings, is_internal

# Every flag of `stonechat serve --help` before the options were generated (issue 14): the
# command line is a contract, none of these may go.
CONTRACT = [
    '--actions-allow-private-networks', '--actions-deny-private-networks', '--ban-connects',
    '--ban-failed-publishes', '--ban-failed-subscribes', '--ban-max-seconds', '--ban-seconds',
    '--ban-subscribes', '--ban-throttled-publishes', '--bans', '--data-dir', '--data-rate-limit',
    '--database-url', '--feed-status-check-seconds', '--host', '--http-header-timeout-seconds',
    '--http-keep-alive-seconds', '--http-max-header-bytes', '--http-max-headers', '--http-port',
    '--ingest-batch-size', '--ingest-queue-size', '--key-cache-seconds', '--log-level',
    '--login-failures-per-account', '--login-failures-per-address', '--login-window-seconds',
    '--mail-from', '--max-actions-per-user', '--mqtt-connect-timeout', '--mqtt-max-input-bytes',
    '--mqtt-max-packet-size', '--mqtt-max-persistent-sessions-per-user',
    '--mqtt-max-queued-bytes-per-session', '--mqtt-max-queued-bytes-per-user',
    '--mqtt-max-subscribe-filters', '--mqtt-max-subscriptions-per-session',
    '--mqtt-max-subscriptions-per-user', '--mqtt-port', '--mqtt-share-announce-seconds',
    '--mqtts-port', '--no-bans', '--password-hash-concurrency', '--password-resets-per-account',
    '--password-resets-per-address', '--public-url', '--redis-prefix', '--redis-url',
    '--retention-days', '--retention-interval-seconds', '--secret-key', '--session-idle-minutes',
    '--session-max-days', '--signup-disabled', '--signup-enabled', '--signup-window-seconds',
    '--signups-per-address', '--smtp-password', '--smtp-starttls', '--smtp-url',
    '--smtp-username', '--tls-cert', '--tls-key', '--workers',
]  # fmt: skip

# The boolean pairs of the contract, and which flag is the field's True.
PAIRS = {
    "bans": ("--bans", "--no-bans"),
    "signup_enabled": ("--signup-enabled", "--signup-disabled"),
    "actions_allow_private_networks": (
        "--actions-allow-private-networks",
        "--actions-deny-private-networks",
    ),
}


def serve_help() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "stonechat", "serve", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        check=True,
        timeout=60,
    )
    # Help wraps lines anywhere, after a hyphen too ("--no-http-" / "tls").
    return " ".join(re.sub(r"-\n\s+", "-", result.stdout).split())


def flag(name: str) -> str:
    return f"--{name.replace('_', '-')}"


def flags_of(name: str) -> tuple[str, ...]:
    """A setting's flags: a boolean has two (its named pair, or --x/--no-x)."""
    if name in PAIRS:
        return PAIRS[name]
    if plain(Settings.model_fields[name].annotation) is bool:
        return (flag(name), f"--no-{flag(name)[2:]}")
    return (flag(name),)


def plain(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if typing.get_origin(annotation) is not typing.Literal and args else annotation


def sample(name: str) -> tuple[str, Any]:
    """A valid value for setting ``name`` other than its default: (as typed, as stored)."""
    field = Settings.model_fields[name]
    kind = plain(field.annotation)
    default = field.default
    if name == "limits":
        return "45", "45"
    if name == "import_aio_url":
        return "https://aio.example.org", "https://aio.example.org"
    if name == "retention_day_days":  # 0 (forever) + 1 would end before the hour tier
        return "1000", 1000
    if name == "map_tiles":
        url = "https://tiles.example.org/{z}/{x}/{y}.png"
        return url, url
    if typing.get_origin(kind) is typing.Literal:
        other = next(c for c in typing.get_args(kind) if c != default)
        return str(other), other
    if kind is bool:
        return ("false", False) if default else ("true", True)
    if kind is int:
        value = default + 1 if default is not None else 4096
        return str(value), value
    if kind is float:
        return str(default + 1.5), default + 1.5
    if kind is Path:
        return "/srv/somewhere", Path("/srv/somewhere")
    if kind is SecretStr:
        return "s3cret-value", "s3cret-value"
    return "some-value", "some-value"


def stored(settings: Settings, name: str) -> Any:
    value = getattr(settings, name)
    return value.get_secret_value() if isinstance(value, SecretStr) else value


def captured(args: list[str], env: dict[str, str] | None = None) -> Settings:
    """The Settings a generated command builds from ``args`` and ``env``."""
    got: list[Settings] = []

    def run(settings: Settings) -> None:
        """Capture."""
        got.append(settings)

    app = typer.Typer()
    add_settings_command(app, "serve", run)
    app.command("other")(lambda: None)  # a group, as the real command line is
    result = CliRunner().invoke(app, ["serve", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return got[0]


def test_every_flag_of_the_contract_still_exists() -> None:
    text = serve_help()
    missing = [f for f in CONTRACT if f"{f} " not in text and f"{f}/" not in text]
    assert not missing, missing


def test_every_setting_has_a_flag_its_description_and_its_default() -> None:
    text = serve_help()
    for name in setting_names():
        field = Settings.model_fields[name]
        assert field.description, f"{name} has no description"
        names = flags_of(name)
        assert all(n in text for n in names), name
        if field.default is None:
            continue
        if isinstance(field.default, bool):
            shown = (names[0] if field.default else names[1]).removeprefix("--")
        else:
            shown = str(field.default)
        # The option's entry ("--name <type>" or "--on / --off"), then its default.
        entry = text.index(f"{names[0]} / " if len(names) == 2 else f"{names[0]} <")
        assert text[entry:].split("[default: ", 1)[1].startswith(f"{shown}]"), name
    assert "[default: 127.0.0.1]" in text and "[default: 8080]" in text
    for name in Settings.model_fields:
        if is_internal(name):
            assert f"{flag(name)} " not in text, name


def test_every_setting_is_read_from_its_flag() -> None:
    args: list[str] = []
    expected = {}
    for name in setting_names():
        typed, value = sample(name)
        if len(flags_of(name)) == 2:
            args.append(flags_of(name)[0] if value else flags_of(name)[1])
        else:
            args += [flag(name), typed]
        expected[name] = value
    settings = captured(args)
    assert {name: stored(settings, name) for name in expected} == expected


def test_every_setting_is_read_from_its_variable() -> None:
    env = {}
    expected = {}
    for name in setting_names():
        typed, value = sample(name)
        env[f"STONECHAT_{name.upper()}"] = typed
        expected[name] = value
    settings = captured([], env)
    assert {name: stored(settings, name) for name in expected} == expected


def test_a_flag_wins_over_its_variable_and_a_variable_over_the_default() -> None:
    env = {"STONECHAT_HTTP_PORT": "9001", "STONECHAT_BANS": "false", "STONECHAT_WORKERS": "3"}
    settings = captured(["--http-port", "9002", "--bans"], env)
    assert (settings.http_port, settings.bans, settings.workers) == (9002, True, 3)
    settings = captured([], env)
    assert (settings.http_port, settings.bans, settings.workers) == (9001, False, 3)
    settings = captured([], {})
    assert (settings.http_port, settings.bans, settings.workers) == (8080, True, 1)


@pytest.mark.parametrize(
    "args,env,rate",
    [
        ([], {}, 0),  # a self-hosted server: no data rate
        (["--limits", "adafruit"], {}, ADAFRUIT_DATA_RATE),
        (["--limits", "120"], {}, 120),
        ([], {"STONECHAT_LIMITS": "Adafruit"}, ADAFRUIT_DATA_RATE),
        # An explicit --data-rate-limit (flag or variable) wins over --limits.
        (["--limits", "adafruit", "--data-rate-limit", "0"], {}, 0),
        (["--limits", "adafruit"], {"STONECHAT_DATA_RATE_LIMIT": "7"}, 7),
        (["--data-rate-limit", "30"], {}, 30),
    ],
)
def test_limits_and_data_rate_limit(args: list[str], env: dict[str, str], rate: int) -> None:
    settings = captured(args, env)
    assert settings.data_rate() == rate
    assert settings.limiter_config().data_rate_limit == rate


def test_bad_values_are_refused_with_a_message() -> None:
    app = typer.Typer()
    add_settings_command(app, "serve", lambda settings: None)
    app.command("other")(lambda: None)
    for args in (["--limits", "lots"], ["--http-port", "70000"], ["--smtp-starttls", "maybe"]):
        result = CliRunner().invoke(app, ["serve", *args])
        assert result.exit_code == 2, (args, result.output)
        assert "--" in result.output or "invalid setting" in result.output


def test_broker_settings_reach_the_broker() -> None:
    config = Settings(mqtt_max_inflight=7, mqtt_max_retained_per_user=9).broker_config()
    assert (config.max_inflight, config.max_retained_per_user) == (7, 9)
    assert config.max_input_bytes == 2 * config.max_packet_size


def test_every_setting_is_documented() -> None:
    table = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    missing = [n for n in setting_names() if f"`STONECHAT_{n.upper()}`" not in table]
    assert not missing, missing
