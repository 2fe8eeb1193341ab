"""The roster file: loaded, who it puts on call, and every mistake named as file:line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpline.errors import FlowProblems
from helpline.oncall.roster import Roster, Staff, load_roster

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "oncall.example.yaml"
LA = ZoneInfo("America/Los_Angeles")

MINIMUM = """\
timezone: America/Los_Angeles
ack_timeout: 3m          # how long one ladder step waits for an acknowledgement
repeat: 1                # how many times the whole ladder runs before the final step
final: crisis_line       # what happens when no one acknowledges
staff:
  - name: Dana
    phone: "+15550100001"
    languages: [en, es]
  - name: Sam
    phone: "+15550100002"
    languages: [en]
"""
"""The minimum every roster file accepts, as INTERFACE.md shows it."""


def write(tmp_path: Path, text: str, name: str = "oncall.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str) -> Roster:
    return load_roster(write(tmp_path, text))


def names(people: list[Staff]) -> list[str]:
    return [person.name for person in people]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- the minimum, and the example ----------------------------------------------------------


def test_the_interface_minimum_loads(tmp_path: Path) -> None:
    roster = load(tmp_path, MINIMUM)
    assert roster.path == tmp_path / "oncall.yaml"
    assert roster.timezone == LA
    assert roster.ack_timeout == timedelta(minutes=3)
    assert roster.repeat == 1
    assert roster.final == "crisis_line"
    assert roster.staff == (
        Staff("Dana", "+15550100001", ("en", "es")),
        Staff("Sam", "+15550100002", ("en",)),
    )
    # No shifts: everyone, in list order, at any time.
    for at in (utc(2026, 1, 1, 0, 0), utc(2026, 3, 8, 10, 0), utc(2026, 11, 1, 9, 30)):
        assert names(roster.on_call(at)) == ["Dana", "Sam"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [("45s", timedelta(seconds=45)), ("3m", timedelta(minutes=3)), ("90", timedelta(seconds=90))],
)
def test_ack_timeout_in_seconds_or_minutes(
    tmp_path: Path, written: str, expected: timedelta
) -> None:
    text = MINIMUM.replace("ack_timeout: 3m", f"ack_timeout: {written}")
    assert load(tmp_path, text).ack_timeout == expected


def test_defaults(tmp_path: Path) -> None:
    text = MINIMUM.replace("repeat: 1 ", "").replace("final: crisis_line ", "")
    text = "\n".join(line for line in text.splitlines() if not line.startswith(("repeat", "final")))
    text = text.replace("    languages: [en]\n", "").replace("    languages: [en, es]", "")
    roster = load(tmp_path, text + "\n")
    assert (roster.repeat, roster.final) == (1, "crisis_line")
    assert [person.languages for person in roster.staff] == [("en",), ("en",)]
    assert [person.voice for person in roster.staff] == [False, False]


def test_phones_are_normalised_and_never_in_a_repr(tmp_path: Path) -> None:
    roster = load(tmp_path, MINIMUM.replace('"+15550100002"', '"+1 (555) 010-0002"'))
    assert roster.staff[1].phone == "+15550100002"
    assert "0100002" not in repr(roster.staff[1])


def test_the_documented_example_loads_and_uses_every_feature() -> None:
    roster = load_roster(EXAMPLE)
    assert roster.timezone == LA
    assert len(roster.shifts) >= 2
    assert len(roster.rotations) >= 1
    assert len(roster.overrides) >= 1
    assert any(person.voice for person in roster.staff)
    assert any(shift.window.end <= shift.window.start for shift in roster.shifts)  # overnight
    assert any(rotation.every_days == 7 for rotation in roster.rotations)
    assert any(override.replaces for override in roster.overrides)
    assert all("55501" in person.phone for person in roster.staff)  # 555-01xx: fictional
    # Friday 2026-06-05 22:00 to Saturday 06:00: the overnight shift's person leads.
    night = names(roster.on_call(datetime(2026, 6, 6, 3, 0, tzinfo=LA)))
    assert night[:1] == ["Priya"]
    # Christmas Eve evening: Sam covers Lupe's evening shift.
    eve = names(roster.on_call(datetime(2026, 12, 24, 18, 0, tzinfo=LA)))
    assert "Lupe" not in eve
    assert eve[:1] == ["Sam"]
    assert names(roster.on_call(datetime(2026, 12, 23, 18, 0, tzinfo=LA)))[0] == "Lupe"


# --- who the file puts on call -----------------------------------------------------------

SHIFTS = (
    MINIMUM
    + """\
  - name: Lupe
    phone: "+15550100003"
    languages: [es]
    voice: true
