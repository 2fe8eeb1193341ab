"""The CSV importer: the template imports as documented, bad tables and rows are refused."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from helpline.errors import FeedError
from helpline.meetings.importers import csv_table
from helpline.meetings.record import (
    Attendance,
    Entry,
    Meeting,
    Precision,
    Rejected,
    RejectReason,
    TimezoneSource,
)
from helpline.meetings.source import FeedFormat, Source

DOCS = Path(__file__).parents[2] / "docs"
TEMPLATE = DOCS / "meetings-template.csv"
HEADER = "key,name,day,time"


def _source(**kwargs: Any) -> Source:
    fields: dict[str, Any] = {
        "id": "hand",
        "program": "smart",
        "format": FeedFormat.CSV,
        "location": "meetings.csv",
    }
    fields.update(kwargs)
    return Source(**fields)


def _import(text: str | bytes, **kwargs: Any) -> tuple[list[Meeting], list[Rejected]]:
    payload = text.encode() if isinstance(text, str) else text
    entries: list[Entry] = list(csv_table.parse(payload, _source(**kwargs)))
    return (
        [e for e in entries if isinstance(e, Meeting)],
        [e for e in entries if isinstance(e, Rejected)],
    )


def _one(header: str, row: str, **kwargs: Any) -> Meeting:
    meetings, rejected = _import(f"{header}\n{row}\n", **kwargs)
    assert rejected == []
    assert len(meetings) == 1
    return meetings[0]


def test_the_template_imports_cleanly() -> None:
    meetings, rejected = _import(TEMPLATE.read_bytes())
    assert rejected == []
    by_id = {m.id: m for m in meetings}
    assert sorted(by_id) == [
        "hand:lifering-example-hall",
        "hand:rd-example-library:0",
        "hand:rd-example-library:6",
        "hand:smart-online-tue",
    ]
    smart = by_id["hand:smart-online-tue"]
    assert (smart.program, smart.day, smart.start_local, smart.duration_min) == (
        "smart",
        2,
        time(19, 0),
        90,
    )
    assert (smart.attendance, smart.location_precision) == (Attendance.ONLINE, Precision.NONE)
    assert (smart.timezone, smart.timezone_source) == ("America/New_York", TimezoneSource.RECORD)
    assert smart.tags == {"secular", "discussion"}
    assert smart.online_url_notes == "Example link: not a real meeting"
    lifering = by_id["hand:lifering-example-hall"]
    assert (lifering.attendance, lifering.duration_min) == (Attendance.IN_PERSON, 60)
    assert lifering.address == "100 Example Street, Springfield"
    assert lifering.location_notes == "Room 2; use the side door"
    dharma = by_id["hand:rd-example-library:6"]
    assert (dharma.program, dharma.attendance) == ("recovery_dharma", Attendance.HYBRID)
    assert (dharma.timezone, dharma.timezone_source) == (
        "America/Chicago",
        TimezoneSource.POSTAL_CODE,
    )
    assert dharma.tags == {"meditation", "newcomer"}
    assert dharma.languages == {"es"}
    assert dharma.dial_in == "+15555550100"


def test_the_documentation_describes_every_column_of_the_template() -> None:
    header = TEMPLATE.read_text().splitlines()[0].split(",")
    assert sorted(header) == sorted(csv_table.COLUMNS)
    documented = set(re.findall(r"^\| `(\w+)`", (DOCS / "meetings-csv.md").read_text(), re.M))
    documented |= {"longitude"}  # documented together with latitude
    assert documented == set(header)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("key,name,time", "missing required column(s): day"),
        ("name,notes", "missing required column(s): key, day, time"),
        ("key,name,day,time,timezon", "unknown column(s): timezon"),
        ("key,name,day,time,Day", "column(s) given twice: day"),
    ],
)
def test_a_bad_header_refuses_the_file(header: str, message: str) -> None:
    with pytest.raises(FeedError, match=re.escape(message)):
        csv_table.parse(f"{header}\nx,y,1,19:00\n".encode(), _source())


@pytest.mark.parametrize(
    ("payload", "message"),
    [(b"", "empty"), ("key,name,day,time\nx,Caf\xe9,1,19:00\n".encode("latin-1"), "not UTF-8")],
)
def test_an_unreadable_file_is_refused(payload: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        csv_table.parse(payload, _source())


def test_plain_language_headers_and_a_byte_order_mark() -> None:
    text = "\ufeffKey,Name,Day,Start Time,ZIP,Conference URL\nk1,Online,Mon,7pm,85001,https://zoom.us/j/1\n"
    meetings, rejected = _import(text)
    assert rejected == []
    assert (meetings[0].start_local, meetings[0].timezone) == (time(19, 0), "America/Phoenix")
    assert meetings[0].online_url == "https://zoom.us/j/1"


def test_rows() -> None:
    header = f"{HEADER},end_time,duration_minutes,program,timezone"
    text = "\n".join(
        [
            header,
            "ok,Fine,Monday,19:00,20:30,,,America/Chicago",
            "bad-day,Bad,Funday,19:00,,,,America/Chicago",
            "bad-time,Bad,1,25:99,,,,America/Chicago",
            "bad-length,Bad,1,19:00,,ninety,,America/Chicago",
            "disagree,Bad,1,19:00,20:00,90,,America/Chicago",
            "bad-program,Bad,1,19:00,,,Not A Key,America/Chicago",
            "no-zone,Bad,1,19:00,,,,",
            "no-time,Bad,1,,,,,America/Chicago",
            ",Keyless,1,19:00,,,,America/Chicago",
            "ok,Again,1,19:00,,,,America/Chicago",
            "too-wide,Bad,1,19:00,,,,America/Chicago,extra",
            ",,,,,,,",
            "overnight,Late,Sat,23:30,00:15,,lifering,ET",
        ]
    )
    meetings, rejected = _import(text)
    assert [(m.id, m.duration_min, m.program) for m in meetings] == [
        ("hand:ok", 90, "smart"),
        ("hand:overnight", 45, "lifering"),
    ]
    assert [(r.reason, r.key) for r in rejected] == [
        (RejectReason.BAD_DAY, "bad-day"),
        (RejectReason.BAD_TIME, "bad-time"),
        (RejectReason.BAD_DURATION, "bad-length"),
        (RejectReason.BAD_DURATION, "disagree"),
        (RejectReason.UNKNOWN_PROGRAM, "bad-program"),
        (RejectReason.NO_TIMEZONE, "no-zone"),
        (RejectReason.NO_DAY_OR_TIME, "no-time"),
        (RejectReason.NO_KEY, None),
        (RejectReason.DUPLICATE_KEY, "ok"),
        (RejectReason.BAD_ROW, "too-wide"),
    ]
    assert rejected[-1].detail == "line 12"


@pytest.mark.parametrize(
    ("types", "tags", "languages", "closed"),
    [
        ("secular;women;spanish", {"secular", "women"}, {"es"}, False),
        ("Open, Young People", {"open", "young_people"}, set(), False),
        ("W;ES;TC", {"women"}, {"es"}, True),
        ("", set(), set(), False),
    ],
)
def test_types(types: str, tags: set[str], languages: set[str], closed: bool) -> None:
    meeting = _one(f"{HEADER},types,timezone", f'k,Name,1,19:00,"{types}",UTC')
    assert meeting.tags == tags
    assert meeting.languages == languages
    assert meeting.temporarily_closed is closed


def test_location_precision_and_attendance() -> None:
    header = f"{HEADER},street,city,latitude,longitude,conference_phone,types"
    in_person = _one(header, "k,N,1,19:00,1 Main St,Phoenix,33.45,-112.07,,")
    assert (in_person.location_precision, in_person.attendance) == (
        Precision.EXACT,
        Attendance.IN_PERSON,
    )
    assert in_person.timezone_source is TimezoneSource.COORDINATES
    city_only = _one(header, "k,N,1,19:00,,Phoenix,33.45,-112.07,6025550100,wheelchair")
    assert (city_only.location_precision, city_only.attendance) == (
        Precision.APPROXIMATE,
        Attendance.ONLINE,
    )
    assert city_only.tags == frozenset()  # wheelchair access means nothing on the phone
    closed = _one(header, "k,N,1,19:00,1 Main St,Phoenix,33.45,-112.07,,temporarily closed")
    assert closed.attendance is Attendance.INACTIVE


def test_notes_are_scrubbed() -> None:
    meeting = _one(
        f"{HEADER},notes,conference_phone,conference_notes,timezone",
        "k,N,1,19:00,Ask Sam (sam@example.org / 602-555-0100),+16025550199,Dial 602-555-0199,UTC",
    )
    assert meeting.notes == "Ask Sam ( / )"
    assert meeting.dial_in_notes == "Dial 602-555-0199"  # the meeting's own number stays


def test_the_type_dialect_follows_the_rows_program() -> None:
    header = f"{HEADER},program,types,timezone"
    assert _one(header, "k,N,1,19:00,aa,A,UTC").tags == {"secular"}
    assert _one(header, "k,N,1,19:00,smart,A,UTC").tags == frozenset()
