"""The on-call roster: who may be paged, and when (`HELPLINE_ONCALL`, `flows/oncall.yaml`).

Operators edit the file by hand, so it is checked strictly at load and every
problem is reported at once as `file:line: message`. Phone numbers are never
quoted back in a message: an entry is named by its place and name instead.
The format is documented in docs/oncall.example.yaml; who is on call when is
worked out in schedule.py.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from helpline.durations import format_duration, parse_duration
from helpline.errors import FlowDefinitionError, FlowProblems
from helpline.flowfiles.schema_errors import problems_from_validation
from helpline.flowfiles.yaml_loader import YamlDocument, load_yaml_file
from helpline.oncall.schedule import (
    EVERY_DAY,
    MINUTES_PER_DAY,
    Layer,
    Override,
    Rotation,
    Shift,
    Window,
    local_instant,
    on_call,
)
from helpline.programs.catalogue import LanguageCode

MIN_ACK_TIMEOUT = timedelta(seconds=10)
"""Less than this and a phone cannot even ring before the ladder moves on."""
MAX_ACK_TIMEOUT = timedelta(hours=1)
"""A person in crisis should not wait longer than this for one step."""
MAX_REPEAT = 10
MAX_STAFF = 200
MAX_NAME_CHARS = 40
MAX_EVERY_DAYS = 365
MAX_NAMES_LISTED = 8
"""An unknown name's message lists the staff names when there are no more than this."""
FINAL_STEPS = ("crisis_line",)
"""What happens when nobody acknowledges; the 24/7 line is the only one so far."""
DEFAULT_LANGUAGES = ("en",)
EXAMPLE_PHONE = "+15550100001"
PHONE_REGION = "US"
"""Numbers written without a country code are read as this country's, as settings.e164 does."""
_IS_POSSIBLE = phonenumbers.ValidationResult.IS_POSSIBLE

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""In `date.weekday()` order."""
LAYER_SECTIONS = ("shifts", "rotations")

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_EVERY = re.compile(r"^\s*(\d+)\s*([dw])\s*$")


# --- the model the rest of the helpline uses ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Staff:
    name: str
    phone: str = field(repr=False)  # E.164; kept out of reprs so it never reaches a log
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    voice: bool = False
    """Paged by a phone call as well as by SMS."""

    def speaks(self, language: str) -> bool:
        """Whether they speak `language`: `es`, or a regional form like `es-MX`."""
        return base_language(language) in self.languages


def base_language(language: str) -> str:
    """`es-MX`, `es_mx` and ` ES ` → `es`: staff list two-letter codes."""
    return re.split(r"[-_]", language.strip().lower())[0]


@dataclass(frozen=True)
class Roster:
    path: Path
    timezone: ZoneInfo
    ack_timeout: timedelta
    repeat: int
    final: str
    staff: tuple[Staff, ...]
    layers: tuple[Layer, ...] = ()
    """Shifts and rotations in file order: the ladder takes people in this order."""
    overrides: tuple[Override, ...] = ()

    @property
    def shifts(self) -> tuple[Shift, ...]:
        return tuple(layer for layer in self.layers if isinstance(layer, Shift))

    @property
    def rotations(self) -> tuple[Rotation, ...]:
        return tuple(layer for layer in self.layers if isinstance(layer, Rotation))

    @cached_property
    def _by_name(self) -> dict[str, Staff]:
        return {person.name: person for person in self.staff}

    def on_call(self, at: datetime) -> list[Staff]:
        """Who is on call at `at` (timezone-aware), in ladder order."""
        names = on_call(
            [person.name for person in self.staff],
            self.layers,
            self.overrides,
            self.timezone,
            at,
        )
        return [self._by_name[name] for name in names]

    def ladder(self, at: datetime, language: str | None) -> list[Staff]:
        """on_call(at), with those who speak the caller's language first (otherwise in order)."""
        people = self.on_call(at)
        if not language:
            return people
        first = [p for p in people if p.speaks(language)]
        return first + [p for p in people if not p.speaks(language)]

    def by_phone(self, phone: str) -> Staff | None:
        """The person with this number; any way of writing it that normalises the same."""
        wanted = phone if phone.startswith("+") and phone[1:].isdigit() else _normal_phone(phone)
        return next((person for person in self.staff if person.phone == wanted), None)

    def by_name(self, name: str) -> Staff | None:
        # Names are unique regardless of case (the loader checks), so case need not match.
        wanted = name.strip().casefold()
        return next((p for p in self.staff if p.name.casefold() == wanted), None)