shifts:
  - staff: [Dana]
    days: [fri]
    start: "22:00"
    end: "06:00"
  - staff: [Sam]
    days: [sun]
    start: "02:30"
    end: "10:00"
  - staff: [Sam, Lupe]
    days: [mon, tue, wed, thu, fri]
    start: "09:00"
    end: "17:00"
"""
)


@pytest.mark.parametrize(
    ("local", "fold", "expected"),
    [
        pytest.param("2026-06-05T21:59", 0, [], id="fri-21:59"),
        pytest.param("2026-06-05T22:00", 0, ["Dana"], id="fri-22:00-inclusive"),
        pytest.param("2026-06-06T03:00", 0, ["Dana"], id="sat-03:00-overnight"),
        pytest.param("2026-06-06T06:00", 0, [], id="sat-06:00-exclusive"),
        pytest.param("2026-06-05T16:59", 0, ["Sam", "Lupe"], id="fri-16:59"),
        pytest.param("2026-06-05T17:00", 0, [], id="fri-17:00"),
        pytest.param("2026-06-06T10:00", 0, [], id="sat-not-a-weekday"),
        # Spring forward, Sunday 2026-03-08: the 02:30 shift starts at 03:00 PDT.
        pytest.param("2026-03-08T01:59", 0, [], id="spring-01:59"),
        pytest.param("2026-03-08T03:00", 0, ["Sam"], id="spring-03:00"),
        pytest.param("2026-03-08T09:59", 0, ["Sam"], id="spring-09:59"),
        pytest.param("2026-03-08T10:00", 0, [], id="spring-10:00"),
        # Fall back, Friday night 2026-10-30 is ordinary; Sunday 02:30 is after the fold.
        pytest.param("2026-11-01T02:30", 0, ["Sam"], id="fall-02:30"),
        pytest.param("2026-11-01T01:30", 1, [], id="fall-second-01:30"),
    ],
)
def test_shifts_from_the_file(tmp_path: Path, local: str, fold: int, expected: list[str]) -> None:
    roster = load(tmp_path, SHIFTS)
    at = datetime.fromisoformat(local).replace(tzinfo=LA, fold=fold)
    assert names(roster.on_call(at)) == expected


ROTATION = (
    MINIMUM
    + """\
rotations:
  - name: daily
    staff: [Dana, Sam]
    every: 1d
    start: 2026-03-06T09:00
"""
)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (utc(2026, 3, 7, 16, 59), "Dana"),  # Sat 08:59 PST
        (utc(2026, 3, 7, 17, 0), "Sam"),  # Sat 09:00 PST
        (utc(2026, 3, 8, 15, 59), "Sam"),  # Sun 08:59 PDT
        (utc(2026, 3, 8, 16, 0), "Dana"),  # Sun 09:00 PDT: still a 09:00 hand-off
        (utc(2026, 11, 1, 16, 59), "Sam"),  # Sun 08:59 PST after the fall back
        (utc(2026, 11, 1, 17, 0), "Dana"),  # Sun 09:00 PST
    ],
)
def test_rotation_hand_offs_from_the_file(tmp_path: Path, at: datetime, expected: str) -> None:
    assert names(load(tmp_path, ROTATION).on_call(at)) == [expected]


def test_weekly_rotation_with_days_and_hours(tmp_path: Path) -> None:
    text = MINIMUM + (
        "rotations:\n"
        "  - name: weekend\n"
        "    staff: [Sam, Dana]\n"
        "    every: 1w\n"
        "    start: 2026-06-01\n"  # a Monday, midnight
        "    days: [sat, sun]\n"
        '    start_time: "06:00"\n'
        '    end_time: "22:00"\n'
    )
    roster = load(tmp_path, text)
    on = [
        names(roster.on_call(datetime.fromisoformat(t).replace(tzinfo=LA)))
        for t in ("2026-06-06T06:00", "2026-06-06T05:59", "2026-06-07T21:59", "2026-06-13T12:00")
    ]
    assert on == [["Sam"], [], ["Sam"], ["Dana"]]


def test_layers_keep_file_order(tmp_path: Path) -> None:
    rotation_first = MINIMUM + (
        "rotations:\n"
        "  - name: all\n    staff: [Sam]\n    every: 1w\n    start: 2026-01-05T09:00\n"
        "shifts:\n"
        '  - staff: [Dana]\n    start: "00:00"\n    end: "24:00"\n'
    )
    assert names(load(tmp_path, rotation_first).on_call(utc(2026, 6, 1))) == ["Sam", "Dana"]


OVERRIDES = (
    MINIMUM
    + """\
  - name: Lupe
    phone: "+15550100003"
    languages: [es]
