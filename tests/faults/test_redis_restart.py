"""Redis stopped mid-conversation and started again, under running `helpline serve` and worker.

The test's own redis-server, so the shared one is never touched. It comes back
on the same port with nothing in it: PrivateRedis keeps nothing on disk, which
is what a crashed Redis without persistence looks like, and the harder case
for the processes (their queues, worker registrations, scheduler locks and
every conversation gone at once). With persistence, the caller in the middle
would carry on where they were; without, they start again, and the helpline
must not mind: what is checked is that nobody meets a 500 or silence while
Redis is away, and that once it is back the same processes, never restarted,
carry a new conversation to its end, retries through the scheduler included.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpline.redis_server import PrivateRedis
from tests.fake_twilio.server import FakeTwilio
from tests.support.call import Call
from tests.support.processes import Helpline, wait_for

pytestmark = pytest.mark.faults

MIDWAY = "+12065550151"
NEWCOMER = "+12065550152"
CALLER_ON_THE_PHONE = "+12065550153"
AFTERWARDS = "+12065550154"
CRISIS_LINE = "+18006624357"
TRIAGE = ("hi", "1", "1", "2", "2", "2", "1")
"""For me, alcohol, secular, cut down, online, safe: program and meeting texts follow."""

FIRST_PROMPT = "Hi, you've reached"
SAFE_REPLY_SECONDS = 1.0
DOWN_SECONDS = 3.0
"""Long enough for the worker's reconnect backoff (1 s, 2 s, ...) to go round twice."""


@pytest.fixture
def own_redis() -> Iterator[PrivateRedis]:
    with PrivateRedis() as server:
        yield server


def timed_text(line: Helpline, number: str, body: str) -> tuple[float, int, list[str]]:
    started = time.monotonic()
    reply = line.phone(number).text(body)
    return time.monotonic() - started, reply.status, reply.texts


def assert_safe_reply(texts: list[str]) -> None:
    (text,) = texts
    for needed in ("1-800-662-4357", "988", "911"):
        assert needed in text, text


def test_redis_restarted_mid_conversation_answers_safely_then_carries_on(
    own_redis: PrivateRedis, fake_twilio: FakeTwilio, flows_dir: Path, tmp_path: Path
) -> None:
    with Helpline(own_redis.url, fake_twilio, flows_dir, tmp_path) as line:
        web = line.serve()
        worker = line.worker()
        statuses: list[int] = []
        for body in ("hi", "1"):
            _, status, texts = timed_text(line, MIDWAY, body)
            statuses.append(status)
        assert texts[0].startswith("What is it about?")  # mid-conversation

        own_redis.stop()
        went_down = time.monotonic()
        # A text from the caller in the middle, and one from somebody new.
        took, status, texts = timed_text(line, MIDWAY, "2")
        statuses.append(status)
        assert took < SAFE_REPLY_SECONDS
        assert_safe_reply(texts)
        took, status, texts = timed_text(line, NEWCOMER, "hi")
        statuses.append(status)
        assert took < SAFE_REPLY_SECONDS
        assert_safe_reply(texts)
        # A phone call is put through to the 24-hour line.
        started = time.monotonic()
        call = Call(line.phone(CALLER_ON_THE_PHONE)).dial_in()  # asserts the 200
        assert time.monotonic() - started < SAFE_REPLY_SECONDS
        dialled = call.dialled
        assert dialled is not None
        assert dialled.number == CRISIS_LINE
        health = line.health()
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - went_down)))

        own_redis.start()  # same port, empty
        wait_for(lambda: line.health().status_code == 200, timeout=10, what="/healthz back to 200")
        # The first text after the restart needs the scheduler: a retry 10 s later.
        fake_twilio.inject(status=429, code=20429, message="Too Many Requests", to=AFTERWARDS)
        replies = []
        for body in TRIAGE:
            _, status, texts = timed_text(line, AFTERWARDS, body)
            statuses.append(status)
            replies.append(texts)
        assert replies[0][0].startswith(FIRST_PROMPT)
        assert replies[-1][0].startswith("Thank you. Here are programs")

        def delivered() -> bool:
            return len(fake_twilio.messages(to=AFTERWARDS)) >= 7

        took = wait_for(delivered, timeout=30, what="the worker's texts after the restart")
        print(f"programs delivered {took:.1f} s after the conversation (one 429 retried)")
        # The caller in the middle lost their answers with Redis's data: they start afresh.
        _, status, texts = timed_text(line, MIDWAY, "2")
        statuses.append(status)
        assert texts[0].startswith(FIRST_PROMPT)

        time.sleep(1.0)
        sent = [m.body or "" for m in fake_twilio.messages(to=AFTERWARDS)]
        assert len(sent) == 7
        assert len(set(sent)) == 7  # each once
        assert sent[0].startswith("SMART Recovery")
        attempts = [r.status for r in fake_twilio.requests if ("To", AFTERWARDS) in r.form]
        assert attempts == [429] + [201] * 7
        assert statuses == [200] * len(statuses)
        # The same processes throughout: nothing was restarted to get here.
        assert web.alive
        assert worker.alive
        assert [p.name for p in line.processes] == ["serve", "worker1"]
        assert httpx.get(f"{line.url}/healthz", timeout=5).json()["status"] == "ok"
