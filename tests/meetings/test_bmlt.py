"""The BMLT importer over the three recorded searches, then one fixture per rule."""

from __future__ import annotations

import json
from collections import Counter
from datetime import time
from pathlib import Path
from typing import Any

import pytest

from helpline.errors import FeedError
from helpline.meetings.importers import bmlt
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

FEEDS = Path(__file__).parents[1] / "data" / "meeting-feeds" / "bmlt"
DAY_FILES = sorted(FEEDS.glob("meeting-search-*-day*.json"))

# World id → tag, written out again here so the test does not trust tags.py's table.
WORLD_TAGS = {
    "OPEN": {"open"},
    "CLOSED": {"closed"},
    "WCHR": {"wheelchair"},
    "BEG": {"newcomer"},
    "DISC": {"discussion"},
    "SPK": {"speaker"},
    "STEP": {"step_study"},
    "TRAD": {"step_study"},
    "BT": {"literature"},
    "IP": {"literature"},
    "IW": {"literature"},
    "JFT": {"literature"},
    "LC": {"literature"},
    "LIT": {"literature"},
    "SWG": {"literature"},
    "QA": set(),
    "VAR": set(),
    "TOP": set(),
    "NS": set(),
    "NC": set(),
    "": set(),
}


def _source(**kwargs: Any) -> Source:
    fields: dict[str, Any] = {
        "id": "na",
        "program": "na",
        "format": FeedFormat.BMLT,
        "location": "search.json",
    }
    fields.update(kwargs)
    return Source(**fields)


def _import(payload: Any, **kwargs: Any) -> tuple[list[Meeting], list[Rejected]]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    entries: list[Entry] = list(bmlt.parse(data, _source(**kwargs)))
    return (
        [e for e in entries if isinstance(e, Meeting)],
        [e for e in entries if isinstance(e, Rejected)],
    )


def _collapsed(text: str) -> str | None:
    return " ".join(text.split()) or None


def test_the_samples_are_there() -> None:
    assert [p.name[-9:] for p in DAY_FILES] == ["day2.json", "day3.json", "day4.json"]


@pytest.mark.parametrize("path", DAY_FILES, ids=lambda p: p.name)
def test_recorded_searches_import(path: Path) -> None:
    raw = json.loads(path.read_bytes())
    meetings, rejected = _import(path.read_bytes())
    assert rejected == []
    assert len(meetings) == len(raw["meetings"]) > 50
    world = {f["key_string"]: f["world_id"] for f in raw["formats"]}
    by_key = {m.source_key: m for m in meetings}
    for entry in raw["meetings"]:
        meeting = by_key[entry["id_bigint"]]
        assert meeting.id == f"na:{entry['id_bigint']}"
        assert meeting.day == int(entry["weekday_tinyint"]) - 1
        assert meeting.start_local.strftime("%H:%M:00") == entry["start_time"]
        assert meeting.duration_min == 60
        assert (meeting.timezone, meeting.timezone_source) == (
            "America/New_York",
            TimezoneSource.COORDINATES,
        )
        assert meeting.latitude == float(entry["latitude"])
        assert meeting.street == _collapsed(entry["location_street"])
        assert meeting.locality == _collapsed(entry["location_municipality"])
        assert meeting.location_name == _collapsed(entry["location_text"])
        assert meeting.attendance is Attendance.IN_PERSON
        keys = [k for k in entry["formats"].split(",") if k]
        assert meeting.source_types == tuple(keys)
        assert meeting.tags == set().union(*(WORLD_TAGS[world[k]] for k in keys))
        assert "distance_in_km" not in json.dumps(meeting.to_dict())
    # One day per file: Monday, Tuesday, Wednesday.
    assert {m.day for m in meetings} == {int(path.stem[-1]) - 1}


def test_meetings_with_no_formats_have_no_tags() -> None:
    raw = json.loads(DAY_FILES[0].read_bytes())
    empty = {m["id_bigint"] for m in raw["meetings"] if m["formats"] == ""}
    assert len(empty) == 15
    meetings, _ = _import(DAY_FILES[0].read_bytes())
    for meeting in meetings:
        if meeting.source_key in empty:
            assert (meeting.tags, meeting.source_types, dict(meeting.extra)) == (
                frozenset(),
                (),
                {},
            )


