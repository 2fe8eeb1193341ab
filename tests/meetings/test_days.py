"""days.py: every day numbering against the calendar, and clock times as feeds write them."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from helpline.meetings.days import (
    day_from_bmlt,
    day_from_python,
    day_name,
    day_to_bmlt,
    day_to_python,
    minutes_between,
    parse_clock,
    parse_day,
    parse_length,
)

A_SUNDAY = date(2026, 3, 8)  # also the US spring-forward day


def test_the_reference_date_is_a_sunday() -> None:
    assert A_SUNDAY.strftime("%A") == "Sunday"


def test_sunday_in_every_scheme() -> None:
    assert parse_day(0) == 0
    assert day_from_bmlt("1") == 0
    assert day_to_bmlt(0) == 1
    assert day_to_python(0) == A_SUNDAY.weekday() == 6
    assert day_from_python(6) == 0
    assert day_name(0) == "Sunday"


@pytest.mark.parametrize("day", range(7))
def test_every_day_agrees_with_the_calendar(day: int) -> None:
    calendar_day = A_SUNDAY + timedelta(days=day)
    assert day_to_python(day) == calendar_day.weekday()
    assert day_from_python(calendar_day.weekday()) == day
    assert day_from_bmlt(str(day + 1)) == day
    assert day_to_bmlt(day) == day + 1
    assert day_name(day) == calendar_day.strftime("%A")
    assert parse_day(calendar_day.strftime("%A")) == day
    assert parse_day(calendar_day.strftime("%a")) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Sunday", 0),
        ("sunday", 0),
        (" SUN ", 0),
        ("Tues", 2),
        ("Thurs", 4),
        ("thu.", 4),
        ("Weds", 3),
        ("domingo", 0),
        ("Miércoles", 3),
        ("MIERCOLES", 3),
        ("sábado", 6),
        ("Jueves", 4),
        ("3", 3),
        (" 6 ", 6),
        (5, 5),
        (2.0, 2),
    ],
)
def test_day_names_and_numbers(text: object, day: int) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize("bad", [7, -1, "9", "-1", "Funday", "", True, None, 1.5, [1], "7"])
def test_bad_days_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"not a (day|whole number)"):
        parse_day(bad)


@pytest.mark.parametrize("bad", ["0", "8", 0, "", "x", 1.5])
def test_bad_bmlt_weekdays_are_refused(bad: str | int) -> None:
    with pytest.raises(ValueError, match="BMLT weekday"):
        day_from_bmlt(bad)


@pytest.mark.parametrize("bad", [-1, 7])
def test_out_of_range_conversions_are_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="not a day"):
        day_to_python(bad)
    with pytest.raises(ValueError, match="not a day"):
        day_to_bmlt(bad)
    with pytest.raises(ValueError, match="Python weekday"):
        day_from_python(bad)


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("19:30", time(19, 30)),
        ("07:05", time(7, 5)),
        ("7:05", time(7, 5)),
        ("19:30:00", time(19, 30)),
        ("00:00", time(0, 0)),
        ("24:00", time(0, 0)),  # an end time at midnight
        ("24:00:00", time(0, 0)),
        ("12:00 AM", time(0, 0)),
        ("12:30 am", time(0, 30)),
        ("12:00 PM", time(12, 0)),
        ("12:01 PM", time(12, 1)),
        ("1:00 AM", time(1, 0)),
        ("11:59 PM", time(23, 59)),
        ("08:30 PM", time(20, 30)),
        ("7pm", time(19, 0)),
        ("7 PM", time(19, 0)),
        ("7:30 p.m.", time(19, 30)),
        ("9:15:00 AM", time(9, 15)),
        ("Noon", time(12, 0)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
    ],
)
def test_clock_times(text: str, clock: time) -> None:
    assert parse_clock(text) == clock


@pytest.mark.parametrize(
    "bad",
    ["25:99", "24:01", "19:60", "13pm", "0 AM", "12:60 PM", "", "7", "noonish", "12:00 XM", "7.30"],
)
def test_bad_clock_times_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a clock time"):
        parse_clock(bad)


def test_a_non_string_clock_time_is_refused() -> None:
    with pytest.raises(ValueError, match="not a clock time"):
        parse_clock(1930)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("01:00:00", 60), ("01:30:00", 90), ("00:45", 45), ("2:15", 135), ("24:00:00", 1440)],
)
def test_lengths(text: str, minutes: int) -> None:
    assert parse_length(text) == minutes


@pytest.mark.parametrize("bad", ["1:75", "abc", "", "90", "01:00:61"])
def test_bad_lengths_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a length of time"):
        parse_length(bad)


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        (time(19, 0), time(20, 0), 60),
        (time(23, 0), time(0, 30), 90),  # past midnight
        (time(22, 30), time(0, 0), 90),
        (time(12, 0), time(12, 0), 0),
    ],
)
def test_minutes_between(start: time, end: time, minutes: int) -> None:
    assert minutes_between(start, end) == minutes
