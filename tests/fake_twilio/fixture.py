"""pytest fixtures for the fake Twilio.

Register with `pytest_plugins = ["tests.fake_twilio.fixture"]` in the root conftest.
`fake_twilio_server` starts one server for the session; `fake_twilio` hands it to a
test freshly reset, and fails the test if the fake drifted from Twilio's spec.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_twilio.server import FakeTwilio


@pytest.fixture(scope="session")
def fake_twilio_server() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def fake_twilio(fake_twilio_server: FakeTwilio) -> Iterator[FakeTwilio]:
    fake_twilio_server.reset()
    yield fake_twilio_server
    fake_twilio_server.assert_conforms()
