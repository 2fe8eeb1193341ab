"""Weekdays and clock times as feeds write them, and the one place their numberings meet.

The helpline stores days as 0 = Sunday ... 6 = Saturday (Meeting Guide). BMLT
counts 1 = Sunday ... 7 = Saturday, and Python's `date.weekday()` 0 = Monday.
Every conversion lives here so no other module does day arithmetic by hand.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from functools import lru_cache

DAYS_IN_WEEK = 7
MINUTES_PER_DAY = 24 * 60

DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")

_DAY_WORDS: dict[str, int] = {}
for _day, _words in enumerate(
    (
        ("sunday", "sun", "su", "domingo", "dom", "do"),
        ("monday", "mon", "mo", "lunes", "lun", "lu"),
        ("tuesday", "tue", "tues", "tu", "martes", "mar", "ma"),
        ("wednesday", "wed", "weds", "we", "miercoles", "mie", "mi"),
        ("thursday", "thu", "thur", "thurs", "th", "jueves", "jue", "ju"),
        ("friday", "fri", "fr", "viernes", "vie", "vi"),
        ("saturday", "sat", "sa", "sabado", "sab"),
    )
):
    for _word in _words:
        _DAY_WORDS[_word] = _day

# `7pm`, `7:30 PM`, `07:30 p.m.`, `12:00:00 AM`
_TWELVE_HOUR = re.compile(
    r"^(?P<h>\d{1,2})(?::(?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?P<ampm>[ap])\.?\s*m\.?$",
    re.IGNORECASE,
)
_TWENTY_FOUR_HOUR = re.compile(r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?$")
_WORD_TIMES = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def day_from_bmlt(weekday_tinyint: str | int) -> int:
    """BMLT `weekday_tinyint` (1 = Sunday ... 7 = Saturday) → 0 = Sunday ... 6 = Saturday."""
    number = _whole_number(weekday_tinyint, "BMLT weekday")
    if not 1 <= number <= DAYS_IN_WEEK:
        raise ValueError(f"BMLT weekday {weekday_tinyint!r} is not 1 (Sunday) to 7 (Saturday)")
    return number - 1


def day_to_bmlt(day: int) -> int:
    """0 = Sunday → BMLT's 1 = Sunday, for its `weekdays=` parameter."""
    return _checked(day) + 1


def day_to_python(day: int) -> int:
    """0 = Sunday → `date.weekday()` numbering (0 = Monday)."""
    return (_checked(day) + 6) % DAYS_IN_WEEK


def day_from_python(weekday: int) -> int:
    """`date.weekday()` (0 = Monday) → 0 = Sunday."""
    if not 0 <= weekday < DAYS_IN_WEEK:
        raise ValueError(f"Python weekday {weekday!r} is not 0 (Monday) to 6 (Sunday)")
    return (weekday + 1) % DAYS_IN_WEEK


def day_name(day: int) -> str:
    return DAY_NAMES[_checked(day)]


def parse_day(value: object) -> int:
    """A Meeting Guide day: 0-6 (int or numeric string), or an English or Spanish day name.

    Names may be abbreviated (`Tue`, `Thurs`) and are read without case or accents
    (`Miércoles`). Anything else raises ValueError.
    """
    if isinstance(value, bool):  # a bool is an int to Python, never a day to a feed
        raise ValueError(f"{value!r} is not a day")
    if isinstance(value, int | float):
        return _checked(_whole_number(value, "day"))
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _checked(int(text))
        found = _DAY_WORDS.get(_folded(text).rstrip("."))
        if found is not None:
            return found
    raise ValueError(f"{value!r} is not a day (0 = Sunday ... 6 = Saturday, or a day name)")


def parse_clock(value: str) -> time:
    """A wall-clock time: `19:30`, `19:30:00`, `7:30 PM`, `7pm`, `Noon`, `Midnight`.

    12 AM is 00:00 and 12 PM is 12:00. `24:00` (an end time at midnight) is 00:00.
    Seconds are dropped. Anything else raises ValueError.
    """
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a clock time")
    return _parse_clock(value.strip())


@lru_cache(maxsize=4096)  # feeds repeat a few dozen distinct times thousands of times
def _parse_clock(text: str) -> time:
    # The common case, `HH:MM`, without a regular expression.
    if len(text) == 5 and text[2] == ":" and text[:2].isdigit() and text[3:].isdigit():
        return _clock(int(text[:2]), int(text[3:]), 0, text)
    word = _WORD_TIMES.get(text.lower())
    if word is not None:
        return word
    match = _TWENTY_FOUR_HOUR.match(text)
    if match:
        return _clock(int(match["h"]), int(match["m"]), int(match["s"] or 0), text)
    match = _TWELVE_HOUR.match(text)
    if match:
        hour = int(match["h"])
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r} is not a clock time: a 12-hour clock runs from 1 to 12")
        hour = hour % 12 + (12 if match["ampm"].lower() == "p" else 0)
        return _clock(hour, int(match["m"] or 0), int(match["s"] or 0), text)
    raise ValueError(f"{text!r} is not a clock time (like 19:30, 7:30 PM or Noon)")


def parse_length(value: str) -> int:
    """A length of time as `H:MM` or `HH:MM:SS` (BMLT's `duration_time`) → whole minutes."""
    match = _TWENTY_FOUR_HOUR.match(value.strip()) if isinstance(value, str) else None
    if not match or int(match["m"]) > 59 or int(match["s"] or 0) > 59:
        raise ValueError(f"{value!r} is not a length of time (like 01:30 or 01:30:00)")
    return int(match["h"]) * 60 + int(match["m"])


def minutes_between(start: time, end: time) -> int:
    """Minutes from start to end on a 24-hour clock; an end before the start is the next day."""
    start_minutes = start.hour * 60 + start.minute
    end_minutes = end.hour * 60 + end.minute
    return (end_minutes - start_minutes) % MINUTES_PER_DAY


def _clock(hour: int, minute: int, second: int, text: str) -> time:
    if hour == 24 and minute == 0 and second == 0:
        return time(0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r} is not a clock time: hours run 0-23, minutes 0-59")
    return time(hour, minute)


def _checked(day: int) -> int:
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < DAYS_IN_WEEK:
        raise ValueError(f"{day!r} is not a day (0 = Sunday ... 6 = Saturday)")
    return day


def _whole_number(value: object, what: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError(f"{what} {value!r} is not a whole number")


def _folded(text: str) -> str:
    """Lower case without accents, so `Miércoles` and `SÁBADO` are found."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
