"""Fixtures shared by the whole suite.

Tests never touch a Redis they did not start: the suite runs one private
redis-server on a free port and never reads REDIS_URL, so a developer's or
CI's own Redis (often on 6379) is safe from FLUSHALL.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from helpline.redis_server import PrivateRedis

pytest_plugins = ["tests.fake_twilio.fixture", "tests.support.fixtures"]


@pytest.fixture(scope="session")
def redis_server() -> Iterator[PrivateRedis]:
    """One redis-server for the session. Fault tests that stop it should prefer their own."""
    with PrivateRedis() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: PrivateRedis) -> str:
    """The private server's URL, emptied before the test."""
    # A fault test may have stopped the shared server; it comes back on the same port.
    redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    try:
        client.flushall()
    finally:
        client.close()
    return redis_server.url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A bytes-level client (decode_responses=False), as the helpline's own code uses."""
    client = redis.Redis.from_url(redis_url, decode_responses=False)
    try:
        yield client
    finally:
        client.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Mark every test that reaches the private server, so `-m "not redis"` runs the rest.
    for item in items:
        if "redis_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-cases",
        action="store_true",
        help="rewrite the expect: of engine case files from what the engine does now",
    )
