"""No phone number or message body in any log line, Redis key or job description."""

from __future__ import annotations

import logging

import pytest
import redis

from helpline.logs import QUIET_LOGGERS, JsonFormatter
from helpline.privacy import contact_ref, mask_number
from helpline.runtime import Runtime
from helpline.settings import Secret
from tests.fake_twilio.server import FakeTwilio
from tests.support.phone import Phone
from tests.support.worker import run_jobs

BODIES = [
    "hi",
    "my name is Jordan and I drink too much",
    "1",
    "heroin and pills",
    "2",
    "2",
    "cut down",
    "online",
    "HELP",
    "banana",
    "STOP",
    "START",
]
DISTINCTIVE = ["Jordan", "drink too much", "heroin and pills", "banana"]
"""Bodies that cannot appear in a log line by coincidence."""


def test_a_whole_conversation_leaves_no_number_or_body_in_logs_or_keys(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in QUIET_LOGGERS:  # as `setup_logging` configures a real process
        logging.getLogger(name).setLevel(logging.WARNING)
    for body in BODIES:
        phone.text(body)
    run_jobs(runtime)
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    assert len(lines) > 20  # the app, rq and the worker did log
    digits = phone.number.lstrip("+")
    leaks = [
        line
        for line in lines
        if digits[-10:] in line or any(b.lower() in line.lower() for b in DISTINCTIVE)
    ]
    assert leaks == []
    # answers are not in logs either: the substance and what the programs said
    assert [line for line in lines if '"drugs"' in line or "SMART Recovery" in line] == []
    for key in redis_client.scan_iter("*"):
        assert digits[-10:].encode() not in key
    # the check itself can fail: the number is really in the test's traffic
    assert any(digits[-10:] in m.to for m in fake_twilio.messages())


def test_contact_refs_are_keyed_and_stable() -> None:
    a, b = Secret("k" * 32), Secret("j" * 32)
    assert contact_ref("+12065550123", a) == contact_ref("+12065550123", a)
    assert contact_ref("+12065550123", a) != contact_ref("+12065550123", b)
    assert "2065550123" not in contact_ref("+12065550123", a)
    assert mask_number("+12065550123") == "…0123"