overrides:
  - staff: Lupe
    replaces: Dana
    from: 2026-12-24T17:00
    until: 2026-12-26T09:00
  - staff: Lupe
    from: 2026-12-31T20:00
    until: 2027-01-01T06:00
  - staff: Sam
    off: true
    from: 2026-12-31
    until: 2027-01-01
"""
)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        pytest.param("2026-12-24T16:59", ["Dana", "Sam", "Lupe"], id="before-cover"),
        pytest.param("2026-12-24T17:00", ["Lupe", "Sam"], id="cover-from-inclusive"),
        pytest.param("2026-12-26T08:59", ["Lupe", "Sam"], id="cover-last-minute"),
        pytest.param("2026-12-26T09:00", ["Dana", "Sam", "Lupe"], id="cover-until-exclusive"),
        pytest.param("2026-12-31T19:00", ["Dana", "Lupe"], id="sam-off"),
        pytest.param("2026-12-31T21:00", ["Dana", "Lupe"], id="sam-off-lupe-added"),
        pytest.param("2027-01-01T00:00", ["Dana", "Sam", "Lupe"], id="off-ends-at-midnight"),
    ],
)
def test_overrides_from_the_file(tmp_path: Path, local: str, expected: list[str]) -> None:
    roster = load(tmp_path, OVERRIDES)
    assert names(roster.on_call(datetime.fromisoformat(local).replace(tzinfo=LA))) == expected


def test_an_added_person_is_paged_only_during_the_override(tmp_path: Path) -> None:
    text = OVERRIDES.replace(
        "overrides:",
        'shifts:\n  - staff: [Dana, Sam]\n    start: "00:00"\n    end: "24:00"\noverrides:',
    )
    roster = load(tmp_path, text)
    assert names(roster.on_call(datetime(2026, 12, 31, 19, 59, tzinfo=LA))) == ["Dana"]
    assert names(roster.on_call(datetime(2026, 12, 31, 20, 0, tzinfo=LA))) == ["Dana", "Lupe"]


# --- the ladder and look-ups -------------------------------------------------------------

LADDER = (
    MINIMUM
    + """\
  - name: Lupe
    phone: "+15550100003"
    languages: [es]
