"""The blocklist kept by ref: by number (the CLI), by ref alone (the console), never the number."""

from __future__ import annotations

from datetime import UTC, datetime

import redis

from helpline import keys
from helpline.blocklist import Blocklist
from helpline.privacy import contact_ref
from helpline.settings import Secret

KEY = Secret("test-secret-key-0123456789abcdef")
NUMBER = "+12065550188"
NOW = datetime(2025, 3, 1, 3, 15, tzinfo=UTC)


def test_adding_by_number_keeps_the_ref_and_last_four_digits_only(
    redis_client: redis.Redis,
) -> None:
    entry = Blocklist(redis_client, KEY).add(NUMBER, "threats to staff", NOW)
    assert (entry.ref, entry.shown, entry.since) == (
        contact_ref(NUMBER, KEY),
        "…0188",
        "2025-03-01T03:15:00+00:00",
    )
    stored = str(redis_client.hgetall(keys.blocklist()))
    assert NUMBER[-7:] not in stored


def test_adding_by_ref_blocks_that_caller(redis_client: redis.Redis) -> None:
    blocklist = Blocklist(redis_client, KEY)
    ref = contact_ref(NUMBER, KEY)
    entry = blocklist.add_ref(ref, "…0188", "from escalation #3", NOW)
    assert blocklist.blocks(ref)
    assert blocklist.entries() == [entry]
    assert blocklist.remove(NUMBER)  # the CLI finds it by number


def test_adding_by_ref_on_a_pipeline_waits_for_the_transaction(
    redis_client: redis.Redis,
) -> None:
    blocklist = Blocklist(redis_client, KEY)
    with redis_client.pipeline() as pipe:
        blocklist.add_ref("a" * 32, "…0188", "", NOW, client=pipe)
        assert not blocklist.blocks("a" * 32)
        pipe.execute()
    assert blocklist.blocks("a" * 32)


def test_removing_by_ref_returns_the_entry_once(redis_client: redis.Redis) -> None:
    blocklist = Blocklist(redis_client, KEY)
    entry = blocklist.add(NUMBER, "spam", NOW)
    assert blocklist.remove_ref(entry.ref) == entry
    assert not blocklist.blocks(entry.ref)
    assert blocklist.remove_ref(entry.ref) is None
    assert blocklist.remove_ref("not a ref") is None
    assert blocklist.entries() == []
