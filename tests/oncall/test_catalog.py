"""The live roster: reloaded on an edit, kept through a broken edit, gone with its file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpline.errors import FlowProblems
from helpline.oncall.catalog import RosterCatalog

ROSTER = """\
timezone: America/Los_Angeles
ack_timeout: 3m
staff:
  - name: Dana
    phone: "+15550100001"
"""
TWO = ROSTER + '  - name: Sam\n    phone: "+15550100002"\n'
BROKEN = ROSTER + '  - name: Sam\n    phone: "+15550100002"\n    languages: [english]\n'

_edits = 0


def edit(path: Path, text: str) -> None:
    """Write `text`, with an mtime that surely differs from the last (coarse clocks)."""
    global _edits
    _edits += 1
    path.write_text(text)
    stamp = 1_800_000_000_000_000_000 + _edits * 1_000_000_000
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "oncall.yaml"
    edit(path, ROSTER)
    return path


def staff_names(catalog: RosterCatalog) -> list[str] | None:
    roster = catalog.refresh()
    return None if roster is None else [person.name for person in roster.staff]


def test_loads_at_start(path: Path) -> None:
    catalog = RosterCatalog(path, check_every=0)
    assert catalog.current is not None
    assert [person.name for person in catalog.current.staff] == ["Dana"]
    assert catalog.last_error is None


def test_an_edit_is_picked_up(path: Path) -> None:
    catalog = RosterCatalog(path, check_every=0)
    edit(path, TWO)
    assert staff_names(catalog) == ["Dana", "Sam"]
    assert catalog.current is not None
    assert len(catalog.current.staff) == 2


def test_not_looked_at_again_within_check_every(path: Path) -> None:
    catalog = RosterCatalog(path, check_every=3600)
    edit(path, TWO)
    assert staff_names(catalog) == ["Dana"]


def test_a_broken_edit_keeps_the_last_valid_roster(path: Path) -> None:
    catalog = RosterCatalog(path, check_every=0)
    before = catalog.current
    edit(path, BROKEN)
    assert catalog.refresh() is before
    assert catalog.last_error is not None
    assert [str(problem) for problem in catalog.last_error.problems] == [
        f"{path}:8: staff.1.languages.0: 'english' is not a two-letter language code like en or es"
    ]
    assert catalog.refresh() is before  # asked again: still the old one, still the error
    assert catalog.last_error is not None
    edit(path, TWO)  # fixed: loaded, and the error cleared
    assert staff_names(catalog) == ["Dana", "Sam"]
    assert catalog.last_error is None


def test_a_deleted_file_means_nobody_is_on_call(path: Path) -> None:
    catalog = RosterCatalog(path, check_every=0)
    path.unlink()
    assert catalog.refresh() is None
    assert catalog.current is None
    assert catalog.last_error is None
    edit(path, TWO)  # and back
    assert staff_names(catalog) == ["Dana", "Sam"]


def test_no_file_at_start_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "oncall.yaml"
    catalog = RosterCatalog(path, check_every=0)
    assert catalog.current is None
    assert catalog.refresh() is None
    edit(path, BROKEN)  # appears broken: still nobody, and the problem is known
    assert catalog.refresh() is None
    assert catalog.last_error is not None
    edit(path, ROSTER)
    assert staff_names(catalog) == ["Dana"]


def test_an_invalid_roster_stops_start_up(tmp_path: Path) -> None:
    path = tmp_path / "oncall.yaml"
    edit(path, BROKEN)
    with pytest.raises(FlowProblems):
        RosterCatalog(path)
