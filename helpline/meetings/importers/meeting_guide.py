"""Meeting Guide JSON (the code4recovery spec) → meetings.

Most feeds are written by the TSML WordPress plugin; some by hand-rolled
exporters that bend the spec (day arrays, 12-hour times, US-style dates). Each
entry becomes a Meeting (one per day when it lists several) or a Rejected with
a reason. A payload that is not a JSON array is refused whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from helpline.errors import FeedError
from helpline.meetings.conference import dial_in, online_url
from helpline.meetings.days import parse_day
from helpline.meetings.importers.address import Address, country_code, join_address, split_address
from helpline.meetings.importers.values import (
    Reject,
    checked_default_zone,
    checked_duration,
    clean,
    codes_of,
    coordinates,
    duration_from_end,
    http_url,
    keyed_entry,
    number,
    per_day,
    plain,
    region_path,
    settled_attendance,
    start_of,
    utc,
    zone_of,
)
from helpline.meetings.record import Entry, Meeting, Precision, Rejected, RejectReason
from helpline.meetings.source import Source
from helpline.meetings.tags import normalise

_YES = frozenset({"yes", "true", "1"})
_NO = frozenset({"no", "false", "0"})
# Edmonton's exporter: `8/25/2022 11:17:07 AM`, in the feed's own zone.
_US_STAMP = re.compile(
    r"^(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})\s+(?P<h>\d{1,2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp][Mm])$"
)


def parse(payload: bytes, source: Source) -> Iterator[Entry]:
    """Every entry of the feed as a Meeting or a Rejected. FeedError if it is not a feed.

    The payload is checked before this returns, so a broken feed fails before the
    caller has taken a single meeting.
    """
    entries = _load(payload, source)
    try:
        checked_default_zone(source)
    except ValueError as error:
        raise FeedError(f"default_timezone: {error}", source=source.id) from None
    return _entries(entries, source)


def _load(payload: bytes, source: Source) -> list[Any]:
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as error:
        looks_html = payload.lstrip()[:1] == b"<"
        what = (
            "an HTML page, not JSON"
            if looks_html
            else f"not JSON ({error.msg}, line {error.lineno})"
        )
        raise FeedError(f"the feed is {what}", source=source.id) from None
    except (UnicodeDecodeError, ValueError):
        raise FeedError("the feed is not JSON text (UTF-8)", source=source.id) from None
    if isinstance(data, dict) and "error" in data:
        raise FeedError(
            f"the feed answered with an error: {str(data['error'])[:80]}", source=source.id
        )
    if not isinstance(data, list):
        raise FeedError(
            f"the feed is a JSON {type(data).__name__}, not an array of meetings", source=source.id
        )
    return data


def _entries(entries: list[Any], source: Source) -> Iterator[Entry]:
    seen: set[str] = set()
    for number_in_feed, raw in enumerate(entries, start=1):
        if not isinstance(raw, dict):
            kind = "null" if raw is None else type(raw).__name__
            yield Rejected(RejectReason.NOT_AN_OBJECT, None, f"entry {number_in_feed} is {kind}")
            continue
        yield from keyed_entry(
            raw.get("slug"),
            seen,
            partial(_meetings, raw, source=source),
            where=f"entry {number_in_feed}",
        )


def _meetings(raw: Mapping[str, Any], key: str, source: Source) -> list[Meeting]:
    name = clean(raw.get("name"))
    if name is None:
        raise Reject(RejectReason.NO_NAME)
    days = _days(raw.get("day"))
    clock = raw.get("time")
    if clock is None or clock == "":
        clock = raw.get("start_time")
    if not days or clock is None or clock == "":
        raise Reject(RejectReason.NO_DAY_OR_TIME)
    start = start_of(clock)
    duration = checked_duration(duration_from_end(start, raw.get("end_time")))

    codes = codes_of(raw.get("types"))
    tags, languages, closed = normalise(codes, source.dialect)
    address, formatted = _address(raw)
    at, box = _position(raw)
    precision = _precision(raw.get("approximate"), at, box, address, formatted)
    country = address.country or source.country

    url = online_url(raw.get("conference_url"))
    phone = dial_in(raw.get("conference_phone"))
    attendance, tags = settled_attendance(
        online_url=url, dial_in=phone, temporarily_closed=closed, precision=precision, tags=tags
    )
    zone, zone_source = zone_of(
        source,
        record=raw.get("timezone"),
        at=at,
        postal_code=address.postal_code,
        country=country,
    )
    regions = raw.get("regions")
    common: dict[str, Any] = {
        "source_id": source.id,
        "source_key": key,
        "program": source.program,
        "name": name,
        "start_local": start,
        "duration_min": duration,
        "timezone": zone,
        "timezone_source": zone_source,
        "attendance": attendance,
        "temporarily_closed": closed,
        "tags": tags,
        "languages": languages,
        "source_types": tuple(codes),
        "location_name": clean(raw.get("location")),
        "street": address.street if precision is Precision.EXACT else None,
        "locality": address.locality,
        "region": address.region,
        "postal_code": address.postal_code,
        "country": country,
        "formatted_address": formatted,
        "latitude": at[0] if at else None,
        "longitude": at[1] if at else None,
        "location_precision": precision,
        "location_notes": clean(raw.get("location_notes"), phone),
        "online_url": url,
        "online_url_notes": clean(raw.get("conference_url_notes"), phone) if url else None,
        "dial_in": phone,
        "dial_in_notes": clean(raw.get("conference_phone_notes"), phone) if phone else None,
        "url": http_url(raw.get("url")),
        "notes": clean(raw.get("notes"), phone),
        "region_path": region_path(
            regions
            if isinstance(regions, list) and regions
            else (raw.get("region"), raw.get("sub_region"), raw.get("sub_sub_region"))
        ),
        "updated_at": _updated(raw.get("updated"), zone),
    }
    return per_day(source, key, days, common)


def _days(value: object) -> list[int]:
    """The entry's weekdays (an int, a numeric string, a name, or a list of those)."""
    if value is None or value == "":
        return []
    values = value if isinstance(value, list) else [value]
    days: list[int] = []
    for one in values:
        try:
            day = parse_day(one)
        except ValueError:
            raise Reject(RejectReason.BAD_DAY, repr(one)[:40]) from None
        if day not in days:
            days.append(day)
    return days


