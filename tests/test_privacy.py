"""No phone number or message body in any log line, Redis key or job description."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet

from helpline.logs import QUIET_LOGGERS, JsonFormatter
from helpline.privacy import NumberVault, contact_ref, mask_number
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
    "yes",
    "HELP",
    "banana",
    "STOP",
    "START",
]
DISTINCTIVE = ["Jordan", "drink too much", "heroin and pills", "banana"]
"""Bodies that cannot appear in a log line by coincidence."""


def listen(caplog: pytest.LogCaptureFixture) -> None:
    """Capture every log line, with the loggers quieted as `setup_logging` does in a process."""
    caplog.set_level(logging.DEBUG)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def test_a_whole_conversation_leaves_no_number_or_body_in_logs_or_keys(
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    listen(caplog)
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


STAFF = "+15550100001"
ROSTER = f"""\
timezone: America/New_York
ack_timeout: 1m
repeat: 1
final: crisis_line
staff:
  - name: Dana
    phone: "{STAFF}"
    languages: [en]
"""
CRISIS_BODIES = ["Jordan here i want to kill myself", "the bridge on fifth street"]
STAFF_BODY = "Jordan, I am Dana from the helpline, are you near the bridge now"


@pytest.fixture
def oncall(flows_dir: Path) -> None:
    """Dana on call; listed before `phone` so it is written before the runtime reads it."""
    (flows_dir / "oncall.yaml").write_text(ROSTER)


def test_an_escalation_leaves_no_number_or_body_in_logs_keys_or_the_audit(
    oncall: None,
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    listen(caplog)
    staff = Phone(phone.app_url, phone.token, STAFF)
    phone.text(CRISIS_BODIES[0])
    run_jobs(runtime)
    assert staff.text("1a").texts[0].startswith("You have #1")
    phone.text(CRISIS_BODIES[1])
    staff.text(STAFF_BODY)
    run_jobs(runtime)
    staff.text("1c")
    run_jobs(runtime)
    # The relay really happened, so the checks below can fail.
    assert any(m.body == STAFF_BODY and m.to == phone.number for m in fake_twilio.messages())
    assert any(CRISIS_BODIES[1] in (m.body or "") for m in fake_twilio.messages(to=STAFF))
    numbers = [phone.number.lstrip("+")[-10:], STAFF.lstrip("+")[-10:]]
    words = ["Jordan", "kill myself", "bridge"]
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert len(lines) > 10
    leaks = [
        line
        for line in lines
        if any(n in line for n in numbers) or any(w.lower() in line.lower() for w in words)
    ]
    assert leaks == []
    for key in redis_client.scan_iter("*"):
        assert not any(n.encode() in key for n in numbers), key
    audit = str(runtime.desk.store.audit())
    assert "taken" in audit
    assert "closed" in audit
    assert not any(n in audit for n in numbers)
    assert not any(w.lower() in audit.lower() for w in words)


def test_contact_refs_are_keyed_and_stable() -> None:
    a, b = Secret("k" * 32), Secret("j" * 32)
    assert contact_ref("+12065550123", a) == contact_ref("+12065550123", a)
    assert contact_ref("+12065550123", a) != contact_ref("+12065550123", b)
    assert "2065550123" not in contact_ref("+12065550123", a)
    assert mask_number("+12065550123") == "…0123"


def test_a_call_leaves_no_number_or_speech_in_logs_or_keys(
    oncall: None,
    phone: Phone,
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    redis_client: redis.Redis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.support.call import Call

    listen(caplog)
    call = Call(phone).dial_in().press("1")
    call.say("Jordan wants meetings please", confidence=0.3)  # read back, then confirmed
    call.press("2").press("2").press("90210").press("1")
    run_jobs(runtime)
    person = Call(phone).dial_in().press("0")
    person.staff_picks_up(press="1")
    person.dial_ends("completed")
    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert len(lines) > 5
    digits = phone.number.lstrip("+")
    staff_digits = STAFF.lstrip("+")
    assert [line for line in lines if digits[-10:] in line or staff_digits[-10:] in line] == []
    assert [line for line in lines if "Jordan" in line or "90210" in line] == []
    for key in redis_client.scan_iter("*"):
        assert digits[-10:].encode() not in key
        assert call.sid.encode() not in key  # calls are keyed by a hash of the CallSid too
    assert any(digits[-10:] in m.to for m in fake_twilio.messages())


# --- numbers at rest -----------------------------------------------------------------

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
SECRET = Secret("test-secret-key-0123456789abcdef")


def test_a_sealed_number_is_not_the_number_and_opens_only_with_the_key() -> None:
    vault = NumberVault([Secret(NEW_KEY)], SECRET)
    token = vault.seal("+12065550123")
    assert "2065550123" not in token
    assert vault.open(token) == "+12065550123"
    assert NumberVault([Secret(OLD_KEY)], SECRET).open(token) is None


def test_without_keys_the_vault_key_is_derived_from_the_secret_key() -> None:
    token = NumberVault([], SECRET).seal("+12065550123")
    assert NumberVault([], SECRET).open(token) == "+12065550123"
    assert NumberVault([], Secret("another-secret-key-0123456789")).open(token) is None


def test_rotation_opens_old_tokens_and_reseals_them_with_the_new_key() -> None:
    before = NumberVault([Secret(OLD_KEY)], SECRET).seal("+12065550123")
    during = NumberVault([Secret(NEW_KEY), Secret(OLD_KEY)], SECRET)
    assert during.open(before) == "+12065550123"
    resealed = during.reseal(before)
    assert resealed is not None
    after = NumberVault([Secret(NEW_KEY)], SECRET)  # the old key dropped
    assert after.open(resealed) == "+12065550123"
    assert after.open(before) is None
    assert after.reseal(before) is None


def test_the_derived_key_can_be_named_for_its_first_rotation() -> None:
    before = NumberVault([], SECRET).seal("+12065550123")
    during = NumberVault([Secret(NEW_KEY), Secret("derived")], SECRET)
    assert during.open(before) == "+12065550123"
    assert NumberVault([Secret(NEW_KEY)], SECRET).open(before) is None
