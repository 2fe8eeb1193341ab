"""Small readers shared by the importers: one feed value in, a checked value out.

A value that makes the entry unusable raises `Reject`, which the importer turns
into a `Rejected` entry; the rest of the feed still imports.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, time
from typing import Any

from helpline.meetings import zones
from helpline.meetings.days import MINUTES_PER_DAY, minutes_between, parse_clock
from helpline.meetings.record import (
    Attendance,
    Entry,
    Meeting,
    Precision,
    Rejected,
    RejectReason,
    Tag,
    TimezoneSource,
    attendance_of,
)
from helpline.meetings.scrub import scrub_text
from helpline.meetings.source import Source

DEFAULT_DURATION_MIN = 60
"""Meeting Guide consumers and BMLT's default server setting both assume an hour."""

MAX_DURATION_MIN = MINUTES_PER_DAY
MAX_KEY_CHARS = 128
"""Keys end up in Redis keys and URLs; the spec caps slugs at 64."""

IN_PERSON_ONLY_TAGS = frozenset({Tag.WHEELCHAIR.value, Tag.CHILD_FRIENDLY.value})
"""Facts about a room, dropped when nobody can go to the room (as TSML UI does)."""


_SPACE = re.compile(r"\s")
_SPACE_OR_COLON = re.compile(r"[\s:]")


class Reject(Exception):
    """This entry cannot become a meeting; the importer records why and goes on."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.detail = detail


def keyed_entry(
    raw_key: object,
    seen: set[str],
    build: Callable[[str], list[Meeting]],
    *,
    where: str,
    duplicate_detail: str = "",
) -> Iterator[Entry]:
    """One feed entry: its key checked and unique in the feed, then its meetings built.

    Every importer goes through here, so a missing or repeated key and a Reject
    from `build` become the same counted Rejected entries whatever the format.
    `where` names the entry ("entry 7", "line 12") when it has no usable key.
    """
    try:
        key = key_of(raw_key)
    except Reject as reject:
        yield Rejected(reject.reason, None, reject.detail or where)
        return
    if key in seen:
        yield Rejected(RejectReason.DUPLICATE_KEY, key, duplicate_detail)
        return
    seen.add(key)
    try:
        meetings = build(key)
    except Reject as reject:
        yield Rejected(reject.reason, key, reject.detail)
        return
    yield from meetings


def per_day(source: Source, key: str, days: list[int], common: Mapping[str, Any]) -> list[Meeting]:
    """One meeting per weekday; the id gains `:{day}` only when an entry lists several days."""
    if len(days) == 1:
        return [Meeting(id=f"{source.id}:{key}", day=days[0], **common)]
    return [Meeting(id=f"{source.id}:{key}:{day}", day=day, **common) for day in days]


def plain(value: object) -> str | None:
    """A string or number as trimmed text; None for null, empty, lists and objects."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def clean(value: object, keep: str | None = None) -> str | None:
    """Free text as the directory may repeat it (no HTML, e-mail or phone numbers)."""
    return scrub_text(value, keep) if isinstance(value, str) else None


def key_of(value: object) -> str:
    """A slug or id as a key; Reject(NO_KEY) when missing or unusable."""
    key = plain(value)
    if key is None:
        raise Reject(RejectReason.NO_KEY)
    if len(key) > MAX_KEY_CHARS or _SPACE_OR_COLON.search(key):
        raise Reject(RejectReason.NO_KEY, f"{key[:40]!r} has spaces or a colon, or is too long")
    return key


def start_of(value: object) -> time:
    try:
        return _clock(value)
    except ValueError:
        raise Reject(RejectReason.BAD_TIME, f"start {_shown(value)}") from None


def duration_from_end(start: time, end: object) -> int:
    """Minutes from start to an end time (past midnight allowed); an hour when absent."""
    if end is None or end == "":
        return DEFAULT_DURATION_MIN
    try:
        end_time = _clock(end)
    except ValueError:
        raise Reject(RejectReason.BAD_TIME, f"end {_shown(end)}") from None
    return minutes_between(start, end_time) or DEFAULT_DURATION_MIN