def _meeting(**fields: str) -> dict[str, str]:
    meeting = {
        "id_bigint": "2566",
        "weekday_tinyint": "2",
        "start_time": "19:00:00",
        "duration_time": "01:00:00",
        "formats": "O,WC",
        "longitude": "-77.1205486",
        "latitude": "42.9613734",
        "meeting_name": "Step up and Be Free",
        "location_text": "Clifton Springs Hospital",
        "location_info": "Admin Conference Room",
        "location_street": "128 Main street",
        "location_municipality": "Clifton Springs",
        "location_province": "NY",
        "location_postal_code_1": "14432",
        "location_nation": "US",
        "phone_meeting_number": "",
        "virtual_meeting_link": "",
        "virtual_meeting_additional_info": "",
        "distance_in_km": "15.1",
        "distance_in_miles": "9.4",
    }
    meeting.update(fields)
    return meeting


FORMATS = [
    {"key_string": "O", "world_id": "OPEN", "name_string": "Open"},
    {"key_string": "WC", "world_id": "WCHR", "name_string": "Wheelchair"},
    {"key_string": "ES", "world_id": "LANG", "name_string": "Espanol"},
    {"key_string": "SL", "world_id": "", "name_string": "American Sign Language"},
    {"key_string": "VM", "world_id": "VM", "name_string": "Virtual Meeting"},
    {"key_string": "HY", "world_id": "HYBR", "name_string": "Hybrid"},
    {"key_string": "TC", "world_id": "TC", "name_string": "Temporarily Closed"},
]


def _one(payload: Any = None, **fields: str) -> Meeting:
    meetings, rejected = _import(
        payload if payload is not None else {"meetings": [_meeting(**fields)], "formats": FORMATS}
    )
    assert rejected == []
    assert len(meetings) == 1
    return meetings[0]


def test_a_plain_meeting() -> None:
    meeting = _one()
    assert (meeting.day, meeting.start_local, meeting.duration_min) == (1, time(19, 0), 60)
    assert meeting.tags == {"open", "wheelchair"}
    assert meeting.formatted_address == "128 Main street, Clifton Springs, NY 14432, US"
    assert (meeting.postal_code, meeting.country) == ("14432", "US")
    assert meeting.location_notes == "Admin Conference Room"
    assert meeting.location_precision is Precision.EXACT
    assert dict(meeting.extra) == {"world_ids": "OPEN,WCHR"}


@pytest.mark.parametrize(("weekday", "day"), [("1", 0), ("7", 6)])
def test_weekdays_are_one_based(weekday: str, day: int) -> None:
    assert _one(weekday_tinyint=weekday).day == day


@pytest.mark.parametrize(
    ("duration", "minutes"),
    [("", 60), ("00:00:00", 60), ("01:30:00", 90), ("00:45:00", 45), ("24:00:00", 1440)],
)
def test_durations(duration: str, minutes: int) -> None:
    assert _one(duration_time=duration).duration_min == minutes


def test_languages_and_sign_language_from_format_names() -> None:
    meeting = _one(formats="ES,SL")
    assert meeting.languages == {"es"}
    assert meeting.tags == {"asl"}


def test_virtual_and_hybrid_meetings() -> None:
    link = "https://us02web.zoom.us/j/123"
    virtual = _one(
        formats="VM", virtual_meeting_link=link, virtual_meeting_additional_info="ID 123"
    )
    assert virtual.attendance is Attendance.ONLINE
    assert virtual.location_precision is Precision.APPROXIMATE
    assert virtual.street is None
    assert (virtual.online_url, virtual.online_url_notes) == (link, "ID 123")
    hybrid = _one(formats="HY", virtual_meeting_link=link, phone_meeting_number="+1 646 558 8656")
    assert hybrid.attendance is Attendance.HYBRID
    assert hybrid.dial_in == "+16465588656"
    phone_only = _one(
        formats="VM", phone_meeting_number="6465588656", virtual_meeting_additional_info="PIN 9"
    )
    assert (phone_only.attendance, phone_only.dial_in_notes) == (Attendance.ONLINE, "PIN 9")


def test_temporarily_closed() -> None:
    closed = _one(formats="TC,O")
    assert (closed.attendance, closed.temporarily_closed) == (Attendance.INACTIVE, True)
    still_online = _one(formats="TC,VM", virtual_meeting_link="https://zoom.us/j/1")
    assert still_online.attendance is Attendance.ONLINE


