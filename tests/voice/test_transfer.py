"""Who is dialled next for a caller on hold, and when the 24/7 line takes over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from helpline.voice.transfer import DIAL_SECONDS, HOLD_CEILING, MAX_DIALS, next_staff

START = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
LADDER = ("Sam", "Dana", "Lee")


@pytest.mark.parametrize(
    ("tried", "busy", "waited", "expected"),
    [
        ((), (), timedelta(0), "Sam"),
        (("Sam",), (), timedelta(seconds=20), "Dana"),
        ((), ("Sam",), timedelta(0), "Dana"),
        (("Sam",), ("Dana",), timedelta(seconds=20), "Lee"),
        (("Sam", "Dana", "Lee"), (), timedelta(seconds=60), None),
        ((), ("Sam", "Dana", "Lee"), timedelta(0), None),
        # One more ring must end by the ceiling: at 1:41 a 20-second ring would not.
        ((), (), HOLD_CEILING - timedelta(seconds=DIAL_SECONDS - 1), None),
        ((), (), HOLD_CEILING - timedelta(seconds=DIAL_SECONDS), "Sam"),
    ],
)
def test_next_staff(
    tried: tuple[str, ...], busy: tuple[str, ...], waited: timedelta, expected: str | None
) -> None:
    got = next_staff(LADDER, tried=tried, busy=busy, started=START, now=START + waited)
    assert got == expected


def test_nobody_on_call_means_the_crisis_line() -> None:
    assert next_staff((), tried=(), busy=(), started=START, now=START) is None


def test_dials_are_capped_whatever_the_clock() -> None:
    many = tuple(f"s{i}" for i in range(MAX_DIALS + 2))
    assert next_staff(many, tried=many[:MAX_DIALS], busy=(), started=START, now=START) is None
    assert next_staff(many, tried=many[: MAX_DIALS - 1], busy=(), started=START, now=START)
