"""Where a caller's ZIP code is: its centre, city and time zone, offline (the zipcodes package).

The text a caller sends is theirs: errors carry it as `zip_code` but never
put it in their message, which may be logged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import zipcodes
from tzfpy import get_tz

from helpline.errors import ZipInvalid, ZipUnknown

ZIP_PATTERN = re.compile(r"([0-9]{5})(?:-[0-9]{4})?")
"""Five ASCII digits (the zipcodes package panics on others), optionally ZIP+4; only the five
are looked up."""

ZIP_CACHE_SIZE = 4096
"""A lookup scans the package's table (about half a millisecond); callers repeat ZIPs."""


@dataclass(frozen=True, slots=True)
class ZipPlace:
    zip: str
    latitude: float
    longitude: float
    timezone: str
    """IANA name."""
    city: str
    state: str


def zip_place(text: str) -> ZipPlace:
    """The place of a five-digit ZIP code (ZIP+4 and surrounding spaces accepted)."""
    match = ZIP_PATTERN.fullmatch(text.strip())
    if match is None:
        raise ZipInvalid("not a five-digit ZIP code", zip_code=text)
    place = _lookup(match.group(1))
    if place is None:
        raise ZipUnknown("no such ZIP code, or it has no location", zip_code=text)
    return place


@lru_cache(maxsize=ZIP_CACHE_SIZE)
def _lookup(zip5: str) -> ZipPlace | None:
    rows = zipcodes.matching(zip5)  # type: ignore[no-untyped-call]
    if not rows:
        return None
    row = rows[0]
    latitude, longitude = float(row["lat"]), float(row["long"])
    # APO/DPO and some PO-box ZIPs have "0"/"0.0000": there is nowhere to search from.
    if latitude == 0 and longitude == 0:
        return None
    zone = _zone(row["timezone"], latitude, longitude)
    if zone is None:
        return None
    return ZipPlace(
        zip=zip5,
        latitude=latitude,
        longitude=longitude,
        timezone=zone,
        city=row["city"],
        state=row["state"],
    )


def _zone(name: str, latitude: float, longitude: float) -> str | None:
    """The table's zone when it is a real IANA name (a few are empty or not), else by polygon."""
    try:
        if name:
            ZoneInfo(name)
            return name
    except (ZoneInfoNotFoundError, ValueError):
        pass
    return get_tz(longitude, latitude) or None
