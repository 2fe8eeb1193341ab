"""Fixtures for tests that run the helpline for real: Redis, the fake Twilio, the live app."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpline.runtime import Runtime, build_runtime
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.fake_twilio.server import FakeTwilio
from tests.support.clock import FakeClock
from tests.support.live_server import LiveServer
from tests.support.phone import HELPLINE_NUMBER, PUBLIC_URL, Phone

REPO = Path(__file__).parents[2]
SECRET_KEY = "test-secret-key-0123456789abcdef"


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    """A copy of the shipped flows, so a test may edit them."""
    return Path(shutil.copytree(REPO / "flows", tmp_path / "flows"))


@pytest.fixture
def settings(redis_url: str, fake_twilio: FakeTwilio, flows_dir: Path, tmp_path: Path) -> Settings:
    return Settings.from_environ(
        {
            "REDIS_URL": redis_url,
            "TWILIO_ACCOUNT_SID": fake_twilio.account_sid,
            "TWILIO_AUTH_TOKEN": fake_twilio.auth_token,
            "TWILIO_API_URL": fake_twilio.url,
            "HELPLINE_NUMBER": HELPLINE_NUMBER,
            "HELPLINE_PUBLIC_URL": PUBLIC_URL,
            "HELPLINE_SECRET_KEY": SECRET_KEY,
            "HELPLINE_FLOWS_DIR": str(flows_dir),
            "HELPLINE_ACCOUNTS": str(tmp_path / "accounts.yaml"),
        }
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def runtime(settings: Settings, clock: FakeClock) -> Iterator[Runtime]:
    rt = build_runtime(settings, clock=clock)
    yield rt
    rt.redis.close()


@pytest.fixture
def app_url(runtime: Runtime) -> Iterator[str]:
    server = LiveServer(create_app(runtime=runtime))
    yield server.url
    server.stop()


@pytest.fixture
def phone(app_url: str, fake_twilio: FakeTwilio) -> Phone:
    return Phone(app_url, fake_twilio.auth_token, "+12065550123")
