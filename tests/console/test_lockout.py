"""Wrong passwords are counted per name, in Redis, under a keyed hash of the name."""

from __future__ import annotations

import redis

from helpline import keys
from helpline.console.lockout import MAX_LOGIN_FAILURES, Lockout
from helpline.settings import Secret


def lockout(client: redis.Redis) -> Lockout:
    return Lockout(client, Secret("test-secret-key-0123456789abcdef"))


def test_a_name_locks_after_the_limit_and_unlocks_when_cleared(
    redis_client: redis.Redis,
) -> None:
    counter = lockout(redis_client)
    for n in range(1, MAX_LOGIN_FAILURES):
        assert counter.failed("Dana") == n
        assert not counter.locked("Dana")
    assert counter.failed(" DANA ") == MAX_LOGIN_FAILURES  # the same name, however typed
    assert counter.locked("dana")
    assert not counter.locked("Sam")
    counter.cleared("Dana")
    assert not counter.locked("Dana")


def test_the_count_expires_with_its_window_and_names_no_one(redis_client: redis.Redis) -> None:
    counter = lockout(redis_client)
    counter.failed("Dana")
    counter.failed("Dana")  # a later failure does not stretch the window
    (key,) = redis_client.scan_iter(keys.login_failures("*"))
    assert b"dana" not in key.lower()
    window = int(keys.LOGIN_FAILURE_WINDOW.total_seconds())
    assert window - 2 <= redis_client.ttl(key) <= window
