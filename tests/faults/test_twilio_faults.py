"""The fake Twilio misbehaving under real `helpline worker` processes.

Six callers finish the same triage at once, each meeting one kind of trouble on
the first program text: none, a 429, a 500, a timeout where Twilio lost the
request, a timeout where Twilio sent the text anyway, and 21610 (the caller
texted STOP to the carrier). Retries go through RQ's scheduler, which the
worker runs: the first retry interval is 10 s (SEND_RETRY_INTERVALS_SECONDS).

The twilio client's timeout (REST_TIMEOUT_SECONDS, 10 s) is a constant of
helpline.telephony.client, not a setting, so the timeouts here really take
10 s; the callers run side by side so the file takes about half a minute.
"""

from __future__ import annotations

import time

import pytest

from helpline.queueing import SEND_RETRY_INTERVALS_SECONDS
from helpline.runtime import build_runtime
from helpline.settings import Settings
from helpline.telephony.client import REST_TIMEOUT_SECONDS
from tests.fake_twilio.server import FakeTwilio
from tests.fake_twilio.state import RecordedRequest
from tests.support.processes import Helpline, wait_for

pytestmark = pytest.mark.faults

TRIAGE = ("hi", "1", "1", "2", "2", "2", "1")
"""For me, alcohol, secular, cut down, online, safe: program and meeting texts follow."""

CONTROL = "+12065550140"
RATE_LIMITED = "+12065550141"
FAILING = "+12065550142"
LOST = "+12065550143"
"""Twilio takes longer than the client waits, then fails: the text never went out."""
SLOW = "+12065550144"
"""Twilio takes longer than the client waits, then sends: the outcome was unknown."""
STOPPED = "+12065550145"

LATE_SECONDS = REST_TIMEOUT_SECONDS + 1
DONE_WITHIN_SECONDS = REST_TIMEOUT_SECONDS + SEND_RETRY_INTERVALS_SECONDS[0] + 15


def messages_to(fake: FakeTwilio, number: str) -> list[RecordedRequest]:
    return [
        r for r in fake.requests if r.path.endswith("Messages.json") and ("To", number) in r.form
    ]


def bodies(fake: FakeTwilio, number: str) -> list[str | None]:
    return [m.body for m in fake.messages(to=number)]


def test_429_500_timeouts_and_21610_from_twilio_lose_nothing_and_send_nothing_twice(
    helpline: Helpline, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.inject(status=503, code=20503, to=LOST, delay=LATE_SECONDS)
    fake_twilio.inject(status=200, to=SLOW, delay=LATE_SECONDS)
    fake_twilio.inject(status=429, code=20429, message="Too Many Requests", to=RATE_LIMITED)
    fake_twilio.inject(status=500, code=20500, message="Internal Server Error", to=FAILING)
    fake_twilio.opt_out(STOPPED)
    helpline.serve()
    helpline.worker()
    helpline.worker()  # a timeout holds a worker for 10 s; the second keeps the rest moving
    callers = (LOST, SLOW, RATE_LIMITED, FAILING, STOPPED, CONTROL)
    statuses = []
    for number in callers:
        phone = helpline.phone(number)
        statuses += [phone.text(body).status for body in TRIAGE]
    started = time.monotonic()

    wait_for(lambda: len(bodies(fake_twilio, CONTROL)) >= 7, timeout=10, what="the control texts")
    expected = bodies(fake_twilio, CONTROL)

    def finished() -> bool:
        return all(
            len(bodies(fake_twilio, n)) >= len(expected)
            for n in (RATE_LIMITED, FAILING, LOST, SLOW)
        )

    wait_for(finished, timeout=DONE_WITHIN_SECONDS, what="every caller's texts")
    print(f"every batch out {time.monotonic() - started:.1f} s after the last webhook")
    time.sleep(1.5)  # a stray retry or duplicate would land now

    assert len(expected) == 7
    # A 429, a 500 and a lost request: retried, every text once, in order.
    for number in (RATE_LIMITED, FAILING, LOST):
        assert bodies(fake_twilio, number) == expected, number
    assert [r.status for r in messages_to(fake_twilio, RATE_LIMITED)] == [429] + [201] * 7
    assert [r.status for r in messages_to(fake_twilio, FAILING)] == [500] + [201] * 7
    # The lost one was answered (503) after the client had given up, so it was a timeout.
    assert sorted(r.status for r in messages_to(fake_twilio, LOST)) == [201] * 7 + [503]
    # Sent although the client timed out: resent, so once or twice, never lost.
    slow = bodies(fake_twilio, SLOW)
    print(f"sent although timed out: {len(slow) - len(expected)} duplicate(s)")
    assert slow in (expected, expected[:1] + expected)
    # 21610: one attempt, no retry, the opt-out recorded, and nothing more is sent.
    assert [r.status for r in messages_to(fake_twilio, STOPPED)] == [400]
    assert bodies(fake_twilio, STOPPED) == []
    settings = Settings.from_environ(helpline.env)
    runtime = build_runtime(settings)
    try:
        assert runtime.store.load(runtime.conversations.ref(STOPPED)).opted_out
    finally:
        runtime.redis.close()
    again = helpline.phone(STOPPED).text("hi")
    assert again.status == 200
    assert again.texts == []
    time.sleep(1.0)
    assert len(messages_to(fake_twilio, STOPPED)) == 1
    assert statuses == [200] * len(statuses)
    timeouts = [line for line in helpline.lines_of("worker") if "did not answer in time" in line]
    assert len(timeouts) >= 2  # both slow answers were timeouts on the worker's side
