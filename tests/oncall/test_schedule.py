"""Who is on call at an instant: shifts, rotations and overrides, across midnight and DST.

Instants are written in UTC on purpose: on the nights the clocks change, a wall-clock
time alone does not say which moment is meant.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from helpline.oncall.schedule import (
    EVERY_DAY,
    Override,
    Rotation,
    Shift,
    Window,
    local_instant,
    on_call,
)

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(text: str) -> datetime:
    """A naive wall-clock time, as a roster writes them."""
    return datetime.fromisoformat(text)


def hhmm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# --- local_instant: the one place a wall-clock time becomes an instant ------------------


@pytest.mark.parametrize(
    ("zone", "wall", "expected"),
    [
        pytest.param(LA, wall("2026-06-05T09:00"), utc(2026, 6, 5, 16, 0), id="LA-summer"),
        pytest.param(LA, wall("2026-01-05T09:00"), utc(2026, 1, 5, 17, 0), id="LA-winter"),
        # Spring forward: 02:00-03:00 never shows; a time in it happens when the clock jumps.
        pytest.param(LA, wall("2026-03-08T02:30"), utc(2026, 3, 8, 10, 0), id="LA-gap"),
        pytest.param(LA, wall("2026-03-08T02:00"), utc(2026, 3, 8, 10, 0), id="LA-gap-start"),
        pytest.param(LA, wall("2026-03-08T03:00"), utc(2026, 3, 8, 10, 0), id="LA-after-gap"),
        pytest.param(LA, wall("2026-03-08T01:59"), utc(2026, 3, 8, 9, 59), id="LA-before-gap"),
        # Fall back: 01:00-02:00 shows twice; the first showing (PDT) is meant.
        pytest.param(LA, wall("2026-11-01T01:30"), utc(2026, 11, 1, 8, 30), id="LA-repeat"),
        pytest.param(LA, wall("2026-11-01T02:00"), utc(2026, 11, 1, 10, 0), id="LA-after-fold"),
        pytest.param(NY, wall("2026-03-08T02:30"), utc(2026, 3, 8, 7, 0), id="NY-gap"),
        pytest.param(NY, wall("2026-11-01T01:30"), utc(2026, 11, 1, 5, 30), id="NY-repeat"),
    ],
)
def test_local_instant(zone: ZoneInfo, wall: datetime, expected: datetime) -> None:
    assert local_instant(wall, zone) == expected


# --- shifts (weekly windows) -------------------------------------------------------------

FRIDAY_NIGHT = Window(start=hhmm("22:00"), end=hhmm("06:00"), days=frozenset({FRI}))
"""Friday 22:00 to Saturday 06:00; 2026-06-05 is a Friday (PDT, UTC-7)."""


@pytest.mark.parametrize(
    ("at", "covered"),
    [
        pytest.param(utc(2026, 6, 6, 4, 59), False, id="fri-21:59"),
        pytest.param(utc(2026, 6, 6, 5, 0), True, id="fri-22:00-start-inclusive"),
        pytest.param(utc(2026, 6, 6, 6, 59), True, id="fri-23:59"),
        pytest.param(utc(2026, 6, 6, 7, 0), True, id="sat-00:00-past-midnight"),
        pytest.param(utc(2026, 6, 6, 10, 0), True, id="sat-03:00"),
        pytest.param(utc(2026, 6, 6, 12, 59), True, id="sat-05:59"),
        pytest.param(utc(2026, 6, 6, 13, 0), False, id="sat-06:00-end-exclusive"),
        pytest.param(utc(2026, 6, 7, 5, 0), False, id="sat-22:00-not-a-listed-day"),
        pytest.param(utc(2026, 6, 5, 10, 0), False, id="fri-03:00-thursday-not-listed"),
        pytest.param(utc(2026, 6, 13, 10, 0), True, id="next-sat-03:00"),
    ],
)
def test_overnight_shift_belongs_to_the_day_it_starts(at: datetime, covered: bool) -> None:
    assert FRIDAY_NIGHT.covers(at, LA) is covered


@pytest.mark.parametrize(
    ("window", "at", "covered"),
    [
        # Spring forward, Sunday 2026-03-08. A shift starting 02:30 starts at the jump (03:00 PDT).
        (Window(hhmm("02:30"), hhmm("10:00"), frozenset({SUN})), utc(2026, 3, 8, 9, 59), False),
        (Window(hhmm("02:30"), hhmm("10:00"), frozenset({SUN})), utc(2026, 3, 8, 10, 0), True),
        (Window(hhmm("02:30"), hhmm("10:00"), frozenset({SUN})), utc(2026, 3, 8, 16, 59), True),
        (Window(hhmm("02:30"), hhmm("10:00"), frozenset({SUN})), utc(2026, 3, 8, 17, 0), False),
        # One ending 02:30 ends at the jump too: nobody gets a gap, nobody overlaps.
        (Window(hhmm("00:00"), hhmm("02:30"), frozenset({SUN})), utc(2026, 3, 8, 9, 59), True),
        (Window(hhmm("00:00"), hhmm("02:30"), frozenset({SUN})), utc(2026, 3, 8, 10, 0), False),
        # Saturday night 22:00 PST to Sunday 06:00 PDT: 7 real hours.
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 3, 8, 6, 0), True),
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 3, 8, 12, 59), True),
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 3, 8, 13, 0), False),
        # Fall back, Sunday 2026-11-01. Saturday 22:00 PDT to Sunday 06:00 PST: 9 real hours.
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 11, 1, 5, 0), True),
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 11, 1, 8, 30), True),
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 11, 1, 9, 30), True),
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 11, 1, 13, 59), True),
        (Window(hhmm("22:00"), hhmm("06:00"), frozenset({SAT})), utc(2026, 11, 1, 14, 0), False),
        # A shift ending 01:30 ends at the first 01:30 (PDT); the repeated hour is not theirs...
        (Window(hhmm("00:00"), hhmm("01:30"), frozenset({SUN})), utc(2026, 11, 1, 8, 29), True),
        (Window(hhmm("00:00"), hhmm("01:30"), frozenset({SUN})), utc(2026, 11, 1, 8, 30), False),
        (Window(hhmm("00:00"), hhmm("01:30"), frozenset({SUN})), utc(2026, 11, 1, 9, 15), False),
        # ...it belongs to whoever starts at 01:30, including the second 01:15 (PST).
        (Window(hhmm("01:30"), hhmm("03:00"), frozenset({SUN})), utc(2026, 11, 1, 8, 29), False),
        (Window(hhmm("01:30"), hhmm("03:00"), frozenset({SUN})), utc(2026, 11, 1, 8, 30), True),
        (Window(hhmm("01:30"), hhmm("03:00"), frozenset({SUN})), utc(2026, 11, 1, 9, 15), True),
        (Window(hhmm("01:30"), hhmm("03:00"), frozenset({SUN})), utc(2026, 11, 1, 11, 0), False),
    ],
)
def test_shifts_across_dst_in_los_angeles(window: Window, at: datetime, covered: bool) -> None:
    assert window.covers(at, LA) is covered


@pytest.mark.parametrize(
    ("window", "at", "covered"),
    [
        (Window(hhmm("02:30"), hhmm("08:00"), frozenset({SUN})), utc(2026, 3, 8, 6, 59), False),
        (Window(hhmm("02:30"), hhmm("08:00"), frozenset({SUN})), utc(2026, 3, 8, 7, 0), True),
        (Window(hhmm("02:30"), hhmm("08:00"), frozenset({SUN})), utc(2026, 3, 8, 11, 59), True),
        (Window(hhmm("02:30"), hhmm("08:00"), frozenset({SUN})), utc(2026, 3, 8, 12, 0), False),
        # Sat 20:00 EDT to Sun 08:00 EST on the fall-back night: 13 real hours.
        (Window(hhmm("20:00"), hhmm("08:00"), frozenset({SAT})), utc(2026, 11, 1, 0, 0), True),
        (Window(hhmm("20:00"), hhmm("08:00"), frozenset({SAT})), utc(2026, 11, 1, 12, 59), True),
        (Window(hhmm("20:00"), hhmm("08:00"), frozenset({SAT})), utc(2026, 11, 1, 13, 0), False),
    ],
)
def test_shifts_across_dst_in_new_york(window: Window, at: datetime, covered: bool) -> None:
    assert window.covers(at, NY) is covered


@pytest.mark.parametrize(
    ("window", "minutes"),
    [
        (Window(hhmm("09:00"), hhmm("17:00")), 8 * 60),
        (Window(hhmm("22:00"), hhmm("06:00")), 8 * 60),
        (Window(hhmm("00:00"), 24 * 60), 24 * 60),
        (Window(hhmm("09:00"), hhmm("09:00")), 24 * 60),  # end == start: all day, overnight
        (Window(hhmm("23:59"), hhmm("00:00")), 1),
    ],
)
def test_window_length(window: Window, minutes: int) -> None:
    assert window.minutes == minutes


def test_a_24_00_end_stops_at_midnight() -> None:
    sunday = Window(hhmm("00:00"), 24 * 60, frozenset({SUN}))
    assert sunday.covers(utc(2026, 6, 8, 6, 59), LA)  # Sun 23:59 PDT
    assert not sunday.covers(utc(2026, 6, 8, 7, 0), LA)  # Mon 00:00


def test_a_shift_names_its_people_only_in_its_window() -> None:
    shift = Shift(staff=("Dana", "Sam"), window=FRIDAY_NIGHT)
    assert shift.on_call(utc(2026, 6, 6, 10, 0), LA) == ("Dana", "Sam")
    assert shift.on_call(utc(2026, 6, 6, 13, 0), LA) == ()


# --- rotations ---------------------------------------------------------------------------

DAILY = Rotation(name="daily", staff=("A", "B"), every_days=1, start=wall("2026-03-06T09:00"))
"""Daily hand-off at 09:00 local, across the LA spring-forward night (2026-03-08)."""


@pytest.mark.parametrize(
    ("at", "on_duty"),
    [
        pytest.param(utc(2026, 3, 6, 16, 59), "B", id="before-start-counts-backwards"),
        pytest.param(utc(2026, 3, 6, 17, 0), "A", id="start-fri-09:00-PST"),
        pytest.param(utc(2026, 3, 7, 16, 59), "A", id="sat-08:59-PST"),
        pytest.param(utc(2026, 3, 7, 17, 0), "B", id="sat-09:00-PST"),
        # Sunday's 09:00 is PDT, 16:00 UTC: the turn that spans the jump lasts 23 hours.
        pytest.param(utc(2026, 3, 8, 15, 59), "B", id="sun-08:59-PDT"),
        pytest.param(utc(2026, 3, 8, 16, 0), "A", id="sun-09:00-PDT"),
        pytest.param(utc(2026, 3, 8, 17, 0), "A", id="24h-after-sat-is-not-a-handoff"),
        pytest.param(utc(2026, 3, 9, 15, 59), "A", id="mon-08:59-PDT"),
        pytest.param(utc(2026, 3, 9, 16, 0), "B", id="mon-09:00-PDT"),
    ],
)
def test_daily_rotation_hands_off_at_09_00_wall_clock_across_spring_forward(
    at: datetime, on_duty: str
) -> None:
    assert DAILY.on_duty(at, LA) == on_duty


WEEKLY_NY = Rotation(
    name="weekly", staff=("A", "B", "C"), every_days=7, start=wall("2026-10-26T09:00")
)
"""Monday 09:00 hand-offs in New York; the clocks fall back on Sunday 2026-11-01."""


@pytest.mark.parametrize(
    ("at", "on_duty"),
    [
        (utc(2026, 10, 26, 13, 0), "A"),  # Mon 09:00 EDT
        (utc(2026, 11, 1, 6, 0), "A"),  # Sun 01:00 EST, the repeated hour
        (utc(2026, 11, 2, 13, 0), "A"),  # Mon 08:00 EST: a week of wall clock is 169 hours
        (utc(2026, 11, 2, 13, 59), "A"),
        (utc(2026, 11, 2, 14, 0), "B"),  # Mon 09:00 EST
        (utc(2026, 11, 9, 14, 0), "C"),
        (utc(2026, 11, 16, 14, 0), "A"),  # round again
        (utc(2026, 10, 26, 12, 59), "C"),  # before the first hand-off
    ],
)
def test_weekly_rotation_hands_off_at_09_00_wall_clock_across_fall_back(
    at: datetime, on_duty: str
) -> None:
    assert WEEKLY_NY.on_duty(at, NY) == on_duty


def test_handoffs_are_the_same_wall_clock_time_both_sides_of_dst() -> None:
    instants = [DAILY.handoff(turn, LA) for turn in range(-1, 4)]
    assert {(i.astimezone(LA).hour, i.astimezone(LA).minute) for i in instants} == {(9, 0)}
    # In UTC: aware datetimes that share a tzinfo subtract as wall clocks.
    gaps = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in pairwise(instants)]
    assert gaps == [
        timedelta(hours=24),
        timedelta(hours=24),
        timedelta(hours=23),
        timedelta(hours=24),
    ]


def test_a_rotation_with_a_window_is_on_call_only_in_it() -> None:
    weekends = Window(hhmm("06:00"), hhmm("22:00"), frozenset({SAT, SUN}))
    rotation = Rotation(
        name="weekend",
        staff=("A", "B"),
        every_days=7,
        start=wall("2026-06-01T09:00"),
        window=weekends,
    )
    assert rotation.on_call(utc(2026, 6, 6, 13, 0), LA) == ("A",)  # Sat 06:00
    assert rotation.on_call(utc(2026, 6, 6, 12, 59), LA) == ()  # Sat 05:59
    assert rotation.on_call(utc(2026, 6, 8, 4, 59), LA) == ("A",)  # Sun 21:59
    assert rotation.on_call(utc(2026, 6, 8, 5, 0), LA) == ()  # Sun 22:00
    assert rotation.on_call(utc(2026, 6, 10, 19, 0), LA) == ()  # a Wednesday
    assert rotation.on_call(utc(2026, 6, 13, 13, 0), LA) == ("B",)  # next Saturday


# --- overrides ---------------------------------------------------------------------------

FROM, UNTIL = utc(2026, 6, 5, 16, 0), utc(2026, 6, 5, 20, 0)


@pytest.mark.parametrize(
    ("override", "ladder", "expected"),
    [
        pytest.param(Override("C", FROM, UNTIL), ["A", "B"], ["A", "B", "C"], id="add-at-end"),
        pytest.param(Override("A", FROM, UNTIL), ["A", "B"], ["A", "B"], id="add-present"),
        pytest.param(Override("A", FROM, UNTIL, off=True), ["A", "B"], ["B"], id="off"),
        pytest.param(Override("C", FROM, UNTIL, off=True), ["A", "B"], ["A", "B"], id="off-absent"),
        pytest.param(
            Override("C", FROM, UNTIL, replaces="A"), ["A", "B"], ["C", "B"], id="replace-in-place"
        ),
        pytest.param(
            Override("C", FROM, UNTIL, replaces="X"), ["A", "B"], ["A", "B"], id="replaced-not-on"
        ),
        pytest.param(
            Override("B", FROM, UNTIL, replaces="A"), ["A", "B"], ["B"], id="replacer-already-on"
        ),
    ],
)
def test_override_apply(override: Override, ladder: list[str], expected: list[str]) -> None:
    assert override.apply(ladder) == expected


@pytest.mark.parametrize(
    ("at", "active"),
    [
        (FROM - timedelta(seconds=1), False),
        (FROM, True),  # from is inclusive
        (UNTIL - timedelta(seconds=1), True),
        (UNTIL, False),  # until is exclusive
    ],
)
def test_override_window(at: datetime, active: bool) -> None:
    assert Override("C", FROM, UNTIL).active(at) is active


# --- on_call: layers, then overrides -----------------------------------------------------


def test_without_layers_everyone_is_on_call_in_order() -> None:
    assert on_call(["A", "B", "C"], [], [], LA, FROM) == ["A", "B", "C"]


def test_layers_in_order_each_name_once() -> None:
    days = Shift(("B", "A"), Window(hhmm("09:00"), hhmm("17:00")))
    always = Shift(("A", "C"), Window(0, 24 * 60, EVERY_DAY))
    at = utc(2026, 6, 5, 17, 0)  # 10:00 PDT
    assert on_call(["A", "B", "C"], [days, always], [], LA, at) == ["B", "A", "C"]
    assert on_call(["A", "B", "C"], [always, days], [], LA, at) == ["A", "C", "B"]
    assert on_call(["A", "B", "C"], [days], [], LA, utc(2026, 6, 6, 3, 0)) == []  # 20:00


def test_overrides_apply_in_order_and_only_while_active() -> None:
    always = Shift(("A", "B"), Window(0, 24 * 60))
    overrides = [Override("C", FROM, UNTIL, replaces="A"), Override("B", FROM, UNTIL, off=True)]
    assert on_call(["A", "B", "C"], [always], overrides, LA, FROM) == ["C"]
    assert on_call(["A", "B", "C"], [always], overrides, LA, UNTIL) == ["A", "B"]


def test_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call(["A"], [], [], LA, wall("2026-06-05T09:00"))
