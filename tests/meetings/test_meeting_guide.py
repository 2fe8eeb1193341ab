"""The Meeting Guide importer over the three real feeds, then one fixture per rule.

Expected counts are recomputed here from the raw JSON with the research notes'
rules (§7.3, §7.6), not copied from the importer's output.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from helpline.errors import FeedError
from helpline.meetings.importers import meeting_guide
from helpline.meetings.importers import parse as parse_any
from helpline.meetings.record import (
    Attendance,
    Entry,
    Meeting,
    Precision,
    Rejected,
    RejectReason,
    TimezoneSource,
)
from helpline.meetings.scrub import DROPPED_FIELDS
from helpline.meetings.source import FeedFormat, Source

FEEDS = Path(__file__).parents[1] / "data" / "meeting-feeds" / "meeting-guide"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def _source(**kwargs: Any) -> Source:
    fields: dict[str, Any] = {
        "id": "test",
        "program": "aa",
        "format": FeedFormat.MEETING_GUIDE,
        "location": "feed.json",
    }
    fields.update(kwargs)
    return Source(**fields)


def _import(raw: Any, **kwargs: Any) -> tuple[list[Meeting], list[Rejected]]:
    payload = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    entries: list[Entry] = list(meeting_guide.parse(payload, _source(**kwargs)))
    return (
        [e for e in entries if isinstance(e, Meeting)],
        [e for e in entries if isinstance(e, Rejected)],
    )


def _feed(name: str) -> tuple[bytes, list[dict[str, Any]]]:
    payload = (FEEDS / name).read_bytes()
    return payload, json.loads(payload)


# ---- the real feeds ------------------------------------------------------------------------


def _expected_attendance(raw: dict[str, Any]) -> Attendance:
    """§7.3 from scratch: a Zoom link or a 10-digit phone is online; TC or approximate is
    not in person."""
    url = raw.get("conference_url") or ""
    host = urlsplit(url).hostname or ""
    online = (url.startswith("http") and (host == "zoom.us" or host.endswith(".zoom.us"))) or (
        len(re.sub(r"\D", "", (raw.get("conference_phone") or "").split(",")[0])) >= 10
    )
    in_person = "TC" not in (raw.get("types") or []) and raw.get("approximate") != "yes"
    if in_person:
        return Attendance.HYBRID if online else Attendance.IN_PERSON
    return Attendance.ONLINE if online else Attendance.INACTIVE


@pytest.mark.parametrize("name", ["sussexaa-tsml.json", "oc-aa-tsml.json"])
def test_tsml_feeds_import(name: str) -> None:
    payload, raw = _feed(name)
    meetings, rejected = _import(payload)
    weekly = [r for r in raw if r.get("day") is not None and r.get("time")]
    appointments = [r for r in raw if r.get("day") is None or not r.get("time")]
    assert len(meetings) == len(weekly)
    assert Counter(r.reason for r in rejected) == Counter(
        [RejectReason.NO_DAY_OR_TIME] * len(appointments)
    )
    assert [r.key for r in rejected] == [r["slug"] for r in appointments]
    by_key = {m.source_key: m for m in meetings}
    assert Counter(m.attendance for m in meetings) == Counter(
        _expected_attendance(r) for r in weekly
    )
    for entry in weekly:
        meeting = by_key[entry["slug"]]
        assert meeting.id == f"test:{entry['slug']}"
        assert meeting.day == entry["day"]
        assert meeting.start_local.strftime("%H:%M") == entry["time"]
        assert meeting.attendance is _expected_attendance(entry)
        assert meeting.timezone_source is TimezoneSource.COORDINATES
    # The plugin computed attendance_option with the same rule: it agrees almost everywhere.
    plugin = Counter(r["attendance_option"] for r in weekly)
    ours = Counter(m.attendance.value for m in meetings)
    assert sum(abs(plugin[k] - ours[k]) for k in plugin | ours) <= len(weekly) // 100


def test_sussex_counts() -> None:
    meetings, rejected = _import(_feed("sussexaa-tsml.json")[0])
    assert (len(meetings), len(rejected)) == (123, 0)
    assert {m.timezone for m in meetings} == {"America/New_York"}
    assert Counter(m.attendance.value for m in meetings) == {
        "in_person": 94,
        "online": 28,
        "hybrid": 1,
    }  # research notes §1.5


def test_orange_county_counts() -> None:
    meetings, rejected = _import(_feed("oc-aa-tsml.json")[0])
    assert (len(meetings), [r.reason for r in rejected]) == (1966, [RejectReason.NO_DAY_OR_TIME])
    assert {m.timezone for m in meetings} == {"America/Los_Angeles"}
    attendance = Counter(m.attendance.value for m in meetings)
    # §1.5 counts 1,432 in person over 1,967 records, one of them the by-appointment one.
    assert attendance == {"in_person": 1431, "online": 385, "hybrid": 148, "inactive": 2}


def test_overnight_meetings_in_orange_county() -> None:
    payload, raw = _feed("oc-aa-tsml.json")
    meetings, _ = _import(payload)
    overnight = {r["slug"] for r in raw if r.get("end_time") and r["end_time"] < r["time"]}
    assert len(overnight) == 9
    for meeting in meetings:
        if meeting.source_key in overnight:
            assert meeting.end_local < meeting.start_local
            assert 0 < meeting.duration_min <= 120


def _twelve_hour(text: str) -> time:
    clock, half = text.split()
    hour, minute = (int(part) for part in clock.split(":"))
    return time(hour % 12 + (12 if half == "PM" else 0), minute)


def test_edmonton_with_a_default_zone() -> None:
    payload, raw = _feed("edmonton-custom.json")
    meetings, rejected = _import(payload, default_timezone="America/Edmonton", country="CA")
    assert rejected == []
    assert len(meetings) == sum(len(r["day"]) for r in raw) == 315
    assert {(m.timezone, m.timezone_source) for m in meetings} == {
        ("America/Edmonton", TimezoneSource.SOURCE_DEFAULT)
    }
    by_key = {m.source_key: m for m in meetings}
    for entry in raw:
        meeting = by_key[entry["slug"]]
        assert meeting.id == f"test:{entry['slug']}"  # one-day arrays keep the plain id
        assert meeting.day == entry["day"][0]
        assert meeting.start_local == _twelve_hour(entry["time"])
        assert meeting.country == "CA"
    first = by_key["6"]
    assert first.updated_at == datetime(2022, 8, 25, 17, 17, 7, tzinfo=UTC)  # 11:17 MDT
    assert (first.street, first.locality, first.region, first.postal_code) == (
        "8318 104 St",
        "Edmonton",
        "Alberta",
        "T6E 4E8",
    )
    # TC alone: nobody can attend (research notes §1.5: 21 such meetings).
    tc_alone = [r for r in raw if "TC" in r["types"] and not r["conference_url"]]
    assert len(tc_alone) == 21
    assert Counter(m.attendance for m in meetings)[Attendance.INACTIVE] == len(tc_alone)


def test_edmonton_without_a_zone_rejects_everything() -> None:
    payload, raw = _feed("edmonton-custom.json")
    meetings, rejected = _import(payload)
    assert meetings == []
    assert Counter(r.reason for r in rejected) == {RejectReason.NO_TIMEZONE: len(raw)}


@pytest.mark.parametrize("name", ["sussexaa-tsml.json", "oc-aa-tsml.json", "edmonton-custom.json"])
def test_no_email_address_or_dropped_field_survives(name: str) -> None:
    payload = (FEEDS / name).read_bytes()
    meetings, _ = _import(payload, default_timezone="America/Edmonton")
    dumped = json.dumps([m.to_dict() for m in meetings])
    assert EMAIL.findall(dumped) == []
    assert not DROPPED_FIELDS & {key for m in meetings for key in m.to_dict()}


def test_the_email_check_can_fail() -> None:
    assert len(EMAIL.findall((FEEDS / "oc-aa-tsml.json").read_text())) >= 50


def test_dropped_fields_never_reach_a_meeting() -> None:
    entry = _entry(**{field: f"SENTINEL {field} x@example.org" for field in DROPPED_FIELDS})
    meetings, _ = _import([entry])
    assert "SENTINEL" not in json.dumps(meetings[0].to_dict())


# ---- one fixture per rule ------------------------------------------------------------------


def _entry(**fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "slug": "step-up",
        "name": "Step Up",
        "day": 1,
        "time": "19:00",
        "formatted_address": "18 Olive Ave, Rehoboth Beach, DE 19971, USA",
        "latitude": 38.7186782,
        "longitude": -75.0780198,
        "approximate": "no",
        "types": ["O", "D"],
    }
    entry.update(fields)
    return {key: value for key, value in entry.items() if value is not ...}


def _one(**fields: Any) -> Meeting:
    meetings, rejected = _import([_entry(**fields)])
    assert rejected == []
    assert len(meetings) == 1
    return meetings[0]


def _rejected(entry: Any, **kwargs: Any) -> Rejected:
    meetings, rejected = _import([entry], **kwargs)
    assert meetings == []
    assert len(rejected) == 1
    return rejected[0]


def test_a_plain_entry() -> None:
    meeting = _one(end_time="20:30", url="https://sussexaa.org/meetings/step-up/")
    assert meeting.id == "test:step-up"
    assert (meeting.day, meeting.start_local, meeting.duration_min) == (1, time(19, 0), 90)
    assert meeting.tags == {"open", "discussion"}
    assert meeting.attendance is Attendance.IN_PERSON
    assert meeting.location_precision is Precision.EXACT
    assert meeting.address == "18 Olive Ave, Rehoboth Beach"
    assert meeting.url == "https://sussexaa.org/meetings/step-up/"
    assert meeting.program == "aa"


@pytest.mark.parametrize(
    ("day", "expected"), [(0, 0), ("0", 0), ("Sunday", 0), ("sat", 6), (6.0, 6)]
)
def test_day_forms(day: Any, expected: int) -> None:
    assert _one(day=day).day == expected


@pytest.mark.parametrize(
    ("fields", "start"),
    [
        ({"time": "12:00 AM"}, time(0, 0)),
        ({"time": "12:00 PM"}, time(12, 0)),
        ({"time": "12:01 PM"}, time(12, 1)),
        ({"time": "Noon"}, time(12, 0)),
        ({"time": "19:30:00"}, time(19, 30)),
        ({"time": ..., "start_time": "06:45"}, time(6, 45)),
    ],
)
def test_time_forms(fields: dict[str, Any], start: time) -> None:
    assert _one(**fields).start_local == start


def test_overnight_end_time() -> None:
    meeting = _one(time="23:00", end_time="00:30")
    assert meeting.duration_min == 90
    assert meeting.end_local == time(0, 30)


def test_no_end_time_means_an_hour() -> None:
    assert _one(end_time=...).duration_min == 60
    assert _one(end_time=None).duration_min == 60
    assert _one(end_time="19:00").duration_min == 60  # same as the start: unknown


def test_a_day_array_becomes_one_meeting_per_day() -> None:
    meetings, rejected = _import([_entry(day=[1, 3, "Friday", 1])])
    assert rejected == []
    assert [(m.id, m.day) for m in meetings] == [
        ("test:step-up:1", 1),
        ("test:step-up:3", 3),
        ("test:step-up:5", 5),
    ]
    assert {m.source_key for m in meetings} == {"step-up"}


@pytest.mark.parametrize(
    "fields",
    [{"day": ...}, {"day": None}, {"day": []}, {"time": ...}, {"time": ""}, {"time": None}],
)
def test_without_day_or_time_is_by_appointment(fields: dict[str, Any]) -> None:
    rejected = _rejected(_entry(**fields))
    assert (rejected.reason, rejected.key) == (RejectReason.NO_DAY_OR_TIME, "step-up")


def test_temporarily_closed_with_and_without_an_online_option() -> None:
    online = _one(types=["TC", "ONL", "O"], conference_url="https://us02web.zoom.us/j/1")
    assert (online.attendance, online.temporarily_closed) == (Attendance.ONLINE, True)
    assert online.source_types == ("TC", "ONL", "O")
    closed = _one(types=["TC", "O"])
    assert (closed.attendance, closed.temporarily_closed) == (Attendance.INACTIVE, True)


def test_onl_without_a_conference_link_is_not_online() -> None:
    assert _one(types=["ONL"]).attendance is Attendance.IN_PERSON


def test_an_approximate_online_meeting() -> None:
    meeting = _one(
        approximate="yes",
        formatted_address="Sussex County, DE, USA",
        latitude=38.6,
        longitude=-75.3,
        conference_url="https://zoom.us/j/123",
        conference_url_notes="Meeting ID: 123 Passcode: hope",
        types=["O", "X", "CF"],
    )
    assert meeting.attendance is Attendance.ONLINE
    assert meeting.location_precision is Precision.APPROXIMATE
    assert meeting.street is None
    assert meeting.address is None
    assert (meeting.locality, meeting.region) == ("Sussex County", "DE")
    assert meeting.online_url_notes == "Meeting ID: 123 Passcode: hope"
    assert meeting.timezone == "America/New_York"  # its rough place still gives the zone
    assert meeting.tags == {"open"}  # wheelchair and child care mean nothing online


@pytest.mark.parametrize(
    ("fields", "precision"),
    [
        ({"approximate": True}, Precision.APPROXIMATE),
        ({"approximate": False}, Precision.EXACT),
        ({"approximate": ...}, Precision.EXACT),  # a street: exact
        (
            {"approximate": ..., "formatted_address": "Orange County, CA, USA"},
            Precision.APPROXIMATE,
        ),
        (
            {
                "approximate": ...,
                "latitude": ...,
                "longitude": ...,
                "coordinates": "38.7,-75.1,38.8,-75.0",
            },
            Precision.APPROXIMATE,  # a bounding box
        ),
        (
            {
                "formatted_address": ...,
                "latitude": ...,
                "longitude": ...,
                "approximate": ...,
                "timezone": "America/New_York",
            },
            Precision.NONE,
        ),
    ],
)
def test_location_precision(fields: dict[str, Any], precision: Precision) -> None:
    assert _one(**fields).location_precision is precision


def test_coordinates_as_a_string() -> None:
    meeting = _one(latitude=..., longitude=..., coordinates="34.05,-118.25")
    assert (meeting.latitude, meeting.longitude) == (34.05, -118.25)
    assert meeting.timezone == "America/Los_Angeles"
    boxed = _one(latitude=..., longitude=..., coordinates="34.0,-118.3,34.1,-118.2")
    assert boxed.timezone == "America/Los_Angeles"


def test_coordinates_as_strings_and_zero_as_missing() -> None:
    assert _one(latitude="38.71", longitude="-75.07").latitude == 38.71
    zeroed = _one(latitude=0, longitude=0)
    assert (zeroed.latitude, zeroed.longitude) == (None, None)
    assert zeroed.timezone_source is TimezoneSource.POSTAL_CODE  # 19971 from the address


def test_address_parts_win_over_splitting() -> None:
    meeting = _one(
        formatted_address=...,
        address="1 Main St",
        city="Lewes",
        state="DE",
        postal_code="19958",
        country="US",
        latitude=...,
        longitude=...,
    )
    assert (meeting.street, meeting.locality, meeting.region, meeting.postal_code) == (
        "1 Main St",
        "Lewes",
        "DE",
        "19958",
    )
    assert meeting.formatted_address == "1 Main St, Lewes, DE 19958, US"
    assert meeting.timezone_source is TimezoneSource.POSTAL_CODE


def test_record_zone_and_aliases() -> None:
    meeting = _one(timezone="EST", latitude=34.05, longitude=-118.25)
    assert (meeting.timezone, meeting.timezone_source) == (
        "America/New_York",
        TimezoneSource.RECORD,
    )
    rejected = _rejected(_entry(timezone="Mars/Olympus"))
    assert rejected.reason is RejectReason.BAD_TIMEZONE


def test_updated_is_utc() -> None:
    assert _one(updated="2022-07-09 19:32:28").updated_at == datetime(
        2022, 7, 9, 19, 32, 28, tzinfo=UTC
    )
    assert _one(updated="not a date").updated_at is None


def test_conference_fields() -> None:
    meeting = _one(
        conference_url="https://meetings.example.org/join",
        conference_url_notes="Ask jo@example.org",
        conference_phone="+1 301 715 8592,,857#",
        conference_phone_notes="Dial-in: 301 715 8592, ID 857",
    )
    assert (meeting.online_url, meeting.online_url_notes) == (None, None)  # not a provider
    assert meeting.dial_in == "+13017158592,,857#"
    assert meeting.dial_in_notes == "Dial-in: 301 715 8592, ID 857"
    assert meeting.attendance is Attendance.HYBRID


def test_null_values_are_absent() -> None:
    meeting = _one(
        conference_url=None,
        conference_phone=None,
        types=None,
        notes=None,
        location=None,
        url=None,
        regions=None,
        region="Lewes",
    )
    assert (meeting.online_url, meeting.dial_in, meeting.notes, meeting.url) == (None,) * 4
    assert meeting.tags == frozenset()
    assert meeting.region_path == ("Lewes",)


def test_notes_are_scrubbed_and_links_checked() -> None:
    meeting = _one(
        notes="<p>Call Jo at 302-555-0143 or jo@example.org</p>",
        location_notes="Side door &amp; upstairs",
        url="javascript:alert(1)",
        name="  <b>Step</b>   Up ",
    )
    assert meeting.notes == "Call Jo at or"
    assert meeting.location_notes == "Side door & upstairs"
    assert meeting.url is None
    assert meeting.name == "Step Up"


def test_malformed_entries_are_counted_and_the_rest_imports() -> None:
    feed = [
        "just a string",
        None,
        _entry(slug="good-1"),
        _entry(slug="bad-day", day=9),
        _entry(slug="bad-time", time="25:99"),
        _entry(slug="bad-end", end_time="later"),
        _entry(slug=...),
        _entry(slug="no-name", name="  "),
        _entry(slug="bad-lat", latitude=95),
        _entry(slug="bad-lng", longitude="east"),
        _entry(slug="good-1", name="Duplicate"),
        _entry(slug="good-2", day=[2, 9]),
        _entry(slug="good-3"),
    ]
    meetings, rejected = _import(feed)
    assert [m.id for m in meetings] == ["test:good-1", "test:good-3"]
    assert [(r.reason, r.key) for r in rejected] == [
        (RejectReason.NOT_AN_OBJECT, None),
        (RejectReason.NOT_AN_OBJECT, None),
        (RejectReason.BAD_DAY, "bad-day"),
        (RejectReason.BAD_TIME, "bad-time"),
        (RejectReason.BAD_TIME, "bad-end"),
        (RejectReason.NO_KEY, None),
        (RejectReason.NO_NAME, "no-name"),
        (RejectReason.BAD_COORDINATES, "bad-lat"),
        (RejectReason.BAD_COORDINATES, "bad-lng"),
        (RejectReason.DUPLICATE_KEY, "good-1"),
        (RejectReason.BAD_DAY, "good-2"),
    ]
    assert rejected[0].detail == "entry 1 is str"
    assert meetings[0].name == "Step Up"  # the first of a duplicated slug wins


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"this is not json", "not JSON"),
        (b"<!DOCTYPE html><html>Log in</html>", "HTML page"),
        (b'{"error": "HTTP/1.1 401 Unauthorized"}', "answered with an error"),
        (b'{"meetings": []}', "not an array"),
        (b"\xff\xfe\x00garbage", "not JSON"),
        (b"", "not JSON"),
    ],
)
def test_a_payload_that_is_not_a_feed_raises_before_any_entry(payload: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message):
        meeting_guide.parse(payload, _source())  # not iterated: it raises on the call


def test_a_bad_default_zone_raises() -> None:
    with pytest.raises(FeedError, match="default_timezone"):
        meeting_guide.parse(b"[]", _source(default_timezone="Mountain Standard"))


def test_the_dispatcher_uses_the_sources_format() -> None:
    entries = list(parse_any(json.dumps([_entry()]).encode(), _source()))
    assert [e.id for e in entries if isinstance(e, Meeting)] == ["test:step-up"]


def test_the_dialect_comes_from_the_source() -> None:
    meeting = _one(types=["A", "S", "ES"])
    assert (meeting.tags, meeting.languages) == (frozenset({"secular"}), frozenset({"es"}))
    meetings, _ = _import([_entry(types=["A", "S", "ES"])], program="na")
    assert (meetings[0].tags, meetings[0].program) == (frozenset(), "na")
    assert meetings[0].languages == {"es"}
    meetings, _ = _import([_entry(types=["A"])], program="al_anon", type_dialect="aa")
    assert meetings[0].tags == {"secular"}
