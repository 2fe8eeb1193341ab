from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpline.flowfiles.versions import (
    HISTORY_FILE,
    VERSIONS_DIR,
    Action,
    FlowVersions,
    Published,
)

REPO = Path(__file__).parents[2]
AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REPO / "flows", tmp_path / "flows"))


def test_an_archived_text_reads_back_exactly(folder: Path) -> None:
    versions = FlowVersions(folder)
    text = "# a comment kept as written\nspec_version: 1\n"
    path = versions.archive("triage", text, "abc123abc123")
    assert path == folder / VERSIONS_DIR / "triage" / "abc123abc123.yaml"
    assert versions.text("triage", "abc123abc123") == text
    assert versions.has("triage", "abc123abc123")
    assert versions.text("triage", "def456def456") is None
    assert not versions.has("triage", "def456def456")


def test_history_is_newest_first_and_names_only_the_account(folder: Path) -> None:
    versions = FlowVersions(folder)
    first = Published(
        flow="triage", version="aaaaaaaaaaaa", action=Action.PUBLISH, by="dana", at=AT, note="one"
    )
    second = Published(
        flow="triage",
        version="bbbbbbbbbbbb",
        action=Action.ROLLBACK,
        by="lee",
        at=AT.replace(hour=10),
        previous="aaaaaaaaaaaa",
    )
    versions.record(first)
    versions.record(second)
    assert versions.history("triage") == [second, first]
    assert versions.history("call") == []
    lines = (folder / VERSIONS_DIR / "triage" / HISTORY_FILE).read_text().splitlines()
    assert json.loads(lines[0]) == {
        "version": "aaaaaaaaaaaa",
        "action": "publish",
        "by": "dana",
        "at": "2026-03-01T09:30:00+00:00",
        "note": "one",
        "previous": None,
    }


def test_a_damaged_history_line_is_skipped_not_fatal(folder: Path) -> None:
    versions = FlowVersions(folder)
    entry = Published(flow="triage", version="aaaaaaaaaaaa", action=Action.PUBLISH, by="d", at=AT)
    versions.record(entry)
    with open(folder / VERSIONS_DIR / "triage" / HISTORY_FILE, "a") as out:
        out.write('{"version": "trunc\n')
    assert versions.history("triage") == [entry]


@pytest.mark.parametrize("name", ["../triage", "a/b", "", ".versions"])
def test_names_that_are_not_flow_names_are_refused(folder: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a flow name"):
        FlowVersions(folder).archive(name, "x", "abc123abc123")


def test_a_version_that_is_not_a_hash_is_never_read_as_a_path(folder: Path) -> None:
    versions = FlowVersions(folder)
    assert versions.text("triage", "../../triage") is None
    with pytest.raises(ValueError, match="not a flow version"):
        versions.archive("triage", "x", "../x")