# --- the file as written -----------------------------------------------------------------


def _custom(kind: str, message: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, context)


NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
"""Names that load but are no place's time: the machine's own zone, or none at all."""


def _zone(name: str) -> str:
    try:
        if name in NOT_ZONES or name.startswith(("posix/", "right/")):
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _custom(
            "time_zone",
            "'{name}' is not an IANA time zone, like America/Los_Angeles",
            name=name,
        ) from None
    return name


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str | int):
        raise _custom("duration", "must be a duration, like 45s or 3m")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise _custom("duration", "{reason}", reason=str(exc)) from None


def _ack_timeout(value: timedelta) -> timedelta:
    if not MIN_ACK_TIMEOUT <= value <= MAX_ACK_TIMEOUT:
        raise _custom(
            "ack_timeout",
            "must be from {low} to {high}, like 3m",
            low=format_duration(MIN_ACK_TIMEOUT),
            high=format_duration(MAX_ACK_TIMEOUT),
        )
    return value


def _repeat(value: int) -> int:
    if not 0 <= value <= MAX_REPEAT:
        raise _custom("repeat", "must be a whole number from 0 to {high}", high=MAX_REPEAT)
    return value


def _final(value: str) -> str:
    if value not in FINAL_STEPS:
        raise _custom(
            "final",
            "'{value}' is not a final step; only {known} is supported for now",
            value=value,
            known=", ".join(FINAL_STEPS),
        )
    return value


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise _custom("empty_name", "must not be empty")
    return value


def _phone_text(value: Any) -> Any:
    # Unquoted, YAML reads +15550100001 as a number and drops the +; never guess it back.
    if not isinstance(value, str):
        raise _custom(
            "phone", 'write the phone number in quotes, like "{example}"', example=EXAMPLE_PHONE
        )
    return value


def _clock(value: Any, *, end: bool) -> int:
    """`HH:MM` as minutes after midnight; `24:00` only as an end."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 22:00 as the base-60 number 1320.
        raise _custom("clock", 'write clock times in quotes, like "22:00"')
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise _custom("clock", "'{value}' is not a clock time like \"22:00\"", value=value)
    hour, minute = int(match[1]), int(match[2])
    if end and (hour, minute) == (24, 0):
        return MINUTES_PER_DAY
    if hour > 23 or minute > 59:
        limit = "00:00 to 23:59, or 24:00 as an end" if end else "00:00 to 23:59"
        raise _custom(
            "clock", "'{value}' is not a clock time: they run {limit}", value=value, limit=limit
        )
    return hour * 60 + minute


def _day(value: Any) -> int:
    if isinstance(value, str) and value.strip().lower() in DAY_NAMES:
        return DAY_NAMES.index(value.strip().lower())
    raise _custom(
        "day", "'{value}' is not a day; write {days}", value=value, days=", ".join(DAY_NAMES)
    )


def _days(values: list[int]) -> list[int]:
    if not values:
        raise _custom("empty_list", "must list at least one day (leave it out for every day)")
    _no_repeats([DAY_NAMES[day] for day in values])
    return values


def _no_repeats(values: list[Any]) -> list[Any]:
    for value in values:
        if values.count(value) > 1:
            raise _custom("duplicate", "lists '{value}' twice", value=value)
    return values


def _some(values: list[Any]) -> list[Any]:
    if not values:
        raise _custom("empty_list", "must list at least one")
    return values


def _every(value: Any) -> int:
    match = _EVERY.match(value) if isinstance(value, str) else None
    if match is None:
        raise _custom("every", "must be a number of days or weeks, like 1d, 3d, 1w or 2w")
    days = int(match[1]) * (7 if match[2] == "w" else 1)
    if not 1 <= days <= MAX_EVERY_DAYS:
        raise _custom("every", "must be from 1d to {high}d (52w)", high=MAX_EVERY_DAYS)
    return days


def _local_time(value: Any) -> datetime:
    """A wall-clock date and time in the roster's zone: `2026-12-24T18:00`, or a date."""
    if isinstance(value, datetime):
        when = value  # YAML reads unquoted times with seconds as datetimes
    elif isinstance(value, date):
        when = datetime.combine(value, datetime.min.time())
    elif isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            raise _custom(
                "local_time", "'{value}' is not a date and time like 2026-12-24T18:00", value=value
            ) from None
    else:
        raise _custom("local_time", "must be a date and time like 2026-12-24T18:00")
    if when.tzinfo is not None:
        raise _custom(
            "local_time",
            "write it without a UTC offset, like 2026-12-24T18:00: "
            "it is read in the roster's time zone",
        )
    return when.replace(second=0, microsecond=0)


