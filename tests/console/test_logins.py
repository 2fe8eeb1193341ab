"""Console logins in Redis: found by a hash of the token, renewed while used, ended at the
longest shift, and gone on logout."""

from __future__ import annotations

from datetime import timedelta

import redis

from helpline import keys
from helpline.console.accounts import Account, Role
from helpline.console.logins import Logins
from tests.support.clock import FakeClock

DANA = Account(name="Dana", role=Role.STAFF, password="scrypt$not-checked-here")


def test_a_login_is_found_by_its_token_and_never_stored_under_it(
    redis_client: redis.Redis,
) -> None:
    logins = Logins(redis_client, FakeClock())
    login = logins.start(DANA)
    found = logins.find(login.token)
    assert found is not None
    assert (found.name, found.role, found.csrf) == ("Dana", Role.STAFF, login.csrf)
    stored = [k.decode() for k in redis_client.scan_iter("*")]
    assert stored
    assert all(login.token not in k for k in stored)
    assert all(login.token.encode() not in (redis_client.get(k) or b"") for k in stored)
    assert login.token not in repr(login)
    assert login.csrf not in repr(login)


def test_unknown_empty_and_ended_tokens_find_nothing(redis_client: redis.Redis) -> None:
    logins = Logins(redis_client, FakeClock())
    login = logins.start(DANA)
    assert logins.find(None) is None
    assert logins.find("") is None
    assert logins.find(login.token + "x") is None
    logins.end(login.token)
    assert logins.find(login.token) is None


def test_each_use_renews_the_idle_time(redis_client: redis.Redis) -> None:
    logins = Logins(redis_client, FakeClock())
    login = logins.start(DANA)
    (key,) = redis_client.scan_iter(keys.console_session("*"))
    idle = int(keys.CONSOLE_SESSION_IDLE.total_seconds())
    redis_client.expire(key, 5)  # as if it had sat unused for most of the idle time
    assert logins.find(login.token) is not None
    assert idle - 2 <= redis_client.ttl(key) <= idle


def test_however_active_a_login_ends_after_the_longest_shift(redis_client: redis.Redis) -> None:
    clock = FakeClock()
    logins = Logins(redis_client, clock)
    login = logins.start(DANA)
    clock.advance(keys.CONSOLE_SESSION_MAX - timedelta(seconds=1))
    assert logins.find(login.token) is not None
    clock.advance(timedelta(seconds=1))
    assert logins.find(login.token) is None
    assert list(redis_client.scan_iter(keys.console_session("*"))) == []


def test_form_tokens_must_match_exactly(redis_client: redis.Redis) -> None:
    login = Logins(redis_client, FakeClock()).start(DANA)
    assert login.csrf_ok(login.csrf)
    assert not login.csrf_ok(None)
    assert not login.csrf_ok("")
    assert not login.csrf_ok(login.csrf[:-1])
