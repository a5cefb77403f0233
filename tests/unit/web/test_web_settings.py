"""Web and mail settings from the environment: defaults, and refusals that name the variable."""

from __future__ import annotations

import pytest

from symphonia.settings import load_settings
from symphonia.settings.environment import SettingsError


def test_defaults_listen_on_loopback_with_secure_cookies() -> None:
    settings = load_settings()
    assert settings.web.host == "127.0.0.1"
    assert settings.web.port == 8000
    assert settings.web.cookie_secure is True
    assert settings.web.resolved_base_url == "http://127.0.0.1:8000"
    assert settings.resolved_outbox == settings.data_dir / "outbox"


def test_configured_values_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYMPHONIA_PORT", "9001")
    monkeypatch.setenv("SYMPHONIA_PUBLIC_URL", "https://delphi.example.org/")
    monkeypatch.setenv("SYMPHONIA_COOKIE_SECURE", "no")
    monkeypatch.setenv("SYMPHONIA_SMTP_URL", "smtp://mail.example.org:25")
    settings = load_settings()
    assert settings.web.port == 9001
    assert settings.web.resolved_base_url == "https://delphi.example.org"
    assert settings.web.cookie_secure is False
    assert settings.mail.smtp_url == "smtp://mail.example.org:25"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SYMPHONIA_PORT", "eighty", "whole number"),
        ("SYMPHONIA_PORT", "70000", "port from 1 to 65535"),
        ("SYMPHONIA_COOKIE_SECURE", "maybe", "true or false"),
        ("SYMPHONIA_SESSION_MAX_AGE", "5", "at least 60"),
    ],
)
def test_unusable_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=expected) as refused:
        load_settings()
    assert name in str(refused.value)
