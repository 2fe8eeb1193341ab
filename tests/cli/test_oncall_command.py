"""`helpline oncall now | check`, and the roster in `helpline flows check`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from helpline.cli import app
from helpline.errors import ConfigError

REPO = Path(__file__).parents[2]

ROSTER = """\
timezone: America/Los_Angeles
ack_timeout: 3m
repeat: 2
final: crisis_line
staff:
  - name: Dana
    phone: "+12135550101"
    languages: [en]
    voice: true
  - name: Lupe
    phone: "+12135550102"
    languages: [es, en]
  - name: Sam
    phone: "+12135550103"
shifts:
  - staff: [Dana, Lupe]
    days: [fri]
    start: "22:00"
    end: "06:00"
  - staff: [Sam]
    days: [mon, tue, wed, thu, fri]
    start: "09:00"
    end: "17:00"
"""
PHONES = ("+12135550101", "+12135550102", "+12135550103")


@pytest.fixture
def roster(tmp_path: Path) -> Path:
    path = tmp_path / "oncall.yaml"
    path.write_text(ROSTER)
    return path


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    # None unsets: a developer's own HELPLINE_* variables must not leak in.
    base: dict[str, str | None] = {
        "HELPLINE_ONCALL": None,
        "HELPLINE_FLOWS_DIR": None,
        "COLUMNS": "120",
    }
    return CliRunner().invoke(app, list(args), env={**base, **(env or {})})


def assert_no_phone(result: Result) -> None:
    for phone in PHONES:
        assert phone not in result.output
        assert phone[2:] not in result.output  # nor without the +1
        assert phone[-7:] not in result.output  # nor the local number
        assert phone not in result.stderr


# --- oncall now --------------------------------------------------------------------------


def test_now_shows_the_ladder_with_masked_phones(roster: Path) -> None:
    result = run("oncall", "now", "--roster", str(roster), "--at", "2026-06-05T23:00")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Fri 2026-06-05 23:00 PDT" in out
    assert "America/Los_Angeles" in out
    assert "ack_timeout 3m" in out
    assert "repeat 2" in out
    assert "final crisis_line" in out
    rows = [line for line in out.splitlines() if "…010" in line]
    assert len(rows) == 2
    cells = [[cell.strip() for cell in row.strip("│ ").split("│")] for row in rows]
    assert cells == [
        ["1", "Dana", "en", "sms + voice", "…0101"],
        ["2", "Lupe", "es, en", "sms", "…0102"],
    ]
    assert "Sam" not in out
    assert_no_phone(result)


@pytest.mark.parametrize(
    ("at", "on_call"),
    [
        pytest.param("2026-06-05T21:59", [], id="fri-21:59-before"),
        pytest.param("2026-06-05T22:00", ["Dana", "Lupe"], id="fri-22:00-start"),
        pytest.param("2026-06-06T05:59", ["Dana", "Lupe"], id="sat-05:59-overnight"),
        pytest.param("2026-06-06T06:00", [], id="sat-06:00-end"),
        pytest.param("2026-06-06T05:00+00:00", ["Dana", "Lupe"], id="with-offset-22:00-PDT"),
        pytest.param("2026-06-06T04:59Z", [], id="with-offset-21:59-PDT"),
        pytest.param("2026-06-05T16:59", ["Sam"], id="fri-16:59"),
    ],
)
def test_now_at_across_a_shift_boundary(roster: Path, at: str, on_call: list[str]) -> None:
    result = run("oncall", "now", "--roster", str(roster), "--at", at, "--json")
    assert result.exit_code == 0, result.output
    assert [person["name"] for person in json.loads(result.stdout)["on_call"]] == on_call


def test_now_language_puts_speakers_first(roster: Path) -> None:
    at = ("--at", "2026-06-05T23:00")
    plain = run("oncall", "now", "--roster", str(roster), *at, "--json")
    spanish = run("oncall", "now", "--roster", str(roster), *at, "--json", "--language", "es")
    assert [p["name"] for p in json.loads(plain.stdout)["on_call"]] == ["Dana", "Lupe"]
    assert [p["name"] for p in json.loads(spanish.stdout)["on_call"]] == ["Lupe", "Dana"]
    assert [p["step"] for p in json.loads(spanish.stdout)["on_call"]] == [1, 2]


def test_now_json_shape(roster: Path) -> None:
    result = run("oncall", "now", "--roster", str(roster), "--at", "2026-06-05T23:00", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "roster": str(roster),
        "roster_file": True,
        "timezone": "America/Los_Angeles",
        "at": "2026-06-05T23:00:00-07:00",
        "language": None,
        "ack_timeout": "3m",
        "repeat": 2,
        "final": "crisis_line",
        "on_call": [
            {
                "step": 1,
                "name": "Dana",
                "phone": "…0101",
                "languages": ["en"],
                "sms": True,
                "voice": True,
            },
            {
                "step": 2,
                "name": "Lupe",
                "phone": "…0102",
                "languages": ["es", "en"],
                "sms": True,
                "voice": False,
            },
        ],
    }
    assert_no_phone(result)


def test_nobody_on_call(roster: Path) -> None:
    result = run("oncall", "now", "--roster", str(roster), "--at", "2026-06-06T12:00")
    assert result.exit_code == 0, result.output
    assert (
        "Nobody is on call at Sat 2026-06-06 12:00 PDT: "
        "escalations go straight to the final step (crisis_line)." in result.stdout
    )


def test_no_roster_file_means_nobody(tmp_path: Path) -> None:
    missing = tmp_path / "oncall.yaml"
    result = run(
        "oncall", "now", "--at", "2026-06-06T12:00Z", env={"HELPLINE_ONCALL": str(missing)}
    )
    assert result.exit_code == 0, result.output
    assert f"no roster file at {missing}" in result.stdout
    assert (
        "Nobody is on call at Sat 2026-06-06 12:00 UTC: "
        "escalations go straight to the final step (crisis_line)." in result.stdout
    )
    as_json = run("oncall", "now", "--json", env={"HELPLINE_ONCALL": str(missing)})
    assert as_json.exit_code == 0, as_json.output
    answer = json.loads(as_json.stdout)
    assert answer["roster_file"] is False
    assert answer["on_call"] == []
    assert answer["final"] == "crisis_line"


def test_the_roster_defaults_to_oncall_yaml_beside_the_flows(roster: Path, tmp_path: Path) -> None:
    by_folder = run(
        "oncall", "now", "--at", "2026-06-05T23:00", env={"HELPLINE_FLOWS_DIR": str(tmp_path)}
    )
    assert by_folder.exit_code == 0, by_folder.output
    assert "Dana" in by_folder.stdout
    other = tmp_path / "elsewhere.yaml"
    other.write_text(ROSTER.replace("Dana", "Robin"))
    by_variable = run(
        "oncall",
        "now",
        "--at",
        "2026-06-05T23:00",
        env={"HELPLINE_FLOWS_DIR": str(tmp_path), "HELPLINE_ONCALL": str(other)},
    )
    assert "Robin" in by_variable.stdout
    assert "Dana" not in by_variable.stdout


def test_invalid_roster_exits_1_with_file_and_line(roster: Path) -> None:
    roster.write_text(ROSTER.replace("staff: [Sam]", "staff: [Kim]"))
    result = run("oncall", "now", "--roster", str(roster))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"{roster}:20: shifts.1.staff.0: 'Kim' is not in staff (Dana, Lupe, Sam)" in (
        result.stderr
    )
    assert "1 problem(s) in the on-call roster" in result.stderr


def test_a_bad_at_is_a_config_error(roster: Path) -> None:
    result = run("oncall", "now", "--roster", str(roster), "--at", "tonight")
    assert result.exit_code == 1
    assert isinstance(result.exception, ConfigError)
    assert str(result.exception).startswith("--at: 'tonight' is not an ISO 8601 time")


def test_a_bad_at_is_one_line_on_stderr_from_the_console_script(roster: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "helpline", "oncall", "now", "--roster", str(roster), "--at", "x"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: --at: 'x' is not an ISO 8601 time, like 2026-11-24T19:00 or 2026-11-24T19:00-08:00"
    ]


# --- oncall check ------------------------------------------------------------------------


def test_check_ok(roster: Path) -> None:
    result = run("oncall", "check", str(roster))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"ok: {roster}: 3 staff, 2 shifts, 0 rotations, 0 overrides; time zone America/Los_Angeles"
    )


def test_check_the_documented_example() -> None:
    result = run("oncall", "check", str(REPO / "docs" / "oncall.example.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ok: ")


def test_check_problems(roster: Path) -> None:
    roster.write_text(
        ROSTER.replace('"+12135550103"', '"555-0103"').replace("days: [fri]", "days: [friday]")
    )
    result = run("oncall", "check", str(roster))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{roster}:14: staff.2 (Sam): phone is not a valid phone number; "
        "write it in E.164 form, like +15550100001",
        f"{roster}:17: shifts.0.days.0: 'friday' is not a day; "
        "write mon, tue, wed, thu, fri, sat, sun",
        "2 problem(s) in the on-call roster",
    ]
    assert_no_phone(result)


def test_check_a_missing_file(tmp_path: Path) -> None:
    explicit = run("oncall", "check", str(tmp_path / "nope.yaml"))
    assert explicit.exit_code == 1
    assert f"{tmp_path / 'nope.yaml'}: cannot read file" in explicit.stderr
    default = run("oncall", "check", env={"HELPLINE_FLOWS_DIR": str(tmp_path)})
    assert default.exit_code == 0, default.output
    assert "no roster file" in default.stdout


# --- flows check checks the roster too ---------------------------------------------------


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    shutil.copytree(REPO / "flows", folder)
    return folder


def test_flows_check_checks_the_roster_in_the_folder(flows: Path) -> None:
    (flows / "oncall.yaml").write_text(ROSTER)
    good = run("flows", "check", str(flows))
    assert good.exit_code == 0, good.output
    assert f"roster {flows / 'oncall.yaml'}" in good.stdout
    (flows / "oncall.yaml").write_text(ROSTER.replace('start: "22:00"', "start: 22:00"))
    bad = run("flows", "check", str(flows))
    assert bad.exit_code == 1
    assert (
        f'{flows / "oncall.yaml"}:18: shifts.0.start: write clock times in quotes, like "22:00"'
        in bad.stderr.splitlines()
    )


def test_flows_check_checks_helpline_oncall(flows: Path, tmp_path: Path) -> None:
    roster = tmp_path / "roster.yaml"
    roster.write_text(ROSTER.replace("final: crisis_line", "final: voicemail"))
    result = run(
        "flows", "check", env={"HELPLINE_FLOWS_DIR": str(flows), "HELPLINE_ONCALL": str(roster)}
    )
    assert result.exit_code == 1
    assert f"{roster}:4: final: 'voicemail' is not a final step" in result.stderr


def test_flows_check_of_the_roster_file_alone(flows: Path) -> None:
    (flows / "oncall.yaml").write_text(ROSTER)
    result = run("flows", "check", str(flows / "oncall.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok: roster {flows / 'oncall.yaml'}")


def test_flows_check_without_a_roster_is_unchanged(flows: Path) -> None:
    result = run("flows", "check", str(flows))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"ok: {flows} (")