Name = Annotated[str, AfterValidator(_name), Field(max_length=MAX_NAME_CHARS)]
Names = Annotated[list[Name], AfterValidator(_some), AfterValidator(_no_repeats)]
StartClock = Annotated[int, BeforeValidator(lambda v: _clock(v, end=False))]
EndClock = Annotated[int, BeforeValidator(lambda v: _clock(v, end=True))]
Days = Annotated[list[Annotated[int, BeforeValidator(_day)]], AfterValidator(_days)]
LocalTime = Annotated[datetime, BeforeValidator(_local_time)]


class _Doc(BaseModel):
    # strict: YAML "1" is not 1, and pydantic's lax mode would read "yes" as true.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class StaffDoc(_Doc):
    name: Name
    phone: Annotated[str, BeforeValidator(_phone_text)]
    languages: Annotated[list[LanguageCode], AfterValidator(_some), AfterValidator(_no_repeats)] = (
        Field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    )
    voice: bool = False


class ShiftDoc(_Doc):
    staff: Names
    days: Days = Field(default_factory=lambda: sorted(EVERY_DAY))
    start: StartClock
    end: EndClock


class RotationDoc(_Doc):
    name: Name
    staff: Annotated[list[Name], AfterValidator(_some)]  # a name may come twice: more turns
    every: Annotated[int, BeforeValidator(_every)]
    start: LocalTime
    days: Days | None = None
    start_time: StartClock | None = None
    end_time: EndClock | None = None


class OverrideDoc(_Doc):
    staff: Name
    replaces: Name | None = None
    off: bool = False
    start: LocalTime = Field(alias="from")
    until: LocalTime


class RosterDoc(_Doc):
    timezone: Annotated[str, AfterValidator(_zone)]
    ack_timeout: Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_ack_timeout)]
    repeat: Annotated[int, AfterValidator(_repeat)] = 1
    final: Annotated[str, AfterValidator(_final)] = FINAL_STEPS[0]
    staff: Annotated[list[StaffDoc], AfterValidator(_some), Field(max_length=MAX_STAFF)]
    shifts: list[ShiftDoc] = Field(default_factory=list)
    rotations: list[RotationDoc] = Field(default_factory=list)
    overrides: list[OverrideDoc] = Field(default_factory=list)


# --- loading ------------------------------------------------------------------------------


def load_roster(path: Path) -> Roster:
    """Read and check a roster file; raise FlowProblems naming every problem as file:line."""
    path = Path(path)
    try:
        doc = load_yaml_file(path)
    except FlowProblems:
        raise
    except FlowDefinitionError as exc:
        raise FlowProblems([exc]) from None
    if not isinstance(doc.data, dict):
        raise FlowProblems(
            [doc.error("the roster must be a mapping: timezone, ack_timeout, repeat, final, staff")]
        )
    # On the raw entries, so they show beside any schema error.
    problems = _check_staff(doc) + _check_names(doc)
    parsed: RosterDoc | None = None
    try:
        parsed = RosterDoc.model_validate(doc.data)
    except ValidationError as exc:
        problems = problems_from_validation(doc, exc) + problems
    else:
        problems += _check_rules(doc, parsed)
    if problems or parsed is None:
        raise FlowProblems(_sorted_unique(problems))
    return _build(doc, parsed)


