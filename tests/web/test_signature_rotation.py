"""Auth-token rotation without downtime: the old and the new token both sign, nothing else does."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from helpline.runtime import build_runtime
from helpline.settings import Secret, Settings
from helpline.web.app import create_app
from tests.support.clock import FakeClock
from tests.support.live_server import LiveServer
from tests.support.phone import Phone

NEXT_TOKEN = "the-next-auth-token-0123456789ab"


@pytest.fixture
def rotating_url(settings: Settings, clock: FakeClock) -> Iterator[str]:
    rotating = dataclasses.replace(settings, twilio_secondary_token=Secret(NEXT_TOKEN))
    runtime = build_runtime(rotating, clock=clock)
    server = LiveServer(create_app(runtime=runtime))
    yield server.url
    server.stop()
    runtime.redis.close()


def test_both_tokens_sign_during_a_rotation(rotating_url: str, settings: Settings) -> None:
    assert settings.twilio_auth_token is not None
    old = Phone(rotating_url, settings.twilio_auth_token.reveal(), "+12065550123")
    new = Phone(rotating_url, NEXT_TOKEN, "+12065550124")
    assert old.text("hi").status == 200
    assert new.text("hi").status == 200
    assert new.text("hi").texts  # the conversation really runs


def test_any_other_token_is_refused(rotating_url: str) -> None:
    assert (
        Phone(rotating_url, "a-token-nobody-configured-00000", "+12065550125").text("hi").status
        == 403
    )