@pytest.mark.parametrize(
    ("venue", "attendance"),
    [("1", Attendance.HYBRID), ("2", Attendance.ONLINE), ("3", Attendance.HYBRID)],
)
def test_venue_type_wins_over_formats(venue: str, attendance: Attendance) -> None:
    meeting = _one(venue_type=venue, formats="VM", virtual_meeting_link="https://zoom.us/j/1")
    assert meeting.attendance is attendance
    assert meeting.extra["venue_type"] == venue


def test_a_bare_list_reads_only_the_reserved_keys() -> None:
    entry = _meeting(formats="VM,TC,O,WC", virtual_meeting_link="https://zoom.us/j/1")
    meeting = _one([entry])
    assert meeting.tags == frozenset()  # O and WC mean nothing without the server's list
    assert (meeting.attendance, meeting.temporarily_closed) == (Attendance.ONLINE, True)


def test_ndjson_export() -> None:
    lines = [json.dumps(_meeting(id_bigint=str(n))) for n in range(3)]
    body = ("\n".join(lines) + "\n\n").encode()
    meetings, rejected = _import(body)
    assert ([m.id for m in meetings], rejected) == (["na:0", "na:1", "na:2"], [])
    single, _ = _import(lines[0].encode())
    assert [m.id for m in single] == ["na:0"]


def test_a_record_zone_wins() -> None:
    meeting = _one(time_zone="America/Chicago")
    assert (meeting.timezone, meeting.timezone_source) == ("America/Chicago", TimezoneSource.RECORD)


def test_contact_fields_are_dropped() -> None:
    meeting = _one(
        email_contact="secretary@example.org",
        comments="Call Pat at 315-555-0100",
        published="1",
        location_info="Back door; questions to pat@example.org",
    )
    dumped = json.dumps(meeting.to_dict())
    assert "example.org" not in dumped
    assert "555-0100" not in dumped
    assert meeting.location_notes == "Back door; questions to"


def test_malformed_meetings_are_counted_and_the_rest_imports() -> None:
    feed = {
        "meetings": [
            "nope",
            _meeting(id_bigint="1"),
            _meeting(id_bigint="2", weekday_tinyint="8"),
            _meeting(id_bigint="3", start_time="25:99:00"),
            _meeting(id_bigint="4", duration_time="forever"),
            _meeting(id_bigint="5", weekday_tinyint=""),
            _meeting(id_bigint="6", meeting_name=""),
            _meeting(id_bigint="7", latitude="91"),
            _meeting(id_bigint=""),
            _meeting(id_bigint="1"),
            _meeting(id_bigint="9"),
        ],
        "formats": FORMATS,
    }
    meetings, rejected = _import(feed)
    assert [m.id for m in meetings] == ["na:1", "na:9"]
    assert [(r.reason, r.key) for r in rejected] == [
        (RejectReason.NOT_AN_OBJECT, None),
        (RejectReason.BAD_DAY, "2"),
        (RejectReason.BAD_TIME, "3"),
        (RejectReason.BAD_DURATION, "4"),
        (RejectReason.NO_DAY_OR_TIME, "5"),
        (RejectReason.NO_NAME, "6"),
        (RejectReason.BAD_COORDINATES, "7"),
        (RejectReason.NO_KEY, None),
        (RejectReason.DUPLICATE_KEY, "1"),
    ]
    assert Counter(r.reason for r in rejected)[RejectReason.NOT_AN_OBJECT] == 1


def test_no_coordinates_and_no_default_zone_is_rejected() -> None:
    meetings, rejected = _import([_meeting(latitude="", longitude="", location_postal_code_1="")])
    assert meetings == []
    assert [r.reason for r in rejected] == [RejectReason.NO_TIMEZONE]
    with_zip, _ = _import([_meeting(latitude="0", longitude="0")])
    assert with_zip[0].timezone_source is TimezoneSource.POSTAL_CODE


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json at all", "not JSON"),
        (b"<html>maintenance</html>", "HTML page"),
        (b'{"formats": []}', "not BMLT search results"),
        (b'"a string"', "not BMLT search results"),
        (b'{"id_bigint": "1"}\nnot json\n', "line 2"),
        (b"\n\n", "empty"),
    ],
)
def test_a_payload_that_is_not_bmlt_raises_before_any_entry(payload: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        bmlt.parse(payload, _source())