def _normal_phone(value: str) -> str | None:
    """`value` in E.164 form, or None when it cannot be a whole phone number.

    A number that is possible only as a local number (555-0102, without its area
    code) is refused: E.164 would make it +15550102, which rings nobody.
    """
    try:
        parsed = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_possible_number_with_reason(parsed) != _IS_POSSIBLE:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _check_staff(doc: YamlDocument) -> list[FlowDefinitionError]:
    """Phone numbers that are no numbers, and names or phones listed twice."""
    entries = doc.data.get("staff")
    if not isinstance(entries, list):
        return []
    problems = []
    names: dict[str, int] = {}
    phones: dict[str, int] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        name = _raw_name(entry)
        label = f"staff.{i} ({name})" if name else f"staff.{i}"
        if name:
            key = name.casefold()
            if key in names:
                problems.append(
                    doc.error(
                        f"{label}: the name is already used by staff.{names[key]}",
                        ("staff", i, "name"),
                    )
                )
            names.setdefault(key, i)
        phone = entry.get("phone")
        if not isinstance(phone, str):
            continue  # missing or unquoted: the schema says so
        normal = _normal_phone(phone)
        if normal is None:
            problems.append(
                doc.error(
                    f"{label}: phone is not a valid phone number; "
                    f"write it in E.164 form, like {EXAMPLE_PHONE}",
                    ("staff", i, "phone"),
                )
            )
        elif normal in phones:
            problems.append(
                doc.error(
                    f"{label}: phone is the same number as staff.{phones[normal]}'s",
                    ("staff", i, "phone"),
                )
            )
        else:
            phones[normal] = i
    return problems


def _check_names(doc: YamlDocument) -> list[FlowDefinitionError]:
    """Shifts, rotations and overrides that name someone not in staff.

    On the raw entries, like _check_staff, so a misspelt name is reported even
    when another part of the file has a schema error.
    """
    entries = doc.data.get("staff")
    if not isinstance(entries, list):
        return []
    known = [_raw_name(entry) for entry in entries]
    if None in known:
        return []  # an entry without a usable name is reported already; do not guess
    names = [name for name in known if name is not None]
    problems = []
    for loc, value in _references(doc.data):
        name = value.strip() if isinstance(value, str) else ""
        if name and name not in names:
            where = ".".join(str(part) for part in loc)
            problems.append(doc.error(f"{where}: {_not_in_staff(name, names)}", loc))
    return problems


