"""next_start: wall-clock arithmetic in the meeting's zone, exact across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpline.meetings.occurrence import (
    GRACE,
    MINUTES_PER_WEEK,
    local_minute_of_week,
    minute_of_week,
    next_start,
    wall_minutes_until,
    week_clock,
)

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
PHOENIX = ZoneInfo("America/Phoenix")
SUN, MON, TUE = 0, 1, 2


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (id, meeting day, start, zone, now (UTC), expected start (UTC), expected UTC offset hours)
CASES = [
    # 2026-03-08: New York springs forward at 02:00 EST (07:00 UTC).
    ("spring day, 01:30 before the change", SUN, time(1, 30), NEW_YORK,
     utc("2026-03-08 05:00"), utc("2026-03-08 06:30"), -5),
    ("spring day, 02:30 is in the gap: moved to 03:30 EDT", SUN, time(2, 30), NEW_YORK,
     utc("2026-03-08 05:00"), utc("2026-03-08 07:30"), -4),
    ("spring day, 02:30 a week ahead is also normalised", SUN, time(2, 30), NEW_YORK,
     utc("2026-03-01 09:00"), utc("2026-03-08 07:30"), -4),
    ("spring day, 19:00 after the change is EDT", SUN, time(19), NEW_YORK,
     utc("2026-03-08 12:00"), utc("2026-03-08 23:00"), -4),
    # 2026-11-01: New York falls back at 02:00 EDT (06:00 UTC); 01:00-02:00 happens twice.
    ("fall day, 01:30 is the first (EDT) one", SUN, time(1, 30), NEW_YORK,
     utc("2026-11-01 04:00"), utc("2026-11-01 05:30"), -4),
    ("fall day, 01:45 EDT passed an hour ago though the wall clock says 01:20",
     SUN, time(1, 45), NEW_YORK, utc("2026-11-01 06:20"), utc("2026-11-08 06:45"), -5),
    ("fall day, 03:00 after the change is EST", SUN, time(3), NEW_YORK,
     utc("2026-11-01 04:00"), utc("2026-11-01 08:00"), -5),
    # A Monday 19:00 meeting a week across the change: 19:00 EDT, not +168 h (20:00 EDT).
    ("Monday 19:00 across 2026-03-09", MON, time(19), NEW_YORK,
     utc("2026-03-03 00:30"), utc("2026-03-09 23:00"), -4),
    ("Monday 19:00 the week before", MON, time(19), NEW_YORK,
     utc("2026-03-02 12:00"), utc("2026-03-03 00:00"), -5),
    # Arizona keeps MST all year.
    ("Phoenix Monday 19:00 across 2026-03-09", MON, time(19), PHOENIX,
     utc("2026-03-03 03:00"), utc("2026-03-10 02:00"), -7),
    ("Phoenix Sunday 19:00 across 2026-11-01", SUN, time(19), PHOENIX,
     utc("2026-10-30 12:00"), utc("2026-11-02 02:00"), -7),
    # Grace: a meeting that started less than 10 minutes ago still counts.
    ("started 9 min ago: still counts", TUE, time(19), LOS_ANGELES,
     utc("2026-06-10 02:09"), utc("2026-06-10 02:00"), -7),
    ("started 9:59 ago: still counts", TUE, time(19), LOS_ANGELES,
     utc("2026-06-10 02:09:59"), utc("2026-06-10 02:00"), -7),
    ("started exactly 10 min ago: next week", TUE, time(19), LOS_ANGELES,
     utc("2026-06-10 02:10"), utc("2026-06-17 02:00"), -7),
    ("grace across midnight: Monday 23:55 at Tuesday 00:03", MON, time(23, 55), LOS_ANGELES,
     utc("2026-06-09 07:03"), utc("2026-06-09 06:55"), -7),
    # Same weekday: later today is today, earlier today is next week.
    ("later today", TUE, time(18), LOS_ANGELES,
     utc("2026-06-09 19:00"), utc("2026-06-10 01:00"), -7),
    ("earlier today: next week", TUE, time(8), LOS_ANGELES,
     utc("2026-06-09 19:00"), utc("2026-06-16 15:00"), -7),
    ("starting this minute", TUE, time(12), LOS_ANGELES,
     utc("2026-06-09 19:00"), utc("2026-06-09 19:00"), -7),
    ("Saturday night: Sunday is tomorrow", SUN, time(0, 30), LOS_ANGELES,
     utc("2026-06-14 06:55"), utc("2026-06-14 07:30"), -7),
]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "start", "zone", "now", "expected", "offset"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_next_start(
    day: int,
    start: time,
    zone: ZoneInfo,
    now: datetime,
    expected: datetime,
    offset: int,
) -> None:
    found = next_start(day, start, zone, now)
    assert found.tzinfo is zone
    assert found.astimezone(UTC) == expected
    assert found.utcoffset() == timedelta(hours=offset)
    assert (found.weekday() + 1) % 7 == day


def test_now_in_another_zone_gives_the_same_instant() -> None:
    now = utc("2026-03-03 00:30")
    in_tokyo = now.astimezone(ZoneInfo("Asia/Tokyo"))
    assert next_start(MON, time(19), NEW_YORK, in_tokyo) == next_start(MON, time(19), NEW_YORK, now)


def test_now_in_the_meetings_own_zone_is_compared_as_an_instant() -> None:
    # 01:20 EST (the second 01:20) is after 01:45 EDT, though its wall clock is earlier.
    now = datetime(2026, 11, 1, 1, 20, fold=1, tzinfo=NEW_YORK)
    assert next_start(SUN, time(1, 45), NEW_YORK, now).date().isoformat() == "2026-11-08"


def test_a_custom_grace() -> None:
    now = utc("2026-06-10 02:12")  # Tuesday 19:12 in Los Angeles
    assert next_start(TUE, time(19), LOS_ANGELES, now).day == 16
    assert next_start(TUE, time(19), LOS_ANGELES, now, grace=timedelta(minutes=15)).day == 9
    assert GRACE == timedelta(minutes=10)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_start(MON, time(19), NEW_YORK, datetime(2026, 3, 2, 12))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("day", "start", "minute"),
    [
        (SUN, time(0), 0),
        (SUN, time(19, 30), 1170),
        (TUE, time(7, 5), 3305),
        (6, time(23, 59), 10079),
    ],
)
def test_minute_of_week(day: int, start: time, minute: int) -> None:
    assert minute_of_week(day, start) == minute


def test_local_minute_of_week_is_the_zones_wall_clock() -> None:
    now = utc("2026-06-14 06:55")  # Saturday 23:55 in Los Angeles, Sunday 02:55 in New York
    assert local_minute_of_week(now, LOS_ANGELES) == MINUTES_PER_WEEK - 5
    assert local_minute_of_week(now, NEW_YORK) == 175


@pytest.mark.parametrize(
    ("meeting", "now", "expected"),
    [
        (100, 40, 60),  # later this week
        (40, 100, MINUTES_PER_WEEK - 60),  # started an hour ago, lookback 30: next week
        (90, 100, -10),  # started 10 minutes ago: within the lookback
        (MINUTES_PER_WEEK - 5, 10, -15),  # Saturday 23:55 seen from Sunday 00:10
        (5, MINUTES_PER_WEEK - 10, 15),  # Sunday 00:05 seen from Saturday 23:50
    ],
)
def test_wall_minutes_until(meeting: int, now: int, expected: int) -> None:
    assert wall_minutes_until(meeting, now, lookback=30) == expected


# Each zone's 2026 clock changes, as UTC instants.
CHANGES = {
    "America/New_York": ["2026-03-08 07:00", "2026-11-01 06:00"],
    "America/Los_Angeles": ["2026-03-08 10:00", "2026-11-01 09:00"],
    "America/Phoenix": ["2026-03-08 09:00"],  # none: a plain week as a control
    "Europe/London": ["2026-03-29 01:00", "2026-10-25 01:00"],
    "Australia/Sydney": ["2026-04-04 16:00", "2026-10-03 16:00"],
    "Australia/Lord_Howe": ["2026-04-04 15:00", "2026-10-03 15:30"],  # moves 30 minutes
    "America/St_Johns": ["2026-03-08 05:30", "2026-11-01 04:30"],  # UTC-3:30
}
AROUND = [
    timedelta(days=-8),
    timedelta(days=-1),
    timedelta(minutes=-71),
    timedelta(minutes=-61),
    timedelta(minutes=-11),
    timedelta(minutes=-1),
    timedelta(0),
    timedelta(seconds=30),
    timedelta(minutes=9, seconds=59),
    timedelta(minutes=10),
    timedelta(minutes=59),
    timedelta(minutes=75),
    timedelta(hours=5),
    timedelta(days=6, hours=23),
]
# Every 5 minutes of the week, and every minute of the early hours when clocks change.
MINUTES = sorted(set(range(0, MINUTES_PER_WEEK, 5)) | set(range(0, 6 * 60)))


@pytest.mark.parametrize(
    ("zone", "change"), [(z, c) for z, changes in CHANGES.items() for c in changes]
)
def test_week_clock_agrees_with_next_start_around_clock_changes(zone: str, change: str) -> None:
    tz = ZoneInfo(zone)
    for shift in AROUND:
        now = utc(change) + shift
        clock = week_clock(tz, now)
        minute_start = now.replace(second=0, microsecond=0)
        for minute in MINUTES:
            day, clock_minute = divmod(minute, 1440)
            start = next_start(day, time(clock_minute // 60, clock_minute % 60), tz, now)
            expected = int((start - minute_start) / timedelta(minutes=1))
            assert clock.until(minute) == expected, (zone, now, day, clock_minute)


def test_week_clock_in_a_plain_week() -> None:
    clock = week_clock(LOS_ANGELES, utc("2026-06-09 19:00:30"))  # Tuesday 12:00:30
    assert (clock.minute, clock.lookback, clock.before, clock.after) == (2 * 1440 + 720, 9, 0, 0)
    assert clock.until(2 * 1440 + 720 + 30) == 30
    assert clock.until(2 * 1440 + 720 - 9) == -9  # started 9 minutes ago: still counts
    assert clock.until(2 * 1440 + 720 - 10) == MINUTES_PER_WEEK - 10  # 10: next week's
    assert clock.sooner == 0


def test_week_clock_in_spring_and_fall() -> None:
    spring = week_clock(NEW_YORK, utc("2026-03-08 06:50"))  # Sun 01:50 EST
    assert (spring.cut, spring.before, spring.after, spring.sooner) == (70, 0, -60, 60)
    fall = week_clock(NEW_YORK, utc("2026-11-01 06:20"))  # Sun 01:20 EST, the second 01:20
    assert (fall.cut, fall.before, fall.after, fall.sooner) == (40, -60, 0, 60)
    assert fall.until(105) == MINUTES_PER_WEEK + 25  # 01:45: met in the first 01:45 (EDT)
