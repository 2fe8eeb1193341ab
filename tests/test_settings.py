from __future__ import annotations

from datetime import timedelta

import pytest

from helpline.durations import format_duration, parse_duration
from helpline.errors import ConfigError
from helpline.settings import Secret, Settings

GOOD = {
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "token-value-that-is-secret",
    "HELPLINE_NUMBER": "+1 (415) 555-0100",
    "HELPLINE_PUBLIC_URL": "https://helpline.example.org/",
    "HELPLINE_SECRET_KEY": "k" * 32,
    "REDIS_URL": "redis://:hunter2hunter2@redis:6379/0",
}


GOOD_FERNET = "x" * 43 + "="  # 32 bytes of url-safe base64: a valid (if silly) Fernet key


def test_a_complete_environment() -> None:
    settings = Settings.from_environ(GOOD)
    assert settings.helpline_number == "+14155550100"
    assert settings.public_url == "https://helpline.example.org"
    assert settings.crisis_line == "+18006624357"
    assert not settings.sandbox
    shown = repr(settings)
    assert "token-value-that-is-secret" not in shown
    assert "hunter2" not in shown
    assert "k" * 32 not in shown
    assert settings.redis_url_masked == "redis://:********@redis:6379/0"


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": "not-a-sid"}, "TWILIO_ACCOUNT_SID"),
        ({"HELPLINE_NUMBER": ""}, "HELPLINE_NUMBER"),
        ({"HELPLINE_NUMBER": "call me"}, "HELPLINE_NUMBER"),
        ({"HELPLINE_PUBLIC_URL": ""}, "HELPLINE_PUBLIC_URL"),
        ({"HELPLINE_PUBLIC_URL": "helpline.example.org"}, "HELPLINE_PUBLIC_URL"),
        ({"HELPLINE_SECRET_KEY": ""}, "HELPLINE_SECRET_KEY"),
        ({"HELPLINE_SECRET_KEY": "short"}, "HELPLINE_SECRET_KEY"),
        ({"HELPLINE_CRISIS_LINE": "12"}, "HELPLINE_CRISIS_LINE"),
        ({"REDIS_URL": "http://redis"}, "REDIS_URL"),
        ({"TWILIO_API_URL": "ftp://x"}, "TWILIO_API_URL"),
        ({"HELPLINE_NUMBER_KEYS": "not-a-key"}, "HELPLINE_NUMBER_KEYS"),
        ({"HELPLINE_NUMBER_KEYS": GOOD_FERNET + ",oops"}, "HELPLINE_NUMBER_KEYS"),
        ({"HELPLINE_SESSION_EXPIRY": "a week"}, "HELPLINE_SESSION_EXPIRY"),
        ({"HELPLINE_SESSION_EXPIRY": "0d"}, "HELPLINE_SESSION_EXPIRY"),
        ({"HELPLINE_TRANSCRIPT_RETENTION": "4000d"}, "HELPLINE_TRANSCRIPT_RETENTION"),
        ({"HELPLINE_INBOUND_LIMIT": "0"}, "HELPLINE_INBOUND_LIMIT"),
        ({"HELPLINE_INBOUND_LIMIT": "lots"}, "HELPLINE_INBOUND_LIMIT"),
        ({"HELPLINE_INBOUND_WINDOW": "5 minutes"}, "HELPLINE_INBOUND_WINDOW"),
        ({"HELPLINE_METRICS_TOKEN": "short"}, "HELPLINE_METRICS_TOKEN"),
    ],
)
def test_each_bad_variable_is_named(change: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.from_environ({**GOOD, **change})
    assert exc.value.variable == variable
    assert str(exc.value).startswith(variable + ": ")


def test_sandbox_only_when_allowed() -> None:
    with pytest.raises(ConfigError, match="only `helpline dev`"):
        Settings.from_environ({})
    settings = Settings.from_environ({}, sandbox_allowed=True)
    assert settings.sandbox
    assert settings.public_url is None


def test_secrets_never_print() -> None:
    secret = Secret("x" * 20)
    assert "x" * 20 not in f"{secret} {secret!r}"
    assert secret.reveal() == "x" * 20


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("45s", timedelta(seconds=45)),
        ("3m", timedelta(minutes=3)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        (90, timedelta(seconds=90)),
        ("30", timedelta(seconds=30)),
    ],
)
def test_durations(text: str | int, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("bad", ["soon", "0s", "-3m", "3 weeks", True])
def test_bad_durations(bad: str | int) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


def test_format_duration() -> None:
    assert [format_duration(timedelta(seconds=s)) for s in (45, 180, 7200, 86400, 90)] == [
        "45s",
        "3m",
        "2h",
        "1d",
        "90s",
    ]


def test_privacy_and_limit_defaults() -> None:
    settings = Settings.from_environ(GOOD)
    assert settings.session_expiry == timedelta(days=7)
    assert settings.transcript_retention == timedelta(days=30)
    assert (settings.inbound_limit, settings.inbound_window) == (30, timedelta(minutes=5))
    assert settings.number_keys == ()
    assert settings.signature_tokens == [Secret("token-value-that-is-secret")]


def test_privacy_and_limit_variables_are_read() -> None:
    settings = Settings.from_environ(
        {
            **GOOD,
            "HELPLINE_NUMBER_KEYS": f" {GOOD_FERNET} , {'y' * 43}= ",
            "HELPLINE_SESSION_EXPIRY": "2d",
            "HELPLINE_TRANSCRIPT_RETENTION": "60d",
            "HELPLINE_INBOUND_LIMIT": "10",
            "HELPLINE_INBOUND_WINDOW": "1m",
            "TWILIO_AUTH_TOKEN_SECONDARY": "the-next-token",
            "HELPLINE_METRICS_TOKEN": "m" * 20,
        }
    )
    assert settings.number_keys == (Secret(GOOD_FERNET), Secret("y" * 43 + "="))
    assert settings.session_expiry == timedelta(days=2)
    assert settings.transcript_retention == timedelta(days=60)
    assert (settings.inbound_limit, settings.inbound_window) == (10, timedelta(minutes=1))
    assert settings.signature_tokens == [
        Secret("token-value-that-is-secret"),
        Secret("the-next-token"),
    ]
    shown = repr(settings)
    for secret in (GOOD_FERNET, "the-next-token", "m" * 20):
        assert secret not in shown


def test_a_bad_number_key_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as exc:
        Settings.from_environ({**GOOD, "HELPLINE_NUMBER_KEYS": "s3cret-typo"})
    assert "s3cret-typo" not in str(exc.value)
    assert "key 1" in str(exc.value)