"""
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (None, ["Dana", "Sam", "Lupe"]),
        ("en", ["Dana", "Sam", "Lupe"]),
        ("es", ["Dana", "Lupe", "Sam"]),
        ("es-MX", ["Dana", "Lupe", "Sam"]),
        ("ES", ["Dana", "Lupe", "Sam"]),
        ("fr", ["Dana", "Sam", "Lupe"]),  # nobody speaks it: roster order
    ],
)
def test_ladder_puts_the_callers_language_first(
    tmp_path: Path, language: str | None, expected: list[str]
) -> None:
    assert names(load(tmp_path, LADDER).ladder(utc(2026, 6, 1), language)) == expected


def test_speaks_takes_regional_forms() -> None:
    person = Staff("Lupe", "+15550100003", ("es",))
    assert [person.speaks(code) for code in ("es", "es-MX", "es_US", " ES ")] == [True] * 4
    assert not person.speaks("en")


def test_by_phone_and_by_name(tmp_path: Path) -> None:
    roster = load(tmp_path, LADDER)
    assert roster.by_phone("+15550100003") == roster.staff[2]
    assert roster.by_phone("+1 555-010-0003") == roster.staff[2]
    assert roster.by_phone("+15550100009") is None
    assert roster.by_phone("client:anonymous") is None
    assert roster.by_name("lupe") == roster.staff[2]
    assert roster.by_name(" Sam ") == roster.staff[1]
    assert roster.by_name("Nobody") is None


def test_on_call_needs_an_aware_time(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        load(tmp_path, MINIMUM).on_call(datetime(2026, 6, 1))  # noqa: DTZ001


# --- every mistake, with its line --------------------------------------------------------

BAD = [
    # (id, the roster, the text on the line the problem must point at, the message)
    (
        "unknown-zone",
        MINIMUM.replace("America/Los_Angeles", "America/Springfield"),
        "timezone:",
        "timezone: 'America/Springfield' is not an IANA time zone, like America/Los_Angeles",
    ),
    (
        "machine-zone",
        MINIMUM.replace("America/Los_Angeles", "localtime"),
        "timezone:",
        "timezone: 'localtime' is not an IANA time zone, like America/Los_Angeles",
    ),
    (
        "zone-in-lower-case",
        MINIMUM.replace("America/Los_Angeles", "america/los_angeles"),
        "timezone:",
        "timezone: 'america/los_angeles' is not an IANA time zone",
    ),
    (
        "short-phone",
        MINIMUM.replace('"+15550100002"', '"555-0102"'),
        '"555-0102"',
        "staff.1 (Sam): phone is not a valid phone number; "
        "write it in E.164 form, like +15550100001",
    ),
    (
        "words-for-a-phone",
        MINIMUM.replace('"+15550100002"', '"ask Dana"'),
        '"ask Dana"',
        "staff.1 (Sam): phone is not a valid phone number",
    ),
    (
        "unquoted-phone",
        MINIMUM.replace('"+15550100002"', "+15550100002"),
        "phone: +15550100002",
        'staff.1.phone: write the phone number in quotes, like "+15550100001"',
    ),
    (
        "duplicate-name",
        MINIMUM.replace("name: Sam", "name: dana"),
        "name: dana",
        "staff.1 (dana): the name is already used by staff.0",
    ),
    (
        "duplicate-phone",
        MINIMUM.replace('"+15550100002"', '"+1 555 010 0001"'),
        '"+1 555 010 0001"',
        "staff.1 (Sam): phone is the same number as staff.0's",
    ),
    (
        "bad-language",
        MINIMUM.replace("languages: [en]", "languages: [english]"),
        "languages: [english]",
        "staff.1.languages.0: 'english' is not a two-letter language code like en or es",
    ),
    (
        "voice-yes",
        MINIMUM + "    voice: yes\n",
        "voice: yes",
        "staff.1.voice: Input should be a valid boolean",
    ),
    (
        "unknown-in-shift",
        MINIMUM + 'shifts:\n  - staff: [Dana, Kim]\n    start: "09:00"\n    end: "17:00"\n',
        "staff: [Dana, Kim]",
        "shifts.0.staff.1: 'Kim' is not in staff (Dana, Sam)",
    ),
    (
        "wrong-case-in-shift",
        MINIMUM + 'shifts:\n  - staff:\n      - sam\n    start: "09:00"\n    end: "17:00"\n',
        "- sam",
        "shifts.0.staff.0: 'sam' is not in staff; did you mean 'Sam'?",
    ),
    (
        "misspelt-in-rotation",
        MINIMUM
        + "rotations:\n  - name: r\n    staff: [Dana, Samm]\n    every: 1w\n"
        + "    start: 2026-01-05T09:00\n",
        "staff: [Dana, Samm]",
        "rotations.0.staff.1: 'Samm' is not in staff; did you mean 'Sam'?",
    ),
    (
        "unknown-override-staff",
        MINIMUM
        + "overrides:\n  - staff: Kim\n    from: 2026-12-24T17:00\n    until: 2026-12-25T17:00\n",
        "staff: Kim",
        "overrides.0.staff: 'Kim' is not in staff (Dana, Sam)",
    ),
    (
        "unknown-override-replaces",
        MINIMUM
        + "overrides:\n  - staff: Sam\n    replaces: Kim\n"
        + "    from: 2026-12-24T17:00\n    until: 2026-12-25T17:00\n",
        "replaces: Kim",
        "overrides.0.replaces: 'Kim' is not in staff (Dana, Sam)",
    ),
    (
        "unquoted-clock",
        MINIMUM + 'shifts:\n  - staff: [Dana]\n    start: 22:00\n    end: "06:00"\n',
        "start: 22:00",
        'shifts.0.start: write clock times in quotes, like "22:00"',
    ),
    (
        "hour-25",
        MINIMUM + 'shifts:\n  - staff: [Dana]\n    start: "22:00"\n    end: "25:00"\n',
        'end: "25:00"',
        "shifts.0.end: '25:00' is not a clock time: they run 00:00 to 23:59, or 24:00 as an end",
    ),
    (
        "24:00-start",
        MINIMUM + 'shifts:\n  - staff: [Dana]\n    start: "24:00"\n    end: "06:00"\n',
        'start: "24:00"',
        "shifts.0.start: '24:00' is not a clock time: they run 00:00 to 23:59",
    ),
    (
        "bad-day",
        MINIMUM
        + 'shifts:\n  - staff: [Dana]\n    days: [mon, friday]\n    start: "09:00"\n'
        + '    end: "17:00"\n',
        "days: [mon, friday]",
        "shifts.0.days.1: 'friday' is not a day; write mon, tue, wed, thu, fri, sat, sun",
    ),
    (
        "day-twice",
        MINIMUM
        + 'shifts:\n  - staff: [Dana]\n    days: [mon, mon]\n    start: "09:00"\n'
        + '    end: "17:00"\n',
        "days: [mon, mon]",
        "shifts.0.days: lists 'mon' twice",
    ),
    (
        "shift-without-end",
        MINIMUM + 'shifts:\n  - staff: [Dana]\n    start: "09:00"\n',
        "- staff: [Dana]",
        "'end' is required",
    ),
    (
        "bad-every",
        MINIMUM
        + "rotations:\n  - name: r\n    staff: [Dana]\n    every: weekly\n"
        + "    start: 2026-01-05T09:00\n",
        "every: weekly",
        "rotations.0.every: must be a number of days or weeks, like 1d, 3d, 1w or 2w",
    ),
    (
        "rotation-half-window",
        MINIMUM
        + "rotations:\n  - name: r\n    staff: [Dana]\n    every: 1w\n"
        + '    start: 2026-01-05T09:00\n    start_time: "17:00"\n',
        'start_time: "17:00"',
        "rotations.0: give both start_time and end_time, or neither",
    ),
    (
        "rotation-name-twice",
        MINIMUM
        + "rotations:\n  - name: r\n    staff: [Dana]\n    every: 1w\n    start: 2026-01-05\n"
        + "  - name: r\n    staff: [Sam]\n    every: 1w\n    start: 2026-01-05\n",
        "  - name: r\n    staff: [Sam]",
        "rotations.1: the name 'r' is already used by rotations.0",
    ),
    (
        "rotation-start-with-offset",
        MINIMUM
        + "rotations:\n  - name: r\n    staff: [Dana]\n    every: 1w\n"
        + '    start: "2026-01-05T09:00-08:00"\n',
        'start: "2026-01-05T09:00-08:00"',
        "rotations.0.start: write it without a UTC offset, like 2026-12-24T18:00: "
        "it is read in the roster's time zone",
    ),
    (
        "override-off-and-replaces",
        MINIMUM
        + "overrides:\n  - staff: Sam\n    off: true\n    replaces: Dana\n"
        + "    from: 2026-12-24T17:00\n    until: 2026-12-25T17:00\n",
        "replaces: Dana",
        "overrides.0: an override is either off or replaces someone, not both",
    ),
    (
        "override-replaces-self",
        MINIMUM
        + "overrides:\n  - staff: Sam\n    replaces: Sam\n"
        + "    from: 2026-12-24T17:00\n    until: 2026-12-25T17:00\n",
        "replaces: Sam",
        "overrides.0: 'Sam' cannot replace themselves",
    ),
    (
        "override-backwards",
        MINIMUM
        + "overrides:\n  - staff: Sam\n    from: 2026-12-25T17:00\n    until: 2026-12-24T17:00\n",
        "until: 2026-12-24T17:00",
        "overrides.0: until must be after from",
    ),
    (
        "override-bad-time",
        MINIMUM + "overrides:\n  - staff: Sam\n    from: Christmas\n    until: 2026-12-26\n",
        "from: Christmas",
        "overrides.0.from: 'Christmas' is not a date and time like 2026-12-24T18:00",
    ),
    (
        "ack-too-short",
        MINIMUM.replace("ack_timeout: 3m", "ack_timeout: 5s"),
        "ack_timeout:",
        "ack_timeout: must be from 10s to 1h, like 3m",
    ),
    (
        "ack-not-a-duration",
        MINIMUM.replace("ack_timeout: 3m", "ack_timeout: soon"),
        "ack_timeout:",
        "ack_timeout: 'soon' is not a duration",
    ),
    (
        "repeat-too-many",
        MINIMUM.replace("repeat: 1", "repeat: 50"),
        "repeat:",
        "repeat: must be a whole number from 0 to 10",
    ),
    (
        "unknown-final",
        MINIMUM.replace("final: crisis_line", "final: voicemail"),
        "final:",
        "final: 'voicemail' is not a final step; only crisis_line is supported for now",
    ),
    (
        "unknown-field",
        MINIMUM.replace("repeat: 1", "repeats: 1"),
        "repeats:",
        "unknown field 'repeats'",
    ),
    (
        "no-staff",
        MINIMUM.split("staff:")[0] + "staff: []\n",
        "staff: []",
        "staff: must list at least one",
    ),
    (
        "duplicate-key",
        MINIMUM.replace("repeat: 1", "timezone: UTC"),
        "timezone: UTC",
        "duplicate key 'timezone'",
    ),
    (
        "not-yaml",
        MINIMUM + "  - name: Kim: Lee\n",
        "  - name: Kim: Lee",
        "invalid YAML: mapping values are not allowed here",
    ),
    ("a-list", "- Dana\n- Sam\n", "- Dana", "the roster must be a mapping"),
]


def line_with(text: str, marker: str) -> int:
    """The line (from 1) where `marker` starts."""
    return text[: text.index(marker)].count("\n") + 1


@pytest.mark.parametrize(
    ("text", "marker", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_each_mistake_is_named_at_its_line(
    tmp_path: Path, text: str, marker: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FlowProblems) as caught:
        load_roster(path)
    problems = [str(problem) for problem in caught.value.problems]
    expected = f"{path}:{line_with(text, marker)}: {message}"
    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_at_once_in_line_order(tmp_path: Path) -> None:
    # A schema error (the clock) does not hide the misspelt names elsewhere in the file.
    text = MINIMUM.replace('"+15550100002"', '"12"') + (
        "shifts:\n"
        "  - staff: [Dnaa]\n"
        "    start: 22:00\n"
        '    end: "06:00"\n'
        "overrides:\n"
        "  - staff: Kim\n"
        "    from: 2026-12-24T17:00\n"
        "    until: 2026-12-25T17:00\n"
    )
    path = write(tmp_path, text)
    with pytest.raises(FlowProblems) as caught:
        load_roster(path)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{path}:10: staff.1 (Sam): phone is not a valid phone number; "
        "write it in E.164 form, like +15550100001",
        f"{path}:13: shifts.0.staff.0: 'Dnaa' is not in staff; did you mean 'Dana'?",
        f'{path}:14: shifts.0.start: write clock times in quotes, like "22:00"',
        f"{path}:17: overrides.0.staff: 'Kim' is not in staff (Dana, Sam)",
    ]


def test_phone_numbers_are_never_quoted_back(tmp_path: Path) -> None:
    text = MINIMUM.replace('"+15550100002"', '"+1555010000299"')
    with pytest.raises(FlowProblems) as caught:
        load(tmp_path, text)
    assert "0100002" not in "\n".join(str(problem) for problem in caught.value.problems)


def test_a_missing_file_is_a_problem_to_load(tmp_path: Path) -> None:
    with pytest.raises(FlowProblems) as caught:
        load_roster(tmp_path / "nope.yaml")
    assert str(caught.value.problems[0]).startswith(f"{tmp_path / 'nope.yaml'}: cannot read file")
