"""Addresses as feeds write them, split into the parts the directory keeps.

TSML writes one line, "street, city, ST 12345, USA"; others add a building name
in front or write Canadian postcodes ("..., Edmonton, Alberta, T6E 4E8, Canada").
The split works from the end: country, postal code, region, locality; whatever
is left in front is the street. An address with no street left is approximate
(a city, a county): nobody can be sent there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COUNTRIES = {
    "usa": "US",
    "us": "US",
    "u.s.a.": "US",
    "u.s.": "US",
    "united states": "US",
    "united states of america": "US",
    "canada": "CA",
    "mexico": "MX",
    "méxico": "MX",
    "uk": "GB",
    "united kingdom": "GB",
    "puerto rico": "PR",
}
"""Country names written out in addresses. Two-letter codes alone are not read here:
"Orange County, CA" ends with California, not Canada."""

_POSTAL = r"\d{5}(?:-\d{4})?|[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d"
_POSTAL_ONLY = re.compile(rf"^(?:{_POSTAL})$")
_REGION_AND_POSTAL = re.compile(rf"^(?P<region>[^\d,]+?)\s+(?P<postal>{_POSTAL})$")
_REGION = re.compile(r"^[^\d]{2,40}$")


@dataclass(frozen=True, slots=True)
class Address:
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    """ISO 3166-1 alpha-2 when the address names one."""

    @property
    def is_empty(self) -> bool:
        return not (self.street or self.locality or self.region or self.postal_code)


def split_address(line: str) -> Address:
    """One address line → its parts, from the end (see the module docstring)."""
    parts = [part.strip() for part in line.split(",")]
    parts = [part for part in parts if part]
    country = postal = region = locality = None
    if len(parts) > 1:
        country = _COUNTRIES.get(parts[-1].lower())
        if country:
            parts.pop()
    if parts and _POSTAL_ONLY.match(parts[-1]):
        postal = parts.pop()
    if parts and postal is None:
        match = _REGION_AND_POSTAL.match(parts[-1])
        if match:
            region, postal = match["region"].strip(), match["postal"]
            parts.pop()
    if region is None and len(parts) > 1 and _REGION.match(parts[-1]):
        region = parts.pop()
    if parts:
        locality = parts.pop()
    street = ", ".join(parts) or None
    return Address(street, locality, region, postal.upper() if postal else None, country)


def country_code(value: str | None) -> str | None:
    """A country field (`US`, `USA`, `Canada`) → ISO alpha-2, or None when unknown."""
    if not value:
        return None
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return _COUNTRIES.get(text.lower())


def join_address(*parts: str | None) -> str | None:
    """The parts that exist, joined as one line."""
    line = ", ".join(part for part in parts if part)
    return line or None
