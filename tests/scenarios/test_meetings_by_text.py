"""After triage, the next meetings arrive by text; MORE sends the next ones.

The Orange County feed is imported into the real directory; the caller texts
the real webhook and the real worker sends through the fake Twilio.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from helpline.jobs import MEETING_TEXTS_VALIDITY_SECONDS
from helpline.meetings.imports import import_source
from helpline.meetings.search import MeetingQuery, search
from helpline.meetings.source import FeedFormat, Source
from helpline.meetings.texts import short_name
from helpline.runtime import Runtime
from tests.fake_twilio.server import FakeTwilio
from tests.support.clock import FakeClock
from tests.support.phone import Phone
from tests.support.worker import run_jobs

OC = Path(__file__).parents[1] / "data" / "meeting-feeds" / "meeting-guide" / "oc-aa-tsml.json"
CRISIS_LINE = "1-800-662-4357"
MONDAY_6PM_PACIFIC = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
MEETING_HEAD = re.compile(
    r"^(Today|Tomorrow|Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2}:\d\d [AP]M\b.* - "
)

pytestmark = pytest.mark.redis


@pytest.fixture
def directory(runtime: Runtime, clock: FakeClock) -> Runtime:
    clock.now = MONDAY_6PM_PACIFIC
    source = Source(
        id="oc-aa",
        program="aa",
        format=FeedFormat.MEETING_GUIDE,
        location=str(OC),
        default_timezone="America/Los_Angeles",
    )
    import_source(runtime.directory, source, now=clock.now)
    return runtime


def texts_to(fake_twilio: FakeTwilio, phone: Phone) -> list[str]:
    return [m.body or "" for m in fake_twilio.messages(to=phone.number)]


def meeting_blocks(text: str) -> list[str]:
    return [block for block in text.split("\n\n") if MEETING_HEAD.match(block)]


def test_in_person_triage_ends_with_the_next_meetings_and_more(
    phone: Phone, directory: Runtime, fake_twilio: FakeTwilio, clock: FakeClock
) -> None:
    for answer in ["hi", "1", "1", "1", "1", "1", "92660", "yes"]:
        assert phone.text(answer).status == 200
    run_jobs(directory)
    sent = texts_to(fake_twilio, phone)
    meetings_text = sent[-1]
    assert meetings_text.startswith("Next meetings near 92660:")
    blocks = meeting_blocks(meetings_text)
    assert len(blocks) == 3
    assert "Reply MORE for the next ones." in meetings_text
    assert CRISIS_LINE in meetings_text
    # The same meetings, in the same order, as the directory's own search gives.
    expected = search(
        directory.directory,
        MeetingQuery(zip_code="92660", programs=frozenset({"aa"}), limit=6),
        clock.now,
    ).occurrences
    heads = [block.split("\n")[0] for block in blocks]
    for head, occurrence in zip(heads, expected[:3], strict=True):
        assert f" - {short_name(occurrence.meeting.name)} - " in head
    assert all(" mi\n" in block for block in blocks)  # distance, then the address

    clock.advance(timedelta(minutes=2))
    reply = phone.text("MORE")
    assert reply.status == 200
    assert reply.texts == []
    run_jobs(directory)
    more = texts_to(fake_twilio, phone)[-1]
    assert more.startswith("More meetings:")
    more_heads = [block.split("\n")[0] for block in meeting_blocks(more)]
    assert len(more_heads) == 3
    for head, occurrence in zip(more_heads, expected[3:6], strict=True):
        assert f" - {short_name(occurrence.meeting.name)} - " in head
    assert CRISIS_LINE in more
    # Meeting lists are dropped by Twilio rather than delivered after the meetings start.
    validity = {
        m.validity_period
        for m in fake_twilio.messages(to=phone.number)
        if "meetings" in (m.body or "")
    }
    assert validity == {MEETING_TEXTS_VALIDITY_SECONDS}

    # Keep asking: pages run out honestly.
    for _ in range(5):
        phone.text("more")
        run_jobs(directory)
    assert texts_to(fake_twilio, phone)[-1].startswith("That's all the meetings I found.")


def test_an_unknown_zip_is_asked_again_then_online_meetings_are_sent(
    phone: Phone, directory: Runtime, fake_twilio: FakeTwilio
) -> None:
    for answer in ["hi", "1", "1", "1", "1", "1"]:
        phone.text(answer)
    reply = phone.text("00000")
    assert reply.texts[0].startswith("I couldn't find that ZIP code.")
    reply = phone.text("online")
    assert reply.texts[0].startswith("OK, I'll send online meetings")
    assert reply.texts[1].startswith("One last question: are you safe right now?")
    phone.text("1")
    run_jobs(directory)
    last = texts_to(fake_twilio, phone)[-1]
    assert last.startswith("Next online meetings:")
    blocks = meeting_blocks(last)
    assert blocks
    assert all("https://" in block for block in blocks)
    assert all(re.search(r" P[SD]T", block.split("\n")[0]) for block in blocks)


def test_spanish_online_caller_reads_meetings_in_spanish(
    phone: Phone, directory: Runtime, fake_twilio: FakeTwilio
) -> None:
    for answer in ["Hola", "1", "1", "1", "1", "2", "si"]:
        phone.text(answer)
    run_jobs(directory)
    last = texts_to(fake_twilio, phone)[-1]
    assert last.startswith("Próximas reuniones en línea:")
    assert "Para hablar con una persona: 1-800-662-4357" in last
