"""Meetings as texts and as speech: short, plain, GSM-7 in English, times in the meeting's zone."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from helpline.engine.segments import count_segments, is_gsm7
from helpline.meetings import texts
from helpline.meetings.record import Attendance, Meeting, Precision, TimezoneSource
from helpline.meetings.search import Occurrence

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=LA)  # a Tuesday, 5 PM in Costa Mesa


def meeting(**changes: object) -> Meeting:
    values: dict[str, object] = {
        "id": "oc:serenity",
        "source_id": "oc",
        "source_key": "serenity",
        "program": "aa",
        "name": "Serenity Group",
        "day": 2,
        "start_local": time(19, 30),
        "duration_min": 60,
        "timezone": "America/Los_Angeles",
        "timezone_source": TimezoneSource.SOURCE_DEFAULT,
        "attendance": Attendance.IN_PERSON,
        "street": "3186 Pullman St",
        "locality": "Costa Mesa",
        "location_precision": Precision.EXACT,
    }
    values.update(changes)
    return Meeting(**values)  # type: ignore[arg-type]


def at(starts_at: datetime, distance: float | None = 0.8, **changes: object) -> Occurrence:
    return Occurrence(meeting=meeting(**changes), starts_at=starts_at, distance_miles=distance)


def test_an_in_person_meeting_reads_like_the_issue_example() -> None:
    occurrence = at(datetime(2026, 11, 24, 19, 30, tzinfo=LA))
    assert texts.meeting_lines(occurrence, NOW, "en") == (
        "Today 7:30 PM - Serenity Group - 0.8 mi\n3186 Pullman St, Costa Mesa"
    )


@pytest.mark.parametrize(
    ("starts_at", "label"),
    [
        (datetime(2026, 11, 24, 23, 59, tzinfo=LA), "Today 11:59 PM"),
        (datetime(2026, 11, 25, 0, 0, tzinfo=LA), "Tomorrow 12:00 AM"),
        (datetime(2026, 11, 26, 12, 0, tzinfo=LA), "Thu 12:00 PM"),
        (datetime(2026, 11, 30, 7, 5, tzinfo=LA), "Mon 7:05 AM"),
    ],
)
def test_days_are_relative_to_the_meetings_own_date(starts_at: datetime, label: str) -> None:
    assert texts.meeting_lines(at(starts_at), NOW, "en").startswith(label + " - ")


def test_a_meeting_that_just_began_says_how_long_ago() -> None:
    occurrence = at(datetime(2026, 11, 24, 16, 55, tzinfo=LA))
    assert texts.when_text(occurrence, NOW, "en") == "Today 4:55 PM, started 5 min ago"
    assert "empezó hace 5 min" in texts.when_text(occurrence, NOW, "es")


def test_an_online_meeting_gives_its_zone_and_the_callers_time() -> None:
    occurrence = at(
        datetime(2026, 11, 24, 21, 0, tzinfo=NY),
        distance=None,
        attendance=Attendance.ONLINE,
        timezone="America/New_York",
        online_url="https://us02web.zoom.us/j/123456789",
        location_precision=Precision.APPROXIMATE,
    )
    lines = texts.meeting_lines(occurrence, NOW, "en", caller_zone=LA)
    assert lines == (
        "Today 9:00 PM EST (6:00 PM your time) - Serenity Group\nhttps://us02web.zoom.us/j/123456789"
    )
    # Same zone as the caller: no second time.
    assert "your time" not in texts.meeting_lines(occurrence, NOW, "en", caller_zone=NY)


def test_a_phone_only_meeting_gives_the_number_to_call() -> None:
    occurrence = at(
        datetime(2026, 11, 24, 19, 0, tzinfo=LA),
        distance=None,
        attendance=Attendance.ONLINE,
        dial_in="+16699006833,,85779615129#",
        location_precision=Precision.NONE,
    )
    assert texts.meeting_lines(occurrence, NOW, "en").endswith(
        "Call in: +16699006833,,85779615129#"
    )


def test_long_names_are_cut_and_distances_rounded() -> None:
    long_name = "The Early Risers Big Book and Step Study of Newport Beach Harbor"
    occurrence = at(datetime(2026, 11, 24, 19, 0, tzinfo=LA), distance=12.44, name=long_name)
    head = texts.meeting_lines(occurrence, NOW, "en").split("\n")[0]
    name = head.split(" - ")[1]
    assert len(name) == texts.MAX_NAME_CHARS
    assert name.endswith("...")
    assert head.endswith(" - 12 mi")


def test_a_page_of_meetings_is_gsm7_says_more_and_names_a_person() -> None:
    found = [at(datetime(2026, 11, 24, 19 + i, 0, tzinfo=LA)) for i in range(4)]
    text = texts.page_text(
        found,
        NOW,
        language="en",
        heading=texts.Heading(zip_code="92660", radius_miles=10).text("en"),
        more=True,
        person_line=texts.person_line("en", "1-800-662-4357"),
    )
    assert is_gsm7(text)
    assert text.count("Serenity Group") == texts.PAGE_SIZE
    assert text.startswith("Next meetings near 92660:")
    assert "Reply MORE" in text
    assert text.endswith("To talk to a person: 1-800-662-4357, 24/7.")
    assert count_segments(text) <= 3


def test_a_widened_search_says_how_far() -> None:
    heading = texts.Heading(zip_code="59001", radius_miles=50, widened=True)
    assert heading.text("en") == "Next meetings within 50 miles of 59001:"
    assert heading.text("es") == "Próximas reuniones a 50 millas de 59001:"


@pytest.mark.parametrize(
    ("hour", "minute", "en", "es"),
    [
        (19, 0, "7 PM", "las 7 de la noche"),
        (19, 30, "7:30 PM", "las 7:30 de la noche"),
        (12, 0, "noon", "el mediodía"),
        (0, 0, "midnight", "la medianoche"),
        (6, 45, "6:45 AM", "las 6:45 de la mañana"),
        (13, 15, "1:15 PM", "la 1:15 de la tarde"),
    ],
)
def test_spoken_times(hour: int, minute: int, en: str, es: str) -> None:
    when = datetime(2026, 11, 24, hour, minute, tzinfo=LA)
    assert texts.spoken_clock(when, "en") == en
    assert texts.spoken_clock(when, "es") == es


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("3186 Pullman St, Costa Mesa", "3186 Pullman Street, Costa Mesa"),
        ("100 N Main St., Ste 4", "100 North Main Street, Suite 4"),
        ("1 Stone Ave #2, Irvine", "1 Stone Avenue number 2, Irvine"),
        ("24 E Dr Martin Luther King Jr Blvd", "24 East Drive Martin Luther King Jr Boulevard"),
    ],
)
def test_spoken_addresses_expand_abbreviations(written: str, spoken: str) -> None:
    assert texts.spoken_address(written) == spoken


def test_a_spoken_meeting_never_reads_a_link() -> None:
    near = at(datetime(2026, 11, 25, 19, 0, tzinfo=LA), distance=0.8)
    assert texts.spoken_meeting(near, NOW, "en") == (
        "Tomorrow at 7 PM: Serenity Group, at 3186 Pullman Street, Costa Mesa, "
        "less than a mile away."
    )
    online = at(
        datetime(2026, 11, 27, 20, 0, tzinfo=NY),
        distance=None,
        attendance=Attendance.ONLINE,
        timezone="America/New_York",
        online_url="https://zoom.us/j/1",
        location_precision=Precision.NONE,
    )
    spoken = texts.spoken_meeting(online, NOW, "en")
    assert spoken == "On Friday at 8 PM Eastern time: Serenity Group, online."
    assert "zoom" not in spoken
    assert texts.spoken_meeting(near, NOW, "es") == (
        "Mañana a las 7 de la noche: Serenity Group, en 3186 Pullman Street, Costa Mesa, "
        "a menos de una milla."
    )
