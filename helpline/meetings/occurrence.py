"""When a weekly meeting next starts, in its own time zone, exact across DST changes.

A meeting is a wall-clock time on a weekday in one zone. The next start is
found by stepping *local dates* and attaching the wall time again, never by
adding 168 hours in UTC (that moves a meeting by an hour across a DST
change). Comparisons are made in UTC: Python compares two datetimes of the
same zone by wall clock alone, which is wrong in the repeated fall-back hour.

Ranking many meetings exactly would cost a zone conversion each, so search
ranks first by `minute_of_week` (wall minutes, cheap integers) and converts
only the few that can win; wall and real minutes differ by at most
MAX_CLOCK_SHIFT.

Pure: standard library only.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GRACE = timedelta(minutes=10)
"""A meeting that started less than this ago still counts: a caller can still walk in."""

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

MAX_CLOCK_SHIFT = timedelta(hours=1)
"""How far wall-clock minutes and real minutes can drift apart within a week: one DST
change. (Antarctica/Troll's two hours aside, no inhabited zone shifts by more.)"""


def next_start(
    day_sun0: int, start: time, zone: ZoneInfo, now: datetime, grace: timedelta = GRACE
) -> datetime:
    """The next start (aware, in `zone`) of a meeting held every `day_sun0` (0 = Sunday).

    A start in the spring-forward gap is moved forward by the gap (02:30 -> 03:30);
    a start in the repeated fall-back hour is its first occurrence. A meeting
    that started less than `grace` ago is returned as it is (in the past).
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now_utc = now.astimezone(UTC)
    today = now_utc.astimezone(zone).date()
    wanted = (day_sun0 + 6) % 7  # Python's weekday: 0 = Monday
    first = today + timedelta(days=(wanted - today.weekday()) % 7)
    # Last week's date too: a meeting at 23:55 yesterday is still in its grace at 00:03.
    for day in (first - timedelta(days=7), first, first + timedelta(days=7)):
        candidate = _at(day, start, zone)
        if candidate.astimezone(UTC) + grace > now_utc:
            return candidate
    raise AssertionError("unreachable: a week later always starts after now")  # pragma: no cover


def _at(day: date, start: time, zone: ZoneInfo) -> datetime:
    """`start` on `day` in `zone`, fold=0, with a time in the spring gap normalised forward."""
    wall = datetime.combine(day, start.replace(tzinfo=None, fold=0), tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone)


def minute_of_week(day_sun0: int, start: time) -> int:
    """Wall-clock minutes since Sunday 00:00: the cheap key search ranks by."""
    return day_sun0 * MINUTES_PER_DAY + start.hour * 60 + start.minute


def local_minute_of_week(now: datetime, zone: ZoneInfo) -> int:
    """`now` as wall-clock minutes since Sunday 00:00 in `zone`."""
    local = now.astimezone(zone)
    return minute_of_week((local.weekday() + 1) % 7, local.time())


def wall_minutes_until(meeting_minute: int, now_minute: int, lookback: int) -> int:
    """Wall minutes from now to a meeting's minute of week, in [-lookback, week - lookback).

    Meetings that started up to `lookback` minutes ago come out negative, so a
    ranking can still consider them (they may be within the grace, or not).
    """
    ahead = (meeting_minute - now_minute) % MINUTES_PER_WEEK
    return ahead - MINUTES_PER_WEEK if ahead >= MINUTES_PER_WEEK - lookback else ahead