def _raw_name(entry: Any) -> str | None:
    name = entry.get("name") if isinstance(entry, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def _references(data: dict[Any, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Every place a staff name is written outside staff:, with its location."""
    for section in LAYER_SECTIONS:
        for i, entry in _entries(data, section):
            names = entry.get("staff")
            for j, name in enumerate(names if isinstance(names, list) else []):
                yield (section, i, "staff", j), name
    for i, entry in _entries(data, "overrides"):
        for key in ("staff", "replaces"):
            if key in entry:
                yield ("overrides", i, key), entry[key]


def _entries(data: dict[Any, Any], section: str) -> Iterator[tuple[int, dict[Any, Any]]]:
    entries = data.get(section)
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict):
            yield i, entry


def _not_in_staff(name: str, names: list[str]) -> str:
    same_but_case = [known for known in names if known.casefold() == name.casefold()]
    close = same_but_case or difflib.get_close_matches(name, names, n=1)
    if close:
        return f"'{name}' is not in staff; did you mean '{close[0]}'?"
    if len(names) <= MAX_NAMES_LISTED:
        return f"'{name}' is not in staff ({', '.join(names)})"
    return f"'{name}' is not in staff"


def _check_rules(doc: YamlDocument, parsed: RosterDoc) -> list[FlowDefinitionError]:
    """What the schema alone cannot say: rotations and overrides that make no sense."""
    return _check_rotations(doc, parsed.rotations) + _check_overrides(
        doc, parsed.overrides, ZoneInfo(parsed.timezone)
    )


def _check_rotations(doc: YamlDocument, rotations: list[RotationDoc]) -> list[FlowDefinitionError]:
    problems = []
    seen: dict[str, int] = {}
    for i, rotation in enumerate(rotations):
        if rotation.name in seen:
            problems.append(
                doc.error(
                    f"rotations.{i}: the name '{rotation.name}' is already used by "
                    f"rotations.{seen[rotation.name]}",
                    ("rotations", i, "name"),
                )
            )
        seen.setdefault(rotation.name, i)
        if (rotation.start_time is None) != (rotation.end_time is None):
            given = "start_time" if rotation.end_time is None else "end_time"
            problems.append(
                doc.error(
                    f"rotations.{i}: give both start_time and end_time, or neither",
                    ("rotations", i, given),
                )
            )
    return problems


def _check_overrides(
    doc: YamlDocument, overrides: list[OverrideDoc], zone: ZoneInfo
) -> list[FlowDefinitionError]:
    problems = []
    for i, override in enumerate(overrides):
        if override.off and override.replaces is not None:
            problems.append(
                doc.error(
                    f"overrides.{i}: an override is either off or replaces someone, not both",
                    ("overrides", i, "replaces"),
                )
            )
        elif override.replaces == override.staff:
            problems.append(
                doc.error(
                    f"overrides.{i}: '{override.staff}' cannot replace themselves",
                    ("overrides", i, "replaces"),
                )
            )
        if local_instant(override.until, zone) <= local_instant(override.start, zone):
            problems.append(
                doc.error(f"overrides.{i}: until must be after from", ("overrides", i, "until"))
            )
    return problems


def _build(doc: YamlDocument, parsed: RosterDoc) -> Roster:
    zone = ZoneInfo(parsed.timezone)
    staff = tuple(
        Staff(
            name=entry.name,
            phone=_normal_phone(entry.phone) or entry.phone,  # checked by _check_staff
            languages=tuple(entry.languages),
            voice=entry.voice,
        )
        for entry in parsed.staff
    )
    built: dict[str, list[Layer]] = {
        "shifts": [_shift(entry) for entry in parsed.shifts],
        "rotations": [_rotation(entry) for entry in parsed.rotations],
    }
    # Layers keep the file's order: whichever of shifts: and rotations: comes first leads.
    order = [key for key in doc.data if key in LAYER_SECTIONS]
    layers = tuple(layer for section in order for layer in built[section])
    overrides = tuple(
        Override(
            staff=entry.staff,
            start=local_instant(entry.start, zone),
            until=local_instant(entry.until, zone),
            replaces=entry.replaces,
            off=entry.off,
        )
        for entry in parsed.overrides
    )
    return Roster(
        path=doc.path,
        timezone=zone,
        ack_timeout=parsed.ack_timeout,
        repeat=parsed.repeat,
        final=parsed.final,
        staff=staff,
        layers=layers,
        overrides=overrides,
    )


def _shift(entry: ShiftDoc) -> Shift:
    window = Window(start=entry.start, end=entry.end, days=frozenset(entry.days))
    return Shift(staff=tuple(entry.staff), window=window)


def _rotation(entry: RotationDoc) -> Rotation:
    window = None
    if entry.start_time is not None and entry.end_time is not None:
        window = Window(entry.start_time, entry.end_time, frozenset(entry.days or EVERY_DAY))
    elif entry.days is not None:  # days alone: all of each of those days
        window = Window(0, MINUTES_PER_DAY, frozenset(entry.days))
    return Rotation(
        name=entry.name,
        staff=tuple(entry.staff),
        every_days=entry.every,
        start=entry.start,
        window=window,
    )


def _sorted_unique(problems: list[FlowDefinitionError]) -> list[FlowDefinitionError]:
    seen: dict[tuple[int, str], FlowDefinitionError] = {}
    for problem in problems:
        seen.setdefault((problem.line or 0, problem.message), problem)
    return [seen[key] for key in sorted(seen)]
