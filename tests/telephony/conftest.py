"""Settings for telephony tests, pointed at the fake Twilio (fixtures from tests.fake_twilio)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from helpline.settings import Settings
from tests.fake_twilio.server import FakeTwilio

HELPLINE_NUMBER = "+15005550006"  # Twilio's magic "valid From" test number
PUBLIC_URL = "https://helpline.example.org"

MakeSettings = Callable[..., Settings]


@pytest.fixture
def make_settings(fake_twilio: FakeTwilio) -> MakeSettings:
    """Settings pointing at the fake; keyword overrides replace environment variables."""

    def make(**overrides: str) -> Settings:
        environ = {
            "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
            "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
            "TWILIO_API_URL": fake_twilio.url,
            "HELPLINE_NUMBER": HELPLINE_NUMBER,
            "HELPLINE_PUBLIC_URL": PUBLIC_URL,
            "HELPLINE_SECRET_KEY": "test-secret-key-0123456789",
        }
        return Settings.from_environ(environ | overrides)

    return make


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
    return make_settings()