def checked_duration(minutes: int) -> int:
    if not 0 < minutes <= MAX_DURATION_MIN:
        raise Reject(RejectReason.BAD_DURATION, f"{minutes} minutes")
    return minutes


def number(value: object) -> float | None:
    """A coordinate as a float; None when absent or empty. Reject when not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Reject(RejectReason.BAD_COORDINATES, _shown(value))
    try:
        result = float(value)
    except ValueError:
        raise Reject(RejectReason.BAD_COORDINATES, _shown(value)) from None
    if not math.isfinite(result):
        raise Reject(RejectReason.BAD_COORDINATES, _shown(value))
    return result


def coordinates(latitude: object, longitude: object) -> tuple[float, float] | None:
    """(latitude, longitude), or None when either is missing or both are 0 (a placeholder)."""
    lat, lng = number(latitude), number(longitude)
    if lat is None or lng is None or (lat == 0 and lng == 0):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise Reject(RejectReason.BAD_COORDINATES, f"{lat}, {lng}")
    return lat, lng


_HTTP_URL = re.compile(r"^https?://[^/?#@\s]*[A-Za-z0-9][^/?#@\s]*(?:[/?#]\S*)?$", re.IGNORECASE)
"""http(s), a host, no user info (`user@host` can disguise where a link goes)."""


def http_url(value: object) -> str | None:
    """A web page link, only http(s) with a host."""
    text = plain(value)
    if text is None or _SPACE.search(text):
        return None
    # A regex, not urlsplit: this runs for nearly every meeting and urlsplit is slow.
    return text if _HTTP_URL.match(text) else None


def codes_of(value: object) -> list[str]:
    """A feed's type codes: a list (or a comma string); blanks and non-strings dropped."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list):
        return []
    return [code.strip() for code in value if isinstance(code, str) and code.strip()]


def zone_of(
    source: Source,
    *,
    record: object,
    at: tuple[float, float] | None,
    postal_code: str | None,
    country: str | None,
) -> tuple[str, TimezoneSource]:
    """The meeting's zone (research notes §6.2); Reject when wrong or not found."""
    named = plain(record)
    try:
        found = zones.resolve(
            record=named,
            default=source.default_timezone,
            latitude=at[0] if at else None,
            longitude=at[1] if at else None,
            postal_code=postal_code,
            country=country,
        )
    except ValueError:
        raise Reject(RejectReason.BAD_TIMEZONE, _shown(named)) from None
    if found is None:
        raise Reject(RejectReason.NO_TIMEZONE)
    return found


def checked_default_zone(source: Source) -> None:
    """A source's default zone must be a zone, or every meeting would be misdated."""
    if source.default_timezone:
        zones.zone_name(source.default_timezone)  # ValueError names the problem


def settled_attendance(
    *,
    online_url: str | None,
    dial_in: str | None,
    temporarily_closed: bool,
    precision: Precision,
    tags: frozenset[str],
) -> tuple[Attendance, frozenset[str]]:
    """Attendance by the one rule, and the tags that still make sense with it."""
    attendance = attendance_of(
        online_url=online_url,
        dial_in=dial_in,
        temporarily_closed=temporarily_closed,
        precision=precision,
    )
    if attendance in (Attendance.ONLINE, Attendance.INACTIVE) and tags & IN_PERSON_ONLY_TAGS:
        tags = tags - IN_PERSON_ONLY_TAGS
    return attendance, tags


def utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def region_path(parts: Iterable[object]) -> tuple[str, ...]:
    path: list[str] = []
    for part in parts:
        text = plain(part)
        if text and text not in path:
            path.append(" ".join(text.split()))
    return tuple(path)


def _clock(value: object) -> time:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a clock time")
    return parse_clock(value)


def _shown(value: object) -> str:
    """A bad value, short enough for an import log line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
