"""Durations as operators write them: `45s`, `3m`, `2h`, `7d`, or plain seconds."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")


def parse_duration(value: str | int) -> timedelta:
    """`"45s"` → 45 seconds; `"3m"`, `"2h"`, `"7d"`; an int is seconds. ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number with a unit, like 45s, 3m, 2h or 7d")
    if isinstance(value, int):
        seconds = value
    else:
        match = _PATTERN.match(value)
        if not match:
            raise ValueError(
                f"{value!r} is not a duration; write a number with a unit, like 45s, 3m, 2h or 7d"
            )
        seconds = int(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise ValueError("a duration must be longer than zero")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact form: 90 seconds → `90s`, 3 minutes → `3m`."""
    seconds = int(value.total_seconds())
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"
