"""BMLT (Narcotics Anonymous) `GetSearchResults` JSON → meetings.

Accepts `{"meetings": [...], "formats": [...]}` (asked with `get_used_formats`),
a bare list of meetings, or NDJSON (one meeting per line: the aggregator's daily
export). Every value is a string. A format's key string is chosen by each
server, so formats are read through their NAWS world id; without a format list
only the reserved keys `VM`, `HY` and `TC` can be read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from helpline.errors import FeedError
from helpline.meetings.conference import dial_in, online_url
from helpline.meetings.days import day_from_bmlt, parse_length
from helpline.meetings.importers.address import country_code, join_address
from helpline.meetings.importers.values import (
    DEFAULT_DURATION_MIN,
    Reject,
    checked_default_zone,
    checked_duration,
    clean,
    coordinates,
    keyed_entry,
    plain,
    settled_attendance,
    start_of,
    zone_of,
)
from helpline.meetings.record import Entry, Meeting, Precision, Rejected, RejectReason
from helpline.meetings.source import Source
from helpline.meetings.tags import WORLD_LANGUAGE, bmlt_world

VIRTUAL = "VM"
HYBRID = "HYBR"
RESERVED_KEYS = {"VM": VIRTUAL, "HY": HYBRID, "TC": "TC"}
"""Key strings the root server reserves: the same on every server, format list or not."""

VENUE_IN_PERSON, VENUE_VIRTUAL, VENUE_HYBRID = "1", "2", "3"
_NO_DURATION = frozenset({"", "00:00:00", "00:00", "0:00"})


@dataclass(frozen=True, slots=True)
class Format:
    world_id: str
    name: str


def parse(payload: bytes, source: Source) -> Iterator[Entry]:
    """Every meeting as a Meeting or a Rejected. FeedError if the payload is not BMLT JSON."""
    meetings, formats = _load(payload, source)
    try:
        checked_default_zone(source)
    except ValueError as error:
        raise FeedError(f"default_timezone: {error}", source=source.id) from None
    return _entries(meetings, formats, source)


def _load(payload: bytes, source: Source) -> tuple[list[Any], dict[str, Format]]:
    try:
        data = json.loads(payload)
    except UnicodeDecodeError:
        raise FeedError("the feed is not JSON text (UTF-8)", source=source.id) from None
    except json.JSONDecodeError:
        data = _ndjson(payload, source)
    if isinstance(data, dict) and isinstance(data.get("meetings"), list):
        return data["meetings"], _formats(data.get("formats"))
    if isinstance(data, dict) and "id_bigint" in data:  # NDJSON with a single line
        return [data], {}
    if isinstance(data, list):
        return data, {}
    raise FeedError(
        "the feed is not BMLT search results (a list of meetings, or an object with "
        "'meetings' and 'formats')",
        source=source.id,
    )


def _ndjson(payload: bytes, source: Source) -> list[Any]:
    meetings: list[Any] = []
    for line_number, line in enumerate(payload.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            meetings.append(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError):
            looks_html = payload.lstrip()[:1] == b"<"
            what = "an HTML page" if looks_html else f"not JSON (line {line_number})"
            raise FeedError(f"the feed is {what}", source=source.id) from None
    if not meetings:
        raise FeedError("the feed is empty", source=source.id)
    return meetings


def _formats(value: object) -> dict[str, Format]:
    formats: dict[str, Format] = {}
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and (key := plain(item.get("key_string"))):
            world_id = (plain(item.get("world_id")) or "").upper()
            formats[key] = Format(world_id, plain(item.get("name_string")) or "")
    return formats


def _entries(meetings: list[Any], formats: Mapping[str, Format], source: Source) -> Iterator[Entry]:
    seen: set[str] = set()
    for number_in_feed, raw in enumerate(meetings, start=1):
        if not isinstance(raw, dict):
            kind = "null" if raw is None else type(raw).__name__
            yield Rejected(RejectReason.NOT_AN_OBJECT, None, f"meeting {number_in_feed} is {kind}")
            continue
        yield from keyed_entry(
            raw.get("id_bigint"),
            seen,
            partial(_meetings, raw, formats=formats, source=source),
            where=f"meeting {number_in_feed}",
        )


def _meetings(
    raw: Mapping[str, Any], key: str, formats: Mapping[str, Format], source: Source
) -> list[Meeting]:
    """A BMLT meeting is one weekly slot: a list of one, as every importer's builder returns."""
    name = clean(raw.get("meeting_name"))
    if name is None:
        raise Reject(RejectReason.NO_NAME)
    weekday, clock = plain(raw.get("weekday_tinyint")), plain(raw.get("start_time"))
    if weekday is None or clock is None:
        raise Reject(RejectReason.NO_DAY_OR_TIME)
    try:
        day = day_from_bmlt(weekday)
    except ValueError:
        raise Reject(RejectReason.BAD_DAY, repr(weekday)[:40]) from None
    start = start_of(clock)
    duration = checked_duration(_duration(plain(raw.get("duration_time"))))

    keys = [k.strip() for k in (plain(raw.get("formats")) or "").split(",") if k.strip()]
    world_ids, names = _world(keys, formats)
    tags, languages, closed = bmlt_world(world_ids, names)
    venue = plain(raw.get("venue_type"))
    virtual_only = venue == VENUE_VIRTUAL or (
        venue is None and VIRTUAL in world_ids and HYBRID not in world_ids
    )

    street = clean(raw.get("location_street"))
    locality = clean(raw.get("location_municipality")) or clean(raw.get("location_city_subsection"))
    region = clean(raw.get("location_province"))
    postal = clean(raw.get("location_postal_code_1"))
    nation = plain(raw.get("location_nation"))
    country = country_code(nation) or source.country
    at = coordinates(raw.get("latitude"), raw.get("longitude"))
    precision = _precision(virtual_only, street, at, locality or region or postal)

    url = online_url(raw.get("virtual_meeting_link"))
    phone = dial_in(raw.get("phone_meeting_number"))
    attendance, tags = settled_attendance(
        online_url=url, dial_in=phone, temporarily_closed=closed, precision=precision, tags=tags
    )
    zone, zone_source = zone_of(
        source, record=raw.get("time_zone"), at=at, postal_code=postal, country=country
    )
    # The additional info is about joining online: it goes with whichever way there is.
    joining = clean(raw.get("virtual_meeting_additional_info"), phone)
    extra = {"world_ids": ",".join(sorted(set(world_ids)))} if world_ids else {}
    if venue:
        extra["venue_type"] = venue
    return [
        Meeting(
            id=f"{source.id}:{key}",
            source_id=source.id,
            source_key=key,
            program=source.program,
            name=name,
            day=day,
            start_local=start,
            duration_min=duration,
            timezone=zone,
            timezone_source=zone_source,
            attendance=attendance,
            temporarily_closed=closed,
            tags=tags,
            languages=languages,
            source_types=tuple(keys),
            location_name=clean(raw.get("location_text")),
            street=street if precision is Precision.EXACT else None,
            locality=locality,
            region=region,
            postal_code=postal,
            country=country,
            formatted_address=join_address(
                street, locality, " ".join(p for p in (region, postal) if p) or None, nation
            ),
            latitude=at[0] if at else None,
            longitude=at[1] if at else None,
            location_precision=precision,
            location_notes=clean(raw.get("location_info"), phone),
            online_url=url,
            online_url_notes=joining if url else None,
            dial_in=phone,
            dial_in_notes=joining if phone and not url else None,
            extra=extra,
        )
    ]


def _world(keys: list[str], formats: Mapping[str, Format]) -> tuple[list[str], list[str]]:
    """The meeting's world ids, and the key strings and names that may name a language."""
    world_ids: list[str] = []
    names: list[str] = []
    for key in keys:
        found = formats.get(key)
        if found is None:
            if key in RESERVED_KEYS:
                world_ids.append(RESERVED_KEYS[key])
            continue
        if found.world_id:
            world_ids.append(found.world_id)
        if found.world_id == WORLD_LANGUAGE:
            names.extend((key, found.name))
        elif not found.world_id:
            names.append(found.name)
    return world_ids, names


def _duration(value: str | None) -> int:
    if value is None or value in _NO_DURATION:
        return DEFAULT_DURATION_MIN
    try:
        return parse_length(value)
    except ValueError:
        raise Reject(RejectReason.BAD_DURATION, repr(value)[:40]) from None


def _precision(
    virtual_only: bool, street: str | None, at: tuple[float, float] | None, area: str | None
) -> Precision:
    # A virtual meeting's location is only the area it serves (it still gives the zone).
    if street and not virtual_only:
        return Precision.EXACT
    if street or at or area:
        return Precision.APPROXIMATE
    return Precision.NONE
