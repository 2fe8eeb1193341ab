"""search: the next meetings near a ZIP code or online, soonest first, exact across zones."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import redis

from helpline.errors import ZipInvalid, ZipUnknown
from helpline.meetings.directory import Directory, name_rank
from helpline.meetings.occurrence import next_start
from helpline.meetings.record import Attendance, Meeting, Precision, Tag, TimezoneSource
from helpline.meetings.search import MAX_LIMIT, MeetingQuery, SearchResult, search
from helpline.meetings.source import FeedFormat, Source

HOME = (33.6295, -117.8684)  # the centre of ZIP 92660 in the zipcodes package
MILES_PER_DEGREE = 6372797.560856 * 3.141592653589793 / 180 / 1609.344  # Redis' Earth
TUESDAY_NOON_LA = datetime(2026, 6, 9, 19, 0, tzinfo=UTC)
SUN, MON, TUE, WED = 0, 1, 2, 3
LA, NY, CHICAGO, PHOENIX = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Chicago",
    "America/Phoenix",
)


def north(miles: float) -> tuple[float, float]:
    return HOME[0] + miles / MILES_PER_DEGREE, HOME[1]


def meeting(
    key: str,
    *,
    program: str = "aa",
    name: str | None = None,
    day: int = TUE,
    start: time = time(19),
    zone: str = LA,
    miles: float = 1.0,
    attendance: Attendance = Attendance.IN_PERSON,
    tags: frozenset[str] = frozenset(),
    languages: frozenset[str] = frozenset(),
    closed: bool = False,
    where: tuple[float, float] | None = None,
) -> Meeting:
    in_person = attendance in (Attendance.IN_PERSON, Attendance.HYBRID)
    online = attendance in (Attendance.ONLINE, Attendance.HYBRID)
    latitude, longitude = where or north(miles)
    return Meeting(
        id=f"{program}:{key}",
        source_id=program,
        source_key=key,
        program=program,
        name=name or key,
        day=day,
        start_local=start,
        duration_min=60,
        timezone=zone,
        timezone_source=TimezoneSource.RECORD,
        attendance=attendance,
        temporarily_closed=closed,
        tags=tags,
        languages=languages,
        latitude=latitude,
        longitude=longitude,
        location_precision=Precision.EXACT if in_person or closed else Precision.APPROXIMATE,
        online_url="https://zoom.us/j/1" if online else None,
    )


def load(
    client: redis.Redis, *meetings: Meeting, imported: datetime = TUESDAY_NOON_LA
) -> Directory:
    """Each program is its own source, as in production."""
    directory = Directory(client)
    for program in sorted({m.program for m in meetings}):
        source = Source(
            id=program, program=program, format=FeedFormat.CSV, location=f"{program}.csv"
        )
        directory.sync(source, [m for m in meetings if m.program == program], now=imported)
    return directory


def near(
    directory: Directory | redis.Redis, now: datetime = TUESDAY_NOON_LA, **query: Any
) -> SearchResult:
    return search(directory, MeetingQuery(zip_code="92660", **query), now)


def online(directory: Directory, now: datetime = TUESDAY_NOON_LA, **query: Any) -> SearchResult:
    return search(directory, MeetingQuery(online=True, **query), now)


def ids(result: SearchResult) -> list[str]:
    return [o.meeting.source_key for o in result.occurrences]


@pytest.mark.parametrize(
    ("limit", "radius", "found"),
    [
        (2, 10.0, ["a5", "b5"]),
        (3, 25.0, ["a5", "b5", "a20"]),
        (4, 25.0, ["a5", "b5", "a20", "b20"]),
        (5, 50.0, ["a5", "b5", "a20", "b20", "a40"]),
        (10, 50.0, ["a5", "b5", "a20", "b20", "a40", "b40"]),
    ],
)
def test_the_radius_widens_10_25_50_until_enough_meetings_fit(
    redis_client: redis.Redis, limit: int, radius: float, found: list[str]
) -> None:
    # Later hours further out, so the order shows which radius was searched.
    directory = load(
        redis_client,
        *(
            meeting(f"{letter}{miles}", miles=miles, start=time(13 + i))
            for i, (miles, letter) in enumerate((m, x) for m in (5, 20, 40, 60) for x in "ab")
        ),
    )
    result = near(directory, limit=limit)
    assert ids(result) == found
    assert (result.radius_miles, result.widened) == (radius, radius > 10)
    assert result.place is not None
    assert result.place.city == "Newport Beach"


def test_distances_are_from_the_zip_centre_to_a_tenth_of_a_mile(redis_client: redis.Redis) -> None:
    directory = load(redis_client, meeting("a", miles=9.96), meeting("b", miles=3.14159))
    assert [o.distance_miles for o in near(directory).occurrences] == [3.1, 10.0]
    assert ids(near(directory)) == ["b", "a"]  # same time: nearer first (3.1 < 10.0)


def test_beyond_fifty_miles_nothing_is_found(redis_client: redis.Redis) -> None:
    result = near(load(redis_client, meeting("far", miles=50.2)))
    assert result.occurrences == ()
    assert (result.radius_miles, result.widened) == (50.0, True)


def test_ordered_by_start_then_distance_then_name(redis_client: redis.Redis) -> None:
    directory = load(
        redis_client,
        meeting("x", name="Xenia", miles=3),
        meeting("z", name="Zeta group", miles=1),
        meeting("a", name="alpha group", miles=1),  # same place and time as Zeta: by name
        meeting("early", name="Zzz", start=time(18), miles=9),
        meeting("tomorrow", name="Aaa", day=WED, start=time(7), miles=0.5),
    )
    assert ids(near(directory)) == ["early", "a", "z", "x", "tomorrow"]


def test_ties_at_the_limit_are_broken_by_name(redis_client: redis.Redis) -> None:
    directory = load(
        redis_client,
        *(
            meeting(k, name=n, miles=1)
            for k, n in (("k1", "Delta"), ("k2", "Bravo"), ("k3", "Charlie"))
        ),
        meeting("k4", name="Alpha", miles=2),
    )
    assert ids(near(directory, limit=2)) == ["k2", "k3"]


def test_many_at_one_time_and_place_are_ordered_by_name(redis_client: redis.Redis) -> None:
    names = [
        "step study",
        "Big Book | Study",  # a "|" is no separator
        "_early birds",
        "Alpha",
        "alpha beta",
        "Zed",
        "ñandú group",
        "Serenity Group of Newport Beach 2",  # the same first 24 characters:
        "Serenity Group of Newport Beach 1",  # ordered by id after that
        "big book",
        "Aardvark",
    ]
    directory = load(redis_client, *(meeting(f"k{i:02}", name=n) for i, n in enumerate(names)))
    # Case, accents and punctuation aside; the two Serenity groups (alike for ten
    # letters) by id.
    by_name = ["k10", "k03", "k04", "k09", "k01", "k02", "k06", "k07", "k08", "k00", "k05"]
    assert ids(near(directory, limit=3)) == by_name[:3]
    assert ids(near(directory, limit=11)) == by_name


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Tuesday 18:55 in California: the 19:00 starts soon; the 18:45 started 10 min ago.
        (datetime(2026, 6, 10, 1, 55, tzinfo=UTC), ["at19", "at1845"]),
        # 19:09: the 19:00 started 9 minutes ago and still counts.
        (datetime(2026, 6, 10, 2, 9, tzinfo=UTC), ["at19", "at1845"]),
        # 19:10: now it is next week's, after the 18:45.
        (datetime(2026, 6, 10, 2, 10, tzinfo=UTC), ["at1845", "at19"]),
    ],
)
def test_a_meeting_just_started_still_counts(
    redis_client: redis.Redis, now: datetime, expected: list[str]
) -> None:
    directory = load(redis_client, meeting("at19"), meeting("at1845", start=time(18, 45)))
    result = near(directory, now)
    assert ids(result) == expected
    first = result.occurrences[0]
    assert first.starts_at.tzinfo is not None
    assert str(first.starts_at.tzinfo) == LA


@pytest.mark.parametrize("attendance", [Attendance.IN_PERSON, Attendance.ONLINE])
def test_grace_reaches_back_across_midnight(
    redis_client: redis.Redis, attendance: Attendance
) -> None:
    now = datetime(2026, 6, 10, 7, 3, tzinfo=UTC)  # Wednesday 00:03 in California
    directory = load(
        redis_client,
        meeting("tue-2355", day=TUE, start=time(23, 55), attendance=attendance),
        meeting("tue-2350", day=TUE, start=time(23, 50), attendance=attendance),  # 13 min ago
        meeting("wed-0700", day=WED, start=time(7), attendance=attendance),
        *(meeting(f"wed-{h}", day=WED, start=time(h), attendance=attendance) for h in (8, 9, 10)),
    )
    query = (
        MeetingQuery(zip_code="92660", limit=2)
        if attendance is Attendance.IN_PERSON
        else (MeetingQuery(online=True, limit=2))
    )
    result = search(directory, query, now)
    assert ids(result) == ["tue-2355", "wed-0700"]
    assert result.occurrences[0].starts_at < now


def test_results_say_when_in_the_meetings_own_zone(redis_client: redis.Redis) -> None:
    directory = load(redis_client, meeting("ny", zone=NY, attendance=Attendance.ONLINE))
    [found] = online(directory).occurrences
    assert found.starts_at == datetime(2026, 6, 9, 19, 0, tzinfo=found.starts_at.tzinfo)
    assert str(found.starts_at.tzinfo) == NY
    assert found.distance_miles is None


@pytest.mark.parametrize(
    ("programs", "expected"),
    [
        (frozenset(), ["aa1", "na1", "smart1"]),
        (frozenset({"na"}), ["na1"]),
        (frozenset({"aa", "smart"}), ["aa1", "smart1"]),
        (frozenset({"cma"}), []),
    ],
)
def test_program_filter(
    redis_client: redis.Redis, programs: frozenset[str], expected: list[str]
) -> None:
    directory = load(
        redis_client,
        meeting("aa1", program="aa", start=time(18)),
        meeting("na1", program="na", start=time(19)),
        meeting("smart1", program="smart", start=time(20)),
    )
    assert ids(near(directory, programs=programs)) == expected


WISH_MEETINGS = [
    meeting("plain"),
    meeting("agnostic", tags=frozenset({Tag.SECULAR}), start=time(19, 1)),
    meeting("smart", program="smart", start=time(19, 2)),
    meeting("women", tags=frozenset({Tag.WOMEN}), start=time(19, 3)),
    meeting("men", tags=frozenset({Tag.MEN}), start=time(19, 4)),
    meeting("espanol", languages=frozenset({"es"}), start=time(19, 5)),
    meeting("mujeres", tags=frozenset({Tag.WOMEN}), languages=frozenset({"es"}), start=time(19, 6)),
]


@pytest.mark.parametrize(
    ("wishes", "secular_programs", "expected"),
    [
        (set(), set(), [m.source_key for m in WISH_MEETINGS]),
        ({"secular"}, {"smart"}, ["agnostic", "smart"]),
        ({"secular"}, set(), ["agnostic"]),
        ({"women"}, {"smart"}, ["women", "mujeres"]),
        ({"men"}, {"smart"}, ["men"]),
        ({"spanish"}, {"smart"}, ["espanol", "mujeres"]),
        ({"spanish", "women"}, {"smart"}, ["mujeres"]),
        ({"secular", "women"}, {"smart"}, []),
    ],
)
def test_wish_filters_each_must_hold(
    redis_client: redis.Redis, wishes: set[str], secular_programs: set[str], expected: list[str]
) -> None:
    directory = load(redis_client, *WISH_MEETINGS)
    query: dict[str, Any] = {
        "wishes": frozenset(wishes),
        "secular_programs": frozenset(secular_programs),
        "limit": 10,
    }
    assert ids(near(directory, **query)) == expected
    as_online = load(
        redis_client,
        *(
            replace(m, attendance=Attendance.HYBRID, online_url="https://zoom.us/j/2")
            for m in WISH_MEETINGS
        ),
    )
    assert ids(online(as_online, **query)) == expected


def test_closed_and_inactive_meetings_are_not_offered_to_visit(redis_client: redis.Redis) -> None:
    directory = load(
        redis_client,
        meeting("open"),
        meeting("closed-online", attendance=Attendance.ONLINE, closed=True, start=time(19, 1)),
        meeting("closed", attendance=Attendance.INACTIVE, closed=True, start=time(19, 2)),
        meeting("inactive", attendance=Attendance.INACTIVE, start=time(19, 3)),
        meeting("online-only", attendance=Attendance.ONLINE, start=time(19, 4)),
        meeting("hybrid", attendance=Attendance.HYBRID, start=time(19, 5)),
    )
    assert ids(near(directory)) == ["open", "hybrid"]
    assert ids(online(directory)) == ["closed-online", "online-only", "hybrid"]


@pytest.mark.parametrize(
    "imported",
    [
        datetime(2026, 6, 1, tzinfo=UTC),
        datetime(2026, 1, 15, tzinfo=UTC),  # on standard time: every zone but Phoenix moved
        datetime(2026, 3, 8, 8, 30, tzinfo=UTC),  # New York had moved, California not yet
    ],
    ids=["imported in summer", "imported in winter", "imported mid-change"],
)
def test_online_meetings_are_ordered_by_real_time_across_zones(
    redis_client: redis.Redis, imported: datetime
) -> None:
    now = datetime(2026, 6, 9, 21, 0, tzinfo=UTC)  # Tue 17:00 New York, 14:00 California
    directory = load(
        redis_client,
        *(
            meeting(key, zone=zone, start=start, attendance=Attendance.ONLINE)
            for key, zone, start in (
                ("ny-1800", NY, time(18)),  # 22:00 UTC
                ("la-1600", LA, time(16)),  # 23:00 UTC
                ("chi-1630", CHICAGO, time(16, 30)),  # 21:30 UTC
                ("phx-1430", PHOENIX, time(14, 30)),  # 21:30 UTC, tie: by name
                ("ny-1655", NY, time(16, 55)),  # 20:55 UTC, started 5 minutes ago
                ("ny-1645", NY, time(16, 45)),  # started 15 minutes ago: next week
                ("la-1300", LA, time(13)),  # started an hour ago: next week
            )
        ),
        imported=imported,
    )
    assert ids(online(directory, now, limit=10)) == [
        "ny-1655",
        "chi-1630",
        "phx-1430",
        "ny-1800",
        "la-1600",
        "la-1300",
        "ny-1645",
    ]
    assert ids(online(directory, now, limit=3)) == ["ny-1655", "chi-1630", "phx-1430"]


SPRING_MEETINGS = {
    "ny-0305": meeting("ny-0305", zone=NY, day=SUN, start=time(3, 5), attendance=Attendance.ONLINE),
    "ny-0158": meeting(
        "ny-0158", zone=NY, day=SUN, start=time(1, 58), attendance=Attendance.ONLINE
    ),
    "la-2330": meeting("la-2330", zone=LA, day=6, start=time(23, 30), attendance=Attendance.ONLINE),
    "la-2320": meeting("la-2320", zone=LA, day=6, start=time(23, 20), attendance=Attendance.ONLINE),
}


@pytest.mark.parametrize(
    ("now", "loaded", "expected"),
    [
        # Sat 2026-03-07 22:50 in California, Sun 01:50 EST in New York (spring forward at
        # 02:00). The wall clock says LA's 23:30 comes first (40 min vs 75); in real time
        # NY's 03:05 EDT comes 25 minutes earlier.
        (datetime(2026, 3, 8, 6, 50, tzinfo=UTC), ["ny-0305", "la-2330"], ["ny-0305"]),
        # ... even when a meeting 30 wall minutes away was found first.
        (datetime(2026, 3, 8, 6, 50, tzinfo=UTC), ["ny-0305", "la-2320"], ["ny-0305"]),
        # Sun 03:05 EDT: NY's 01:58 EST was 67 wall minutes ago but 7 real minutes: it counts.
        (datetime(2026, 3, 8, 7, 5, tzinfo=UTC), ["ny-0158", "la-2330"], ["ny-0158"]),
        # ... and NY's 03:05 EDT starts this minute.
        (
            datetime(2026, 3, 8, 7, 5, tzinfo=UTC),
            ["ny-0305", "ny-0158", "la-2330"],
            ["ny-0158", "ny-0305", "la-2330"],
        ),
    ],
)
def test_online_ranking_is_exact_across_a_dst_change(
    redis_client: redis.Redis, now: datetime, loaded: list[str], expected: list[str]
) -> None:
    directory = load(redis_client, *(SPRING_MEETINGS[k] for k in loaded))
    assert ids(online(directory, now, limit=len(expected))) == expected


def test_near_ranking_is_exact_across_a_dst_change(redis_client: redis.Redis) -> None:
    # Sun 2026-03-08 01:50 EST in New York; clocks go from 02:00 EST to 03:00 EDT.
    now = datetime(2026, 3, 8, 6, 50, tzinfo=UTC)
    midtown = (40.7484, -73.9967)  # ZIP 10001
    directory = load(
        redis_client,
        *(
            meeting(key, zone=NY, day=SUN, start=start, where=midtown)
            for key, start in (
                ("at-0305", time(3, 5)),  # wall: in 75 minutes; really in 15
                ("at-0230", time(2, 30)),  # does not exist: 03:30 EDT, in 40 minutes
                ("at-0158", time(1, 58)),  # in 8 minutes
            )
        ),
    )
    result = search(directory, MeetingQuery(zip_code="10001"), now)
    assert ids(result) == ["at-0158", "at-0305", "at-0230"]
    assert [o.starts_at.strftime("%H:%M %Z") for o in result.occurrences] == [
        "01:58 EST",
        "03:05 EDT",
        "03:30 EDT",
    ]


def test_meetings_the_wall_clock_ranks_first_but_that_passed_are_read_past(
    redis_client: redis.Redis,
) -> None:
    # 2026-11-01 06:20 UTC is the second 01:20 in New York (EST). The wall clock says a
    # dozen meetings between 01:25 and 01:58 come next, but they met in the first
    # (EDT) hour; the next is 05:00. Redis must be asked past its first picks.
    now = datetime(2026, 11, 1, 6, 20, tzinfo=UTC)
    passed = [
        meeting(f"passed-{m}", zone=NY, day=SUN, start=time(1, m), attendance=Attendance.ONLINE)
        for m in range(25, 60, 3)
    ]
    later = meeting("at-0500", zone=NY, day=SUN, start=time(5), attendance=Attendance.ONLINE)
    directory = load(redis_client, *passed, later)
    assert ids(online(directory, now, limit=1)) == ["at-0500"]
    assert ids(online(directory, now, limit=3)) == ["at-0500"]  # the rest: over a week away


def test_fall_back_does_not_offer_an_hour_old_meeting(redis_client: redis.Redis) -> None:
    # 2026-11-01 06:20 UTC: 01:20 EST (the second 01:20) in New York, Sat 23:20 PDT in LA.
    now = datetime(2026, 11, 1, 6, 20, tzinfo=UTC)
    directory = load(
        redis_client,
        meeting("ny-0145", zone=NY, day=SUN, start=time(1, 45), attendance=Attendance.ONLINE),
        meeting("la-2340", zone=LA, day=6, start=time(23, 40), attendance=Attendance.ONLINE),
    )
    # New York's 01:45 was the first one (EDT), 35 minutes ago; its next is 7 days 25 minutes
    # away, beyond the week searched.
    assert ids(online(directory, now, limit=2)) == ["la-2340"]
    # An hour later, it is within the week again; LA's 23:40 has passed.
    assert ids(online(directory, now + timedelta(hours=1), limit=2)) == ["ny-0145"]


def test_online_reads_as_far_as_needed_for_a_rare_wish(redis_client: redis.Redis) -> None:
    everyday = [
        meeting(f"m{d}-{h}", day=d, start=time(h), attendance=Attendance.ONLINE, zone=NY)
        for d in range(7)
        for h in range(6, 22)
    ]
    rare = [
        meeting(
            "women-sat",
            day=6,
            start=time(9),
            tags=frozenset({Tag.WOMEN}),
            attendance=Attendance.ONLINE,
        ),
        meeting(
            "women-mon",
            day=MON,
            start=time(9),
            tags=frozenset({Tag.WOMEN}),
            attendance=Attendance.ONLINE,
        ),
    ]
    directory = load(redis_client, *everyday, *rare)
    assert ids(online(directory, wishes=frozenset({"women"}))) == ["women-sat", "women-mon"]
    assert len(online(directory, limit=MAX_LIMIT).occurrences) == MAX_LIMIT


def test_the_limit(redis_client: redis.Redis) -> None:
    directory = load(redis_client, *(meeting(f"m{h:02}", start=time(h)) for h in range(24)))
    assert ids(near(directory, limit=1)) == ["m12"]
    assert ids(near(directory)) == ["m12", "m13", "m14", "m15", "m16"]
    assert len(near(directory, limit=MAX_LIMIT).occurrences) == 24


def test_a_plain_redis_client_will_do(redis_client: redis.Redis) -> None:
    load(redis_client, meeting("a"))
    assert ids(near(redis_client)) == ["a"]


def test_an_empty_directory_finds_nothing(redis_client: redis.Redis) -> None:
    assert near(Directory(redis_client)).occurrences == ()
    assert online(Directory(redis_client)).occurrences == ()


@pytest.mark.parametrize(
    ("zip_code", "error"), [("abcde", ZipInvalid), ("9266", ZipInvalid), ("00000", ZipUnknown)]
)
def test_zip_errors_reach_the_caller(
    redis_client: redis.Redis, zip_code: str, error: type[Exception]
) -> None:
    with pytest.raises(error):
        search(Directory(redis_client), MeetingQuery(zip_code=zip_code), TUESDAY_NOON_LA)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"wishes": frozenset({"quiet"})}, "unknown wishes"),
        ({"limit": 0}, "limit"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
    ],
)
def test_bad_queries(query: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MeetingQuery(online=True, **query)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query",
    [MeetingQuery(), MeetingQuery(zip_code="92660", online=True)],
    ids=["neither", "both"],
)
def test_a_search_needs_a_zip_code_or_online(
    redis_client: redis.Redis, query: MeetingQuery
) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        search(Directory(redis_client), query, TUESDAY_NOON_LA)


def test_now_must_be_aware(redis_client: redis.Redis) -> None:
    with pytest.raises(ValueError, match="aware"):
        search(redis_client, MeetingQuery(online=True), datetime(2026, 6, 9, 12))  # noqa: DTZ001


def test_far_future_is_never_more_than_a_week_away(redis_client: redis.Redis) -> None:
    directory = load(redis_client, *(meeting(f"d{d}", day=d, start=time(11, 45)) for d in range(7)))
    result = near(directory, limit=10)
    assert len(result.occurrences) == 7
    assert all(
        timedelta(0) < o.starts_at - TUESDAY_NOON_LA < timedelta(days=7) for o in result.occurrences
    )
    assert ids(result)[0] == "d3"
    assert ids(result)[-1] == "d2"


def test_agrees_with_brute_force_on_many_ties(redis_client: redis.Redis) -> None:
    """Many meetings sharing times, places and names: every limit gets exactly the first
    ones in (start, distance, name, id) order, online and near."""
    rng = random.Random(7)
    names = ["Serenity Group", "Serenity Group 2", "alpha", "Alpha Beta", "Zed", "Big Book"]
    places = [0.5, 1.5, 2.5, 4.0]  # miles north of the ZIP centre
    meetings = [
        meeting(
            f"m{i:03}",
            program=rng.choice(["aa", "na"]),
            name=rng.choice(names),
            day=rng.choice([TUE, WED]),
            start=rng.choice([time(12, 30), time(19), time(19, 30), time(7)]),
            zone=rng.choice([LA, PHOENIX]),
            miles=rng.choice(places),
            attendance=rng.choice([Attendance.IN_PERSON, Attendance.HYBRID, Attendance.ONLINE]),
        )
        for i in range(160)
    ]
    directory = load(redis_client, *meetings)

    def expected(now: datetime, online_only: bool, limit: int) -> list[str]:
        rows = []
        for m in meetings:
            if (m.online if online_only else m.in_person) is False:
                continue
            start = next_start(m.day, m.start_local, ZoneInfo(m.timezone), now)
            miles = 0.0 if online_only else round(m.latitude or 0, 6)  # north: same order
            rows.append((start.astimezone(UTC), miles, name_rank(m.name), m.id.encode()))
        return [row[3].decode().split(":")[1] for row in sorted(rows)[:limit]]

    for now in (TUESDAY_NOON_LA, datetime(2026, 6, 10, 2, 5, tzinfo=UTC)):
        for limit in (1, 3, 7, 20):
            assert ids(near(directory, now, limit=limit)) == expected(now, False, limit)
            assert ids(online(directory, now, limit=limit)) == expected(now, True, limit)
