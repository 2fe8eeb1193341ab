"""The canonical meeting record: one row per weekly slot, in the meeting's own time zone.

Field names follow the Meeting Guide spec where it has one. Days are 0 = Sunday
(Meeting Guide's numbering); every other numbering is converted in days.py.
Nothing here names a person: contact, e-mail, phone and payment fields never
reach this record (see scrub.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, time
from enum import StrEnum
from typing import Any


class Attendance(StrEnum):
    IN_PERSON = "in_person"
    HYBRID = "hybrid"
    ONLINE = "online"
    INACTIVE = "inactive"


class Precision(StrEnum):
    """How exact the address is. Only an exact address can be visited."""

    EXACT = "exact"
    APPROXIMATE = "approximate"
    NONE = "none"


class TimezoneSource(StrEnum):
    """Which step of the resolution order gave the meeting its zone."""

    RECORD = "record"
    SOURCE_DEFAULT = "source_default"
    COORDINATES = "coordinates"
    POSTAL_CODE = "postal_code"


class Tag(StrEnum):
    """The caller-relevant vocabulary every feed's type codes are mapped onto."""

    OPEN = "open"
    CLOSED = "closed"
    SECULAR = "secular"
    NEWCOMER = "newcomer"
    WOMEN = "women"
    MEN = "men"
    LGBTQ = "lgbtq"
    YOUNG_PEOPLE = "young_people"
    SENIORS = "seniors"
    WHEELCHAIR = "wheelchair"
    ASL = "asl"
    SPEAKER = "speaker"
    DISCUSSION = "discussion"
    STEP_STUDY = "step_study"
    LITERATURE = "literature"
    MEDITATION = "meditation"
    CHILD_FRIENDLY = "child_friendly"
    PROOF_OF_ATTENDANCE = "proof_of_attendance"


def attendance_of(
    *, online_url: str | None, dial_in: str | None, temporarily_closed: bool, precision: Precision
) -> Attendance:
    """One rule for every source: a person can go if the place is open and exact."""
    online_ok = online_url is not None or dial_in is not None
    in_person = not temporarily_closed and precision is Precision.EXACT
    if in_person and online_ok:
        return Attendance.HYBRID
    if in_person:
        return Attendance.IN_PERSON
    if online_ok:
        return Attendance.ONLINE
    return Attendance.INACTIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting:
    id: str
    """`{source_id}:{source_key}`, plus `:{day}` when one feed entry lists several days."""
    source_id: str
    source_key: str
    program: str
    """The program's id in programs.yaml (aa, na, smart, ...), set by the source, never guessed."""
    name: str
    day: int
    """0 = Sunday ... 6 = Saturday."""
    start_local: time
    duration_min: int
    timezone: str
    """IANA name; a meeting without one is rejected on import."""
    timezone_source: TimezoneSource
    attendance: Attendance
    temporarily_closed: bool = False
    tags: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    """ISO 639-1 codes from the type codes; empty means not stated (usually English)."""
    source_types: tuple[str, ...] = ()
    location_name: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    formatted_address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: Precision = Precision.NONE
    location_notes: str | None = None
    online_url: str | None = None
    online_url_notes: str | None = None
    dial_in: str | None = None
    dial_in_notes: str | None = None
    url: str | None = None
    """The meeting's own page on its program's site."""
    notes: str | None = None
    region_path: tuple[str, ...] = ()
    updated_at: datetime | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    """Nothing personal: room for a format's harmless leftovers (e.g. BMLT world ids)."""

    @property
    def end_local(self) -> time:
        minutes = (self.start_local.hour * 60 + self.start_local.minute + self.duration_min) % 1440
        return time(minutes // 60, minutes % 60)

    @property
    def in_person(self) -> bool:
        return self.attendance in (Attendance.IN_PERSON, Attendance.HYBRID)

    @property
    def online(self) -> bool:
        return self.attendance in (Attendance.ONLINE, Attendance.HYBRID)

    @property
    def address(self) -> str | None:
        """The address as a caller would type it into a map, or None when not exact."""
        if self.location_precision is not Precision.EXACT:
            return None
        parts = [p for p in (self.street, self.locality) if p]
        if parts:
            return ", ".join(parts)
        return self.formatted_address

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in field order: times as HH:MM, sets as sorted lists, ISO datetimes.

        A shallow copy, not dataclasses.asdict: asdict's deep copies were four fifths
        of an import's time, and every field is immutable.
        """
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["start_local"] = self.start_local.strftime("%H:%M")
        data["tags"] = sorted(self.tags)
        data["languages"] = sorted(self.languages)
        data["source_types"] = list(self.source_types)
        data["region_path"] = list(self.region_path)
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        data["extra"] = dict(self.extra)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Meeting:
        values = {k: v for k, v in data.items() if k in _FIELD_NAMES}
        values["start_local"] = time.fromisoformat(values["start_local"])
        values["tags"] = frozenset(values.get("tags", ()))
        values["languages"] = frozenset(values.get("languages", ()))
        values["source_types"] = tuple(values.get("source_types", ()))
        values["region_path"] = tuple(values.get("region_path", ()))
        values["timezone_source"] = TimezoneSource(values["timezone_source"])
        values["attendance"] = Attendance(values["attendance"])
        values["location_precision"] = Precision(values.get("location_precision", "none"))
        if values.get("updated_at"):
            values["updated_at"] = datetime.fromisoformat(values["updated_at"])
        return cls(**values)


_FIELD_NAMES = tuple(f.name for f in fields(Meeting))


class RejectReason(StrEnum):
    """Why an entry in a feed did not become a meeting. Counted per import."""

    NOT_AN_OBJECT = "not an object"
    NO_NAME = "no name"
    NO_KEY = "no slug or id"
    DUPLICATE_KEY = "duplicate slug or id"
    NO_DAY_OR_TIME = "no weekly day and time (by appointment)"
    BAD_DAY = "day is not a weekday"
    BAD_TIME = "time is not a clock time"
    BAD_DURATION = "duration is not a length of time"
    BAD_COORDINATES = "coordinates out of range"
    NO_TIMEZONE = "no time zone (none in the feed, no source default, coordinates or ZIP)"
    BAD_TIMEZONE = "time zone is not an IANA name"
    UNKNOWN_PROGRAM = "program is not in the catalogue"
    BAD_ROW = "row has more cells than the header has columns"


@dataclass(frozen=True, slots=True)
class Rejected:
    """A feed entry that was not imported, and why. `key` is its slug/id when it had one."""

    reason: RejectReason
    key: str | None = None
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.key}: " if self.key else ""
        return f"{where}{self.reason.value}" + (f" ({self.detail})" if self.detail else "")


Entry = Meeting | Rejected
"""What an importer yields for each entry of a feed."""
