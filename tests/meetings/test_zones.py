"""zones.py: names and aliases, then the resolution order record → default → coordinates → ZIP."""

from __future__ import annotations

from typing import Any

import pytest

from helpline.meetings import zones
from helpline.meetings.record import TimezoneSource
from helpline.meetings.zones import resolve, zone_at, zone_name, zone_of_zip

NEW_YORK = (40.7128, -74.0060)
PHOENIX = (33.4484, -112.0740)
MID_ATLANTIC = (40.0, -30.0)  # open sea: tzfpy answers Etc/GMT+2


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("America/Chicago", "America/Chicago"),
        (" America/Edmonton ", "America/Edmonton"),
        ("ET", "America/New_York"),
        ("EST", "America/New_York"),
        ("edt", "America/New_York"),
        ("Eastern", "America/New_York"),
        ("CST", "America/Chicago"),
        ("Mountain", "America/Denver"),
        ("PT", "America/Los_Angeles"),
        ("Pacific", "America/Los_Angeles"),
        ("HST", "Pacific/Honolulu"),
        ("UTC", "UTC"),
    ],
)
def test_zone_names_and_aliases(name: str, zone: str) -> None:
    assert zone_name(name) == zone


@pytest.mark.parametrize(
    "bad", ["GMT", "CET", "EST5EDT", "Mars/Olympus", "", "../../etc/passwd", "7"]
)
def test_unknown_zone_names_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a time zone"):
        zone_name(bad)


def test_coordinates_are_read_longitude_first() -> None:
    assert zone_at(*NEW_YORK) == "America/New_York"
    assert zone_at(*PHOENIX) == "America/Phoenix"
    # The same numbers swapped land in Antarctica: the argument order matters.
    assert zone_at(NEW_YORK[1], NEW_YORK[0]) != "America/New_York"


@pytest.mark.parametrize("where", [(0.0, 0.0), MID_ATLANTIC])
def test_placeholder_and_sea_coordinates_have_no_zone(where: tuple[float, float]) -> None:
    assert zone_at(*where) is None


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("85001", "America/Phoenix"),
        ("86044", "America/Denver"),  # Tonalea, Navajo Nation keeps daylight time
        ("12345-6789", "America/New_York"),  # ZIP+4
        ("09905", "America/New_York"),  # coordinates "0" but a zone
        ("09001", None),  # military: no zone
        ("00000", None),
        ("1234", None),
        ("T6E 4E8", None),  # Canadian postcodes are not ZIP codes
    ],
)
def test_zip_codes(code: str, zone: str | None) -> None:
    assert zone_of_zip(code) == zone


def test_resolution_order() -> None:
    everything: dict[str, Any] = {
        "default": "America/Chicago",
        "latitude": PHOENIX[0],
        "longitude": PHOENIX[1],
        "postal_code": "86044",
    }
    assert resolve(record="EST", **everything) == ("America/New_York", TimezoneSource.RECORD)
    assert resolve(**everything) == ("America/Chicago", TimezoneSource.SOURCE_DEFAULT)
    del everything["default"]
    assert resolve(**everything) == ("America/Phoenix", TimezoneSource.COORDINATES)
    del everything["latitude"]
    assert resolve(**everything) == ("America/Denver", TimezoneSource.POSTAL_CODE)
    assert resolve() is None


def test_unusable_coordinates_fall_through_to_the_zip_code() -> None:
    for latitude, longitude in ((0.0, 0.0), MID_ATLANTIC):
        found = resolve(latitude=latitude, longitude=longitude, postal_code="85001")
        assert found == ("America/Phoenix", TimezoneSource.POSTAL_CODE)


def test_zip_codes_are_only_read_for_us_addresses() -> None:
    assert resolve(postal_code="85001", country="US") is not None
    assert resolve(postal_code="85001", country="CA") is None


def test_a_bad_record_zone_raises_rather_than_falling_back() -> None:
    with pytest.raises(ValueError, match="not a time zone"):
        resolve(record="Mars/Olympus", default="America/Chicago")


def test_lookups_are_cached() -> None:
    zones._zone_of_zip.cache_clear()
    zones._zone_at.cache_clear()
    for _ in range(3):
        zone_of_zip("85001")
        zone_of_zip("85001-1234")
        zone_at(33.44841, -112.07401)  # rounds to the same place as PHOENIX
        zone_at(*PHOENIX)
    assert zones._zone_of_zip.cache_info().misses == 1
    assert zones._zone_at.cache_info().misses == 1
