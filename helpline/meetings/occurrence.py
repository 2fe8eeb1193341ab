"""When a weekly meeting next starts, in its own time zone, exact across DST changes.

A meeting is a wall-clock time on a weekday in one zone. The next start is
found by stepping *local dates* and attaching the wall time again, never by
adding 168 hours in UTC (that moves a meeting by an hour across a DST
change). Comparisons are made in UTC: Python compares two datetimes of the
same zone by wall clock alone, which is wrong in the repeated fall-back hour.

Ranking thousands of meetings that way would cost a zone conversion each, so
WeekClock does the same with integers: `week_clock(zone, now)` notes the one
clock change (if any) around the coming week, and `until(minute_of_week)` gives
the minutes to a meeting's next start, exactly what next_start gives (a test
checks the two agree around clock changes in many zones). Search's Lua script
does the same sums inside Redis.

Pure: standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

GRACE = timedelta(minutes=10)
"""A meeting that started less than this ago still counts: a caller can still walk in."""

MINUTE = timedelta(minutes=1)
GRACE_MINUTES = int(GRACE / MINUTE)
WEEK = timedelta(days=7)
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

MAX_CLOCK_SHIFT = timedelta(hours=1)
"""The most a zone moves its clocks at once (Antarctica/Troll's two hours aside): how far
around a week search looks for a change."""


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


@dataclass(frozen=True, slots=True)
class WeekClock:
    """Now in one zone, and how its wall clock maps onto real time over the coming week.

    `until` gives what `next_start` gives, as whole minutes from the start of the
    current minute, with integer arithmetic only: cheap enough to rank thousands of
    meetings (search's Lua script does the same sums inside Redis). It holds for a
    week: no zone changes its clocks twice in one.
    """

    minute: int
    """Now, as the zone's local minute of week."""
    lookback: int
    """Wall minutes back a start may be and still be within the grace in real time."""
    cut: int = 2 * MINUTES_PER_WEEK
    """Wall minutes from now (negative: ago) from which a clock change applies; never
    when there is none this week."""
    before: int = 0
    """Real minus wall minutes for starts before the cut (e.g. -60: the meeting comes an
    hour sooner than the wall clock says)."""
    after: int = 0
    """Real minus wall minutes for starts from the cut on."""

    def until(self, minute_of_week: int) -> int:
        wall = wall_minutes_until(minute_of_week, self.minute, self.lookback)
        real = wall + (self.before if wall < self.cut else self.after)
        if real <= -GRACE_MINUTES:  # started longer ago than the grace: next week's counts
            wall += MINUTES_PER_WEEK
            real = wall + (self.before if wall < self.cut else self.after)
        return real

    @property
    def sooner(self) -> int:
        """The most real minutes can be below wall minutes: how far past a wall-clock
        bound to read so as not to miss a meeting that comes sooner than it looks."""
        return max(0, -self.before, -self.after)


def week_clock(zone: ZoneInfo, now: datetime) -> WeekClock:
    """`now` in `zone`, with the clock change (if any) from a little before now to a week on."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    start = now.astimezone(UTC).replace(second=0, microsecond=0)
    minute = local_minute_of_week(start, zone)
    first, last = start - GRACE - MAX_CLOCK_SHIFT - MINUTE, start + WEEK + MAX_CLOCK_SHIFT
    old, new = _offset(zone, first), _offset(zone, last)
    if old == new:
        return WeekClock(minute=minute, lookback=GRACE_MINUTES - 1)
    # The instant of the change, to the minute (changes happen on whole minutes).
    low, high = 0, int((last - first) / MINUTE)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, first + middle * MINUTE) == old:
            low = middle
        else:
            high = middle
    change = first + high * MINUTE
    offset = _offset(zone, start)
    # Wall times before the later of the two readings at the change keep the old offset:
    # the repeated hour's first pass in the fall, and (moved forward) the spring gap.
    cut = int((change + max(old, new) - (start + offset)) / MINUTE)
    before, after = int((offset - old) / MINUTE), int((offset - new) / MINUTE)
    lookback = GRACE_MINUTES - 1 + max(0, before, after)
    return WeekClock(minute, lookback, cut, before, after)


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)