def _address(raw: Mapping[str, Any]) -> tuple[Address, str | None]:
    """The address parts and the one-line address, from whichever form the entry uses."""
    street = clean(raw.get("address"))
    city, state, postal = (
        plain(raw.get("city")),
        plain(raw.get("state")),
        plain(raw.get("postal_code")),
    )
    country_text = plain(raw.get("country"))
    line = clean(raw.get("formatted_address"))
    if city or state or postal:
        address = Address(street, city, state, postal, country_code(country_text))
        state_line = " ".join(part for part in (state, postal) if part) or None
        return address, line or join_address(street, city, state_line, country_text)
    if line or street:
        # No parts: the one line is the whole address (Edmonton puts it all in `address`).
        address = split_address(line or street or "")
        code = country_code(country_text)
        if code and not address.country:
            address = replace(address, country=code)
        return address, line or street
    return Address(country=country_code(country_text)), None


def _position(raw: Mapping[str, Any]) -> tuple[tuple[float, float] | None, bool]:
    """(latitude, longitude) and whether it came from a bounding box (approximate)."""
    at = coordinates(raw.get("latitude"), raw.get("longitude"))
    if at is not None:
        return at, False
    text = plain(raw.get("coordinates"))
    if text is None:
        return None, False
    values = [number(part.strip()) for part in text.split(",")]
    if len(values) == 2:
        return coordinates(values[0], values[1]), False
    if len(values) == 4 and None not in values:
        # TSML UI's bounding box: two corners; its middle still says which zone applies.
        lat1, lng1, lat2, lng2 = (v or 0.0 for v in values)
        return coordinates((lat1 + lat2) / 2, (lng1 + lng2) / 2), True
    raise Reject(RejectReason.BAD_COORDINATES, text[:40])


def _precision(
    approximate: object,
    at: tuple[float, float] | None,
    box: bool,
    address: Address,
    formatted: str | None,
) -> Precision:
    """How exact the location is: the entry's own `approximate` flag first.

    Without a flag, an address needs a street to be exact (the TSML UI rule of
    "fewer than four comma parts is approximate", made explicit): "Orange County,
    CA, USA" or "Edmonton, Alberta, T5B 0S5, Canada" cannot be walked to.
    """
    if at is None and address.is_empty and not formatted:
        return Precision.NONE
    if isinstance(approximate, bool):
        return Precision.APPROXIMATE if approximate else Precision.EXACT
    if isinstance(approximate, str):
        flag = approximate.strip().lower()
        if flag in _YES:
            return Precision.APPROXIMATE
        if flag in _NO:
            return Precision.EXACT
    if box:
        return Precision.APPROXIMATE
    return Precision.EXACT if address.street else Precision.APPROXIMATE


def _updated(value: object, zone: str) -> datetime | None:
    """When the entry was last edited, in UTC; None when absent or unreadable."""
    text = plain(value)
    if text is None:
        return None
    try:
        return utc(datetime.fromisoformat(text))  # the spec: `YYYY-MM-DD HH:MM:SS`, UTC
    except ValueError:
        pass
    match = _US_STAMP.match(text)
    if not match:
        return None
    hour = int(match["h"]) % 12 + (12 if match["ampm"].lower() == "pm" else 0)
    try:
        local = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            hour,
            int(match["mi"]),
            int(match["s"] or 0),
            tzinfo=ZoneInfo(zone),  # the exporter does not say; its own zone is the best guess
        )
    except ValueError:
        return None
    return local.astimezone(UTC)
