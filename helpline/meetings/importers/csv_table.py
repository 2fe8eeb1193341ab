"""The hand-kept CSV table → meetings, for programs that publish no feed.

SMART Recovery, LifeRing, Women for Sobriety and others list meetings only on
their own web finders. An operator who has a program's permission keeps those
meetings in a spreadsheet saved as CSV; `docs/meetings-csv.md` describes the
columns and `docs/meetings-template.csv` is a start. Headers are plain names in
any case (`Conference URL` is `conference_url`); a misspelled or missing column
refuses the whole file, because a silently ignored column would lose data.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import time
from functools import partial
from typing import Any

from helpline.errors import FeedError
from helpline.meetings.conference import dial_in, online_url
from helpline.meetings.days import parse_day
from helpline.meetings.importers.address import country_code, join_address
from helpline.meetings.importers.values import (
    Reject,
    checked_default_zone,
    checked_duration,
    clean,
    coordinates,
    duration_from_end,
    http_url,
    keyed_entry,
    per_day,
    plain,
    settled_attendance,
    start_of,
    zone_of,
)
from helpline.meetings.record import Entry, Meeting, Precision, Rejected, RejectReason
from helpline.meetings.source import Source
from helpline.meetings.tags import from_labels

REQUIRED_COLUMNS = ("key", "name", "day", "time")
OPTIONAL_COLUMNS = (
    "program",
    "end_time",
    "duration_minutes",
    "timezone",
    "location_name",
    "street",
    "city",
    "state",
    "postal_code",
    "country",
    "latitude",
    "longitude",
    "location_notes",
    "conference_url",
    "conference_phone",
    "conference_notes",
    "types",
    "url",
    "notes",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

ALIASES = {
    "slug": "key",
    "id": "key",
    "start_time": "time",
    "weekday": "day",
    "duration": "duration_minutes",
    "location": "location_name",
    "address": "street",
    "zip": "postal_code",
    "zip_code": "postal_code",
    "province": "state",
    "tz": "timezone",
}
"""Other names people give these columns (Meeting Guide's among them)."""

LIST_SEPARATORS = re.compile(r"[;,]")
"""`types` and `day` hold several values: `secular; women` or `Mon; Wed`."""

_PROGRAM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


def parse(payload: bytes, source: Source) -> Iterator[Entry]:
    """Every row as a Meeting (one per day) or a Rejected. FeedError if the table is unusable."""
    try:
        text = payload.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError:
        raise FeedError(
            "the CSV file is not UTF-8 text (save it as CSV UTF-8)", source=source.id
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise FeedError("the CSV file is empty", source=source.id)
    columns = _columns(header, source)
    try:
        checked_default_zone(source)
    except ValueError as error:
        raise FeedError(f"default_timezone: {error}", source=source.id) from None
    return _entries(reader, columns, source, lambda: reader.line_num)


def _columns(header: list[str], source: Source) -> list[str]:
    columns = [re.sub(r"[\s-]+", "_", name.strip().lower()) for name in header]
    columns = [ALIASES.get(name, name) for name in columns]
    unknown = [name for name in columns if name and name not in COLUMNS]
    if unknown:
        raise FeedError(
            f"unknown column(s): {', '.join(unknown)} (see docs/meetings-csv.md)", source=source.id
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise FeedError(f"missing required column(s): {', '.join(missing)}", source=source.id)
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise FeedError(f"column(s) given twice: {', '.join(repeated)}", source=source.id)
    return columns


def _entries(
    rows: Iterator[list[str]], columns: list[str], source: Source, line: Callable[[], int]
) -> Iterator[Entry]:
    seen: set[str] = set()
    width = len(columns)
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            yield Rejected(RejectReason.BAD_ROW, plain(row[0]) if row else None, f"line {line()}")
            continue
        cells = {name: row[i].strip() for i, name in enumerate(columns) if name and i < len(row)}
        yield from keyed_entry(
            cells.get("key"),
            seen,
            partial(_meetings, cells, source=source),
            where=f"line {line()}",
            duplicate_detail=f"line {line()}",
        )


def _meetings(cells: Mapping[str, str], key: str, source: Source) -> list[Meeting]:
    program = cells.get("program") or source.program
    if not _PROGRAM_KEY.match(program):
        raise Reject(RejectReason.UNKNOWN_PROGRAM, repr(program)[:40])
    name = clean(cells.get("name"))
    if name is None:
        raise Reject(RejectReason.NO_NAME)
    days = _days(cells.get("day", ""))
    if not days or not cells.get("time"):
        raise Reject(RejectReason.NO_DAY_OR_TIME)
    start = start_of(cells["time"])
    duration = checked_duration(_duration(cells, start))

    labels = [label for label in LIST_SEPARATORS.split(cells.get("types", "")) if label.strip()]
    dialect = source.type_dialect or program
    tags, languages, closed = from_labels(labels, dialect)

    street, city = clean(cells.get("street")), clean(cells.get("city"))
    state, postal = clean(cells.get("state")), clean(cells.get("postal_code"))
    country_text = plain(cells.get("country"))
    country = country_code(country_text) or source.country
    at = coordinates(cells.get("latitude"), cells.get("longitude"))
    if street:
        precision = Precision.EXACT
    elif city or state or postal or at:
        precision = Precision.APPROXIMATE
    else:
        precision = Precision.NONE

    url = online_url(cells.get("conference_url"))
    phone = dial_in(cells.get("conference_phone"))
    attendance, tags = settled_attendance(
        online_url=url, dial_in=phone, temporarily_closed=closed, precision=precision, tags=tags
    )
    zone, zone_source = zone_of(
        source, record=cells.get("timezone"), at=at, postal_code=postal, country=country
    )
    joining = clean(cells.get("conference_notes"), phone)
    common: dict[str, Any] = {
        "source_id": source.id,
        "source_key": key,
        "program": program,
        "name": name,
        "start_local": start,
        "duration_min": duration,
        "timezone": zone,
        "timezone_source": zone_source,
        "attendance": attendance,
        "temporarily_closed": closed,
        "tags": tags,
        "languages": languages,
        "source_types": tuple(label.strip() for label in labels),
        "location_name": clean(cells.get("location_name")),
        "street": street,
        "locality": city,
        "region": state,
        "postal_code": postal,
        "country": country,
        "formatted_address": join_address(
            street, city, " ".join(p for p in (state, postal) if p) or None, country_text
        ),
        "latitude": at[0] if at else None,
        "longitude": at[1] if at else None,
        "location_precision": precision,
        "location_notes": clean(cells.get("location_notes"), phone),
        "online_url": url,
        "online_url_notes": joining if url else None,
        "dial_in": phone,
        "dial_in_notes": joining if phone and not url else None,
        "url": http_url(cells.get("url")),
        "notes": clean(cells.get("notes"), phone),
    }
    return per_day(source, key, days, common)


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in LIST_SEPARATORS.split(text):
        if not part.strip():
            continue
        try:
            day = parse_day(part)
        except ValueError:
            raise Reject(RejectReason.BAD_DAY, repr(part.strip())[:40]) from None
        if day not in days:
            days.append(day)
    return days


def _duration(cells: Mapping[str, str], start: time) -> int:
    end, minutes = cells.get("end_time", ""), cells.get("duration_minutes", "")
    if not minutes:
        return duration_from_end(start, end)
    if not minutes.isdigit():
        raise Reject(RejectReason.BAD_DURATION, repr(minutes)[:40])
    if end and duration_from_end(start, end) != int(minutes):
        raise Reject(RejectReason.BAD_DURATION, "end_time and duration_minutes disagree")
    return int(minutes)
