"""Acceptance: the real Orange County AA feed, searched from ZIP 92660 and online.

Every answer is checked against an independent computation written here from
the raw JSON alone: its own in-person and online rules, its own haversine from
the zipcodes centroid, its own brute-force next start stepping days with
zoneinfo, and the same radius widening. It imports nothing from helpline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import redis
import zipcodes

from helpline.meetings.directory import Directory
from helpline.meetings.importers.meeting_guide import parse
from helpline.meetings.search import MeetingQuery, SearchResult, search
from helpline.meetings.source import FeedFormat, Source
from helpline.redis_server import PrivateRedis

FEED = Path(__file__).parents[1] / "data" / "meeting-feeds" / "meeting-guide" / "oc-aa-tsml.json"
ZIP = "92660"
PACIFIC = ZoneInfo("America/Los_Angeles")

# The oracle's own constants, from the brief, not from helpline.
EARTH_RADIUS_MILES = 6372797.560856 / 1609.344  # the radius Redis GEO uses
RADII = (10.0, 25.0, 50.0)
GRACE = timedelta(minutes=10)
WEEK = timedelta(days=7)
EDGE_MILES = 0.05
"""Meetings this near a radius are left out of comparisons: rounding may put them either side."""
PROVIDERS = ("zoom.us", "meet.google.com", "teams.microsoft.com", "webex.com", "gotomeeting.com")

INSTANTS = {
    "Tuesday 18:40": datetime(2026, 6, 9, 18, 40, tzinfo=PACIFIC),
    "Tuesday 19:05": datetime(2026, 6, 9, 19, 5, tzinfo=PACIFIC),
    "first 01:30 of 2026-11-01 (PDT)": datetime(2026, 11, 1, 1, 30, fold=0, tzinfo=PACIFIC),
    "second 01:30 of 2026-11-01 (PST)": datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=PACIFIC),
    "2026-03-08 01:30, before spring forward": datetime(2026, 3, 8, 1, 30, tzinfo=PACIFIC),
    "Saturday 23:55": datetime(2026, 6, 13, 23, 55, tzinfo=PACIFIC),
    "Sunday 07:00 UTC": datetime(2026, 6, 14, 7, 0, tzinfo=UTC),
}


@dataclass(frozen=True)
class Expected:
    slug: str
    starts: datetime
    """UTC."""
    miles: float | None


# -- the oracle: raw JSON in, expected answers out --------------------------------------


def raw_feed() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(FEED.read_bytes())
    return data


def centre() -> tuple[float, float]:
    [row] = zipcodes.matching(ZIP)  # type: ignore[no-untyped-call]
    return float(row["lat"]), float(row["long"])


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


def is_in_person(entry: dict[str, Any]) -> bool:
    return (
        "TC" not in (entry.get("types") or [])
        and entry.get("approximate") != "yes"
        and bool(entry.get("latitude"))
        and bool(entry.get("longitude"))
    )


def is_online(entry: dict[str, Any]) -> bool:
    url = entry.get("conference_url") or ""
    host = (urlsplit(url).hostname or "") if url.startswith(("http://", "https://")) else ""
    known = any(host == p or host.endswith("." + p) for p in PROVIDERS)
    phone = (entry.get("conference_phone") or "").split(",")[0]
    return known or sum(ch.isdigit() for ch in phone) >= 10


def brute_next_start(day_sun0: int, hhmm: str, now: datetime) -> datetime:
    """Try each local date from yesterday on; the first whose start is not over GRACE ago."""
    hour, minute = (int(x) for x in hhmm.split(":")[:2])
    local_today = now.astimezone(PACIFIC).date()
    for offset in range(-1, 9):
        day: date = local_today + timedelta(days=offset)
        if day.isoweekday() % 7 != day_sun0:
            continue
        wall = datetime.combine(day, clock_time(hour, minute))
        # The offset in force for that wall time (first of two in the fall; the earlier
        # offset in the spring gap, so 02:30 lands at 03:30).
        offset_then = PACIFIC.utcoffset(wall)
        assert offset_then is not None
        starts = (wall - offset_then).replace(tzinfo=UTC)
        if starts + GRACE > now.astimezone(UTC):
            return starts
    raise AssertionError("no start in nine days")


def oracle_near(now: datetime, limit: int, women: bool = False) -> tuple[list[Expected], float]:
    lat, lon = centre()
    eligible = [
        Expected(
            e["slug"],
            brute_next_start(int(e["day"]), e["time"], now),
            haversine(lat, lon, float(e["latitude"]), float(e["longitude"])),
        )
        for e in raw_feed()
        if e.get("day") is not None
        and e.get("time")
        and is_in_person(e)
        and (not women or "W" in (e.get("types") or []))
    ]
    for radius in RADII:
        within = [e for e in eligible if e.miles is not None and e.miles <= radius]
        if len(within) >= limit:
            break
    soon = [e for e in within if e.starts - now.astimezone(UTC) < WEEK]
    return sorted(soon, key=lambda e: (e.starts, e.miles)), radius


def oracle_online(now: datetime) -> list[Expected]:
    found = [
        Expected(e["slug"], brute_next_start(int(e["day"]), e["time"], now), None)
        for e in raw_feed()
        if e.get("day") is not None and e.get("time") and is_online(e)
    ]
    return sorted(
        (e for e in found if e.starts - now.astimezone(UTC) < WEEK), key=lambda e: e.starts
    )


def near_an_edge() -> set[str]:
    lat, lon = centre()
    return {
        e["slug"]
        for e in raw_feed()
        if e.get("latitude")
        and any(
            abs(haversine(lat, lon, float(e["latitude"]), float(e["longitude"])) - r) < EDGE_MILES
            for r in RADII
        )
    }


def assert_same(ours: Sequence[Expected], expected: Sequence[Expected], limit: int) -> None:
    """Same meetings at the same instants in the same order. Within one start time the order
    is by distance (then name): a group cut by the limit must keep its nearest."""
    skip = near_an_edge()
    ours = [o for o in ours if o.slug not in skip]
    expected = [e for e in expected if e.slug not in skip]
    assert len(ours) >= min(limit, len(expected)) - len(skip)
    assert [o.starts for o in ours] == [e.starts for e in expected[: len(ours)]]
    ours_groups = [list(g) for _, g in groupby(ours, key=lambda o: o.starts)]
    for i, group in enumerate(ours_groups):
        wanted = [e for e in expected if e.starts == group[0].starts]
        slugs, wanted_slugs = {o.slug for o in group}, {e.slug for e in wanted}
        if i < len(ours_groups) - 1:
            assert slugs == wanted_slugs, group[0].starts
        else:
            assert slugs <= wanted_slugs, group[0].starts
        if group[0].miles is not None:
            miles = [o.miles or 0.0 for o in group]
            assert miles == sorted(miles)
            truth = {e.slug: e.miles or 0.0 for e in wanted}
            for o in group:
                assert abs((o.miles or 0.0) - truth[o.slug]) <= 0.06, o.slug
            left_out = [truth[s] for s in wanted_slugs - slugs]
            if left_out:
                assert max(miles) <= min(left_out) + 0.06


# -- the helpline's answers --------------------------------------------------------------


@pytest.fixture(scope="module")
def directory(redis_server: PrivateRedis) -> Iterator[Directory]:
    """The feed imported once for the module (searches only read it)."""
    redis_server.start()
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    source = Source(
        id="oc-aa",
        program="aa",
        format=FeedFormat.MEETING_GUIDE,
        location=str(FEED),
        default_timezone="America/Los_Angeles",
    )
    directory = Directory(client)
    report = directory.sync(source, parse(FEED.read_bytes(), source), now=datetime.now(UTC))
    assert report.kept > 1_900, report
    yield directory
    client.close()


def answers(result: SearchResult) -> list[Expected]:
    return [
        Expected(o.meeting.source_key, o.starts_at.astimezone(UTC), o.distance_miles)
        for o in result.occurrences
    ]


@pytest.mark.parametrize("limit", [5, 20])
@pytest.mark.parametrize("instant", list(INSTANTS))
def test_near_92660(directory: Directory, instant: str, limit: int) -> None:
    now = INSTANTS[instant]
    result = search(
        directory, MeetingQuery(zip_code=ZIP, programs=frozenset({"aa"}), limit=limit), now
    )
    expected, radius = oracle_near(now, limit)
    assert result.radius_miles == radius
    assert len(result.occurrences) == min(limit, len(expected))
    assert_same(answers(result), expected, limit)
    for occurrence in result.occurrences:
        assert str(occurrence.starts_at.tzinfo) == "America/Los_Angeles"
        assert occurrence.meeting.in_person
        assert not occurrence.meeting.temporarily_closed


@pytest.mark.parametrize("instant", ["Tuesday 18:40", "Saturday 23:55"])
def test_near_92660_women(directory: Directory, instant: str) -> None:
    now = INSTANTS[instant]
    query = MeetingQuery(zip_code=ZIP, wishes=frozenset({"women"}), limit=5)
    result = search(directory, query, now)
    expected, radius = oracle_near(now, 5, women=True)
    assert result.radius_miles == radius
    assert_same(answers(result), expected, 5)


@pytest.mark.parametrize("limit", [5, 20])
@pytest.mark.parametrize("instant", list(INSTANTS))
def test_online(directory: Directory, instant: str, limit: int) -> None:
    now = INSTANTS[instant]
    result = search(directory, MeetingQuery(online=True, limit=limit), now)
    expected = oracle_online(now)
    assert len(result.occurrences) == min(limit, len(expected))
    assert_same(answers(result), expected, limit)


def test_saturday_night_wraps_into_sunday(directory: Directory) -> None:
    now = INSTANTS["Saturday 23:55"]
    result = search(directory, MeetingQuery(zip_code=ZIP, limit=20), now)
    days = {o.starts_at.date().isoformat() for o in result.occurrences}
    assert "2026-06-14" in days  # Sunday
    assert all(o.starts_at >= now - GRACE for o in result.occurrences)
