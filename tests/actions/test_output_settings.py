"""Settings of the outputs: variables, secrets kept out of reprs, passed to workers."""

from __future__ import annotations

import pytest

from stonechat.config import Settings
from stonechat.supervisor import worker_env


def test_defaults_leave_email_off_and_private_networks_closed() -> None:
    settings = Settings()
    assert settings.smtp_url is None and settings.smtp_password is None
    assert settings.mail_from == "stonechat@localhost"
    assert settings.smtp_starttls == "auto"
    assert settings.actions_allow_private_networks is False


def test_variables_are_read_and_secrets_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STONECHAT_SMTP_URL", "smtp://mailer:url-secret@mail.example.org:587")
    monkeypatch.setenv("STONECHAT_SMTP_PASSWORD", "pass-secret")
    monkeypatch.setenv("STONECHAT_MAIL_FROM", "alerts@example.org")
    monkeypatch.setenv("STONECHAT_ACTIONS_ALLOW_PRIVATE_NETWORKS", "true")
    settings = Settings()
    assert settings.smtp_url is not None and settings.smtp_password is not None
    assert settings.smtp_url.get_secret_value().endswith("@mail.example.org:587")
    assert settings.smtp_password.get_secret_value() == "pass-secret"
    assert settings.mail_from == "alerts@example.org"
    assert settings.actions_allow_private_networks is True
    shown = repr(settings) + str(settings) + str(settings.model_dump())
    assert "url-secret" not in shown and "pass-secret" not in shown


def test_workers_get_the_secrets_themselves() -> None:
    settings = Settings(smtp_url="smtps://m:s@mail.example.org", smtp_password="pw")
    env = worker_env(settings, 1)
    assert env["STONECHAT_SMTP_URL"] == "smtps://m:s@mail.example.org"
    assert env["STONECHAT_SMTP_PASSWORD"] == "pw"


def test_starttls_takes_three_values() -> None:
    with pytest.raises(ValueError, match="smtp_starttls"):
        Settings(smtp_starttls="sometimes")
