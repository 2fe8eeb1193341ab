"""A flood from one number gets one notice, then silence; so does junk; crisis texts get
through; a blocked number is told where help is, now and then, and reaches no one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from helpline import keys
from helpline.conversation import JUNK_REPLIES_MAX
from helpline.runtime import Runtime, build_runtime
from helpline.settings import Settings
from helpline.web.app import create_app
from tests.fake_twilio.server import FakeTwilio
from tests.scenarios.test_escalation_by_text import write_roster
from tests.support.clock import FakeClock
from tests.support.live_server import LiveServer
from tests.support.phone import Phone
from tests.support.worker import run_jobs

LIMIT = 4


@pytest.fixture
def limited(settings: Settings, clock: FakeClock) -> Iterator[tuple[Runtime, str]]:
    runtime = build_runtime(dataclasses.replace(settings, inbound_limit=LIMIT), clock=clock)
    server = LiveServer(create_app(runtime=runtime))
    yield runtime, server.url
    server.stop()
    runtime.redis.close()


def test_a_flood_gets_one_notice_then_silence_then_the_window_passes(
    limited: tuple[Runtime, str], fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    runtime, url = limited
    flooder = Phone(url, fake_twilio.auth_token, "+12065550140")
    answered = [flooder.text("MENU") for _ in range(LIMIT)]  # each restarts: never junk
    assert all(reply.texts for reply in answered)
    notice = flooder.text("MENU")
    assert notice.status == 200
    assert len(notice.texts) == 1
    assert "988" in notice.texts[0]  # it says how to reach a person
    quiet = [flooder.text("MENU") for _ in range(5)]
    assert [(r.status, r.texts) for r in quiet] == [(200, [])] * 5
    # Another number is not affected.
    assert Phone(url, fake_twilio.auth_token, "+12065550141").text("hi").texts
    clock.advance(runtime.settings.inbound_window)
    assert flooder.text("MENU").texts  # a new window: answered again


def test_a_crisis_text_is_never_limited(
    limited: tuple[Runtime, str], fake_twilio: FakeTwilio
) -> None:
    _, url = limited
    caller = Phone(url, fake_twilio.auth_token, "+12065550142")
    for _ in range(LIMIT + 3):
        caller.text("hi")
    assert caller.text("hi").texts == []
    crisis = caller.text("i want to kill myself")
    assert crisis.texts
    assert any("988" in text for text in crisis.texts)


def test_a_blocked_number_reaches_no_flow_and_no_one_but_is_told_where_help_is(
    runtime: Runtime, phone: Phone, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    write_roster(runtime.settings.flows_dir)  # someone on call, who must not be paged
    runtime.roster.refresh()
    entry = runtime.blocklist.add(phone.number, "abusive texts to staff", clock())
    assert entry.shown == "…0123"
    first = phone.text("hi")
    assert first.status == 200
    assert first.texts == [runtime.catalog.safe_reply("hi")]  # 988, 911, the 24/7 line
    assert "988" in first.texts[0]
    assert [phone.text(t).texts for t in ("hi", "1", "MENU")] == [[], [], []]  # once a day
    # Crisis words get the same reply, sooner again than other texts, and never a page.
    assert phone.text("i want to kill myself").texts == [runtime.catalog.safe_reply("")]
    assert phone.text("i want to kill myself").texts == []
    clock.advance(keys.BLOCKED_CRISIS_NOTICE_EVERY)
    assert phone.text("i want to kill myself").texts
    assert phone.text("hi").texts == []  # the day is not over
    run_jobs(runtime)
    assert runtime.desk.store.open_ids() == []
    assert fake_twilio.messages() == []  # no page, no worker text: only the inline replies
    assert runtime.store.load(runtime.conversations.ref(phone.number)).session is None
    clock.advance(keys.BLOCKED_NOTICE_EVERY)
    assert phone.text("hi").texts == first.texts
    assert [e.note for e in runtime.blocklist.entries()] == ["abusive texts to staff"]
    assert runtime.blocklist.remove(phone.number)
    assert phone.text("hi").texts != first.texts  # the flow answers again


def test_junk_gets_a_few_replies_then_silence_until_a_real_answer(phone: Phone) -> None:
    phone.text("hi")
    replies = [phone.text("banana").texts for _ in range(JUNK_REPLIES_MAX + 1)]
    assert all(replies[:JUNK_REPLIES_MAX])
    assert replies[JUNK_REPLIES_MAX] == []
    # The flow still counts them: its own fallback brings in a person, and that is said.
    assert any("person" in text for text in phone.text("banana").texts)


def test_a_real_answer_starts_the_junk_count_again(phone: Phone) -> None:
    phone.text("hi")
    for _ in range(JUNK_REPLIES_MAX - 1):
        assert phone.text("banana").texts
    assert phone.text("1").texts  # understood: the next question
    assert [phone.text("banana").texts != [] for _ in range(JUNK_REPLIES_MAX)] == [
        True
    ] * JUNK_REPLIES_MAX
