"""A meeting source: one feed, the program it lists, and how to read it.

Operators list sources in `meeting-sources.yaml` beside the flows (see
sources_file.py); `helpline meetings import FILE --format ...` builds one on
the fly. A source's key (for "restricted" Meeting Guide feeds) is read from
the environment variable the entry names, never from the file itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

SOURCE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
"""Source ids appear in meeting ids and Redis keys: short, lower case, no colons."""


def is_url(location: str) -> bool:
    """A feed location is an http(s) URL, or else a file path."""
    return location.startswith(("http://", "https://"))


class FeedFormat(StrEnum):
    MEETING_GUIDE = "meeting-guide"
    BMLT = "bmlt"
    CSV = "csv"


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    id: str
    program: str
    """Every meeting from this source belongs to this program (CSV rows may name their own)."""
    format: FeedFormat
    location: str
    """A file path or an http(s) URL."""
    type_dialect: str | None = None
    """Whose type codes the feed uses (`aa`, `na`, `rd`, ...); defaults to the program."""
    default_timezone: str | None = None
    """For a feed whose whole area is in one zone; leave unset for multi-zone feeds."""
    country: str = "US"
    key: str | None = None
    """Sharing key for a restricted Meeting Guide feed (from the environment; never printed)."""
    search: str | None = None
    """BMLT: the GetSearchResults query for a server URL, e.g. `services=4&recursive=1`."""
    refresh: str | None = None
    """A cron expression for scheduled re-imports, e.g. `15 4 * * *`."""

    def __post_init__(self) -> None:
        if not SOURCE_ID_PATTERN.match(self.id):
            raise ValueError(
                f"source id {self.id!r} must be lower-case letters, digits, '-' or '_' (max 48)"
            )

    @property
    def dialect(self) -> str:
        return self.type_dialect or self.program

    @property
    def is_url(self) -> bool:
        return is_url(self.location)

    def __repr__(self) -> str:  # the key never prints
        key = "***" if self.key else None
        return (
            f"Source(id={self.id!r}, program={self.program!r}, format={self.format.value!r}, "
            f"location={self.location!r}, key={key})"
        )
