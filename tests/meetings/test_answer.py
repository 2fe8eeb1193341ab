"""What a caller is texted after triage: which searches run, and what is said when none finds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpline.meetings import texts
from helpline.meetings.answer import KEPT_FOR_MORE, Page, meetings_answer, next_page
from helpline.meetings.places import zip_place
from helpline.meetings.record import Attendance, Meeting, Precision, TimezoneSource
from helpline.meetings.search import MeetingQuery, Occurrence, SearchResult
from helpline.programs.catalogue import Catalogue, load_catalogue

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=LA)
CRISIS = "+18006624357"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ROOT / "flows" / "programs.yaml")


def occurrence(n: int, *, online: bool = False, spanish: bool = False) -> Occurrence:
    meeting = Meeting(
        id=f"src:m{n}",
        source_id="src",
        source_key=f"m{n}",
        program="aa",
        name=f"Meeting {n}",
        day=2,
        start_local=time(18, 0),
        duration_min=60,
        timezone="America/Los_Angeles",
        timezone_source=TimezoneSource.SOURCE_DEFAULT,
        attendance=Attendance.ONLINE if online else Attendance.IN_PERSON,
        street=None if online else f"{n} Main St",
        locality=None if online else "Irvine",
        location_precision=Precision.NONE if online else Precision.EXACT,
        online_url=f"https://zoom.us/j/{n}" if online else None,
        languages=frozenset({"es"}) if spanish else frozenset(),
    )
    starts = NOW + timedelta(hours=n)
    return Occurrence(meeting=meeting, starts_at=starts, distance_miles=None if online else 1.0)


class Directory:
    """A stand-in search over fixed lists that records every query it is asked."""

    def __init__(
        self, near: list[Occurrence], online: list[Occurrence], *, radius: float = 10
    ) -> None:
        self.near, self.online, self.radius = near, online, radius
        self.queries: list[MeetingQuery] = []

    def __call__(self, query: MeetingQuery) -> SearchResult:
        self.queries.append(query)
        pool = self.online if query.online else self.near
        if "spanish" in query.wishes:
            pool = [o for o in pool if "es" in o.meeting.languages]
        place = None if query.online else zip_place(query.zip_code or "")
        return SearchResult(
            occurrences=tuple(pool[: query.limit]),
            place=place,
            radius_miles=None if query.online else self.radius,
            widened=self.radius > 10,
        )


IN_PERSON = {"who": "self", "substance": "alcohol", "approach": "twelve_step", "goal": "stop",
             "format": "in_person", "zip": "92660"}  # fmt: skip
ONLINE = {**IN_PERSON, "format": "online", "zip": ""}


def answer(catalogue: Catalogue, answers: dict[str, str], search: Directory, language: str = "en"):  # type: ignore[no-untyped-def]
    return meetings_answer(
        catalogue=catalogue,
        answers=answers,
        language=language,
        now=NOW,
        search=search,
        crisis_line=CRISIS,
        helpline_name="Recovery Helpline",
    )


def test_nearby_meetings_come_first_and_the_rest_waits_for_more(catalogue: Catalogue) -> None:
    search = Directory([occurrence(n) for n in range(1, 8)], [])
    result = answer(catalogue, IN_PERSON, search)
    assert len(result.texts) == 1
    assert result.texts[0].startswith("Next meetings near 92660:")
    assert [q.zip_code for q in search.queries] == ["92660"]
    assert search.queries[0].limit == KEPT_FOR_MORE
    # The programs searched are the ones recommended to this caller.
    assert "aa" in search.queries[0].programs
    assert result.rest is not None
    assert [o.meeting.name for o in result.rest.waiting] == [f"Meeting {n}" for n in range(4, 8)]


def test_none_nearby_says_so_and_offers_online_meetings(catalogue: Catalogue) -> None:
    search = Directory([], [occurrence(1, online=True)], radius=50)
    result = answer(catalogue, IN_PERSON, search)
    (text,) = result.texts
    assert text.startswith("I could not find meetings in our list within 50 miles of 92660")
    assert "Next online meetings:" in text
    assert "https://zoom.us/j/1" in text
    assert text.endswith("To talk to a person: 1-800-662-4357, 24/7.")
    assert [q.online for q in search.queries] == [False, True]


def test_nothing_at_all_sends_each_programs_own_finder(catalogue: Catalogue) -> None:
    result = answer(catalogue, ONLINE, Directory([], []))
    intro, *finders = result.texts
    assert intro.startswith(texts.none_at_all_text("en"))
    assert "1-800-662-4357" in intro
    assert finders
    assert all("1-800-662-4357" in t for t in finders)
    assert result.rest is None


def test_a_secular_caller_searches_for_secular_meetings(catalogue: Catalogue) -> None:
    search = Directory([occurrence(1)], [])
    answer(catalogue, {**IN_PERSON, "approach": "secular"}, search)
    query = search.queries[0]
    assert query.wishes == {"secular"}
    assert "smart" in query.secular_programs
    assert "aa" not in query.secular_programs


def test_a_spanish_speaker_gets_spanish_meetings_when_there_are_any(catalogue: Catalogue) -> None:
    mixed = [occurrence(1), occurrence(2, spanish=True)]
    search = Directory(mixed, [])
    result = answer(catalogue, IN_PERSON, search, language="es")
    assert "Meeting 2" in result.texts[0]
    assert "Meeting 1" not in result.texts[0]
    assert result.texts[0].startswith("Próximas reuniones cerca de 92660:")
    # None in Spanish: every meeting rather than nothing.
    search = Directory([occurrence(1)], [])
    result = answer(catalogue, IN_PERSON, search, language="es")
    assert "Meeting 1" in result.texts[0]
    assert [q.wishes for q in search.queries] == [{"spanish"}, frozenset()]


def test_an_unknown_zip_is_answered_with_online_meetings(catalogue: Catalogue) -> None:
    search = Directory([occurrence(1)], [occurrence(2, online=True)])
    result = answer(catalogue, {**IN_PERSON, "zip": "00000"}, search)
    assert "00000" in result.texts[0]
    assert result.texts[0].startswith("I could not find ZIP code 00000. Online meetings are open")
    assert "Next online meetings:" in result.texts[0]


def test_nothing_near_and_nothing_online_says_each_once(catalogue: Catalogue) -> None:
    (intro, *_finders) = answer(catalogue, IN_PERSON, Directory([], [], radius=50)).texts
    assert intro == (
        "I could not find meetings in our list within 50 miles of 92660 in the next 7 days. "
        "The program sites below list more. To talk to a person: 1-800-662-4357, 24/7."
    )


def test_more_pages_through_what_was_kept_and_skips_meetings_that_began(
    catalogue: Catalogue,
) -> None:
    first = answer(catalogue, IN_PERSON, Directory([occurrence(n) for n in range(1, 9)], []))
    page = first.rest
    assert page is not None
    # Round trip through JSON, as the job keeps it in Redis.
    meetings = {o.meeting.id: o.meeting for o in page.waiting}
    page = Page.from_dict(page.to_dict(), meetings)
    later = NOW + timedelta(hours=4, minutes=11)  # meeting 4 began 11 minutes ago: past grace
    text, rest = next_page(page, later, language="en", crisis_line=CRISIS)
    assert "Meeting 4" not in text
    assert [n for n in range(5, 8) if f"Meeting {n} - " in text] == [5, 6, 7]
    assert "Reply MORE" in text
    assert rest is not None
    assert [o.meeting.name for o in rest.waiting] == ["Meeting 8"]
    text, rest = next_page(rest, later, language="en", crisis_line=CRISIS)
    assert "Meeting 8" in text
    assert "Reply MORE" not in text
    assert rest is None
    text, rest = next_page(None, later, language="en", crisis_line=CRISIS)
    assert text.startswith("That's all the meetings I found.")
    assert "1-800-662-4357" in text


def test_a_kept_page_drops_meetings_removed_from_the_directory(catalogue: Catalogue) -> None:
    first = answer(catalogue, IN_PERSON, Directory([occurrence(n) for n in range(1, 6)], []))
    assert first.rest is not None
    data = first.rest.to_dict()
    still_there = {o.meeting.id: o.meeting for o in first.rest.waiting[1:]}
    page = Page.from_dict(data, still_there)
    assert [o.meeting.name for o in page.waiting] == ["Meeting 5"]
    assert page.waiting[0].starts_at.tzinfo == LA
    assert replace(page, waiting=()).waiting == ()
