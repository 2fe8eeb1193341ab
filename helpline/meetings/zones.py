"""A meeting's time zone: from the record, the source, its coordinates or its ZIP code.

Feeds rarely name a zone, and a meeting at "7 PM" means nothing without one.
The order (research notes §6.2): the record's own zone, the source's default
(for a feed whose whole area is in one zone), the zone polygon under the
coordinates (approximate ones too: an online meeting's rough location still
says which zone it keeps), then the US ZIP code. Lookups are cached because
an import resolves thousands of meetings at a handful of places.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tzfpy
import zipcodes

from helpline.meetings.record import TimezoneSource

ALIASES: dict[str, str] = {
    # The plugin's own aliases ($tsml_timezone_aliases), and the abbreviations people type.
    "ET": "America/New_York",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "EASTERN": "America/New_York",
    "CT": "America/Chicago",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "CENTRAL": "America/Chicago",
    "MT": "America/Denver",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "MOUNTAIN": "America/Denver",
    "PT": "America/Los_Angeles",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PACIFIC": "America/Los_Angeles",
    "AKT": "America/Anchorage",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
    "ALASKA": "America/Anchorage",
    "HT": "Pacific/Honolulu",
    "HST": "Pacific/Honolulu",
    "HAWAII": "Pacific/Honolulu",
    "ARIZONA": "America/Phoenix",
}

COORDINATE_DECIMALS = 3
"""Coordinates are rounded to about 100 m before lookup (the polygons are simplified
to about 111 m anyway), so meetings at one place share one cache entry."""

_matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching  # the package is untyped
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_US = frozenset({"US", "USA"})


def zone_name(name: str) -> str:
    """An IANA zone name, or one of the aliases above → the IANA name. ValueError otherwise.

    Bare abbreviations that are not aliases (`GMT`, `CET`, `EST5EDT`) are refused:
    a feed that writes one may well mean the daylight-saving zone, and guessing
    wrong moves every meeting by an hour for half the year.
    """
    return _zone_name(name.strip())


@lru_cache(maxsize=512)
def _zone_name(name: str) -> str:
    canonical = ALIASES.get(name.upper(), name)
    if canonical != "UTC" and "/" not in canonical:
        raise ValueError(f"{name!r} is not a time zone (use an IANA name like America/Chicago)")
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a time zone (use an IANA name like America/Chicago)"
        ) from None
    return canonical


def resolve(
    *,
    record: str | None = None,
    default: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    postal_code: str | None = None,
    country: str | None = None,
) -> tuple[str, TimezoneSource] | None:
    """The meeting's zone and which step found it, or None when nothing did.

    A record zone that is not a zone raises ValueError (the entry is wrong, and a
    fallback would hide that); so does a bad default (the source is wrong).
    """
    if record:
        return zone_name(record), TimezoneSource.RECORD
    if default:
        return zone_name(default), TimezoneSource.SOURCE_DEFAULT
    if latitude is not None and longitude is not None:
        found = zone_at(latitude, longitude)
        if found:
            return found, TimezoneSource.COORDINATES
    if postal_code and (country is None or country.upper() in _US):
        found = zone_of_zip(postal_code)
        if found:
            return found, TimezoneSource.POSTAL_CODE
    return None


def zone_at(latitude: float, longitude: float) -> str | None:
    """The zone at a point, or None for (0, 0), the open sea, or no coverage."""
    if latitude == 0 and longitude == 0:  # a placeholder, not a place
        return None
    return _zone_at(round(latitude, COORDINATE_DECIMALS), round(longitude, COORDINATE_DECIMALS))


@lru_cache(maxsize=65536)
def _zone_at(latitude: float, longitude: float) -> str | None:
    name = tzfpy.get_tz(longitude, latitude)  # longitude first
    # Etc/GMT±N only covers the open sea: a meeting there has bad coordinates.
    if not name or name.startswith("Etc/"):
        return None
    return name


def zone_of_zip(postal_code: str) -> str | None:
    """The zone of a US ZIP code (ZIP+4 accepted), or None if unknown or zone-less."""
    code = postal_code.strip()
    if not _ZIP.match(code):
        return None
    return _zone_of_zip(code[:5])


@lru_cache(maxsize=16384)
def _zone_of_zip(code: str) -> str | None:
    found = _matching(code)
    name = found[0].get("timezone") if found else None  # military ZIPs have none
    return name if isinstance(name, str) and name else None
