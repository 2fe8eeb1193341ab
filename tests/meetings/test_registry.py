"""meeting-sources.yaml: checked like a flow file, keys from the environment, never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpline.errors import FlowProblems
from helpline.meetings.registry import load_sources
from helpline.meetings.source import FeedFormat
from helpline.settings import Secret, feed_keys_from

PROGRAMS = frozenset({"aa", "na", "smart"})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "meeting-sources.yaml"
    path.write_text(text)
    return path


def test_a_source_reads_its_key_from_the_named_variable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "spec_version: 1\n"
        "sources:\n"
        "  oc-aa:\n"
        "    program: aa\n"
        "    format: meeting-guide\n"
        "    url: https://example.org/feed\n"
        "    timezone: America/Los_Angeles\n"
        "    key_env: OC_AA_FEED_KEY\n"
        '    refresh: "15 4 * * *"\n'
        "  smart-csv:\n"
        "    program: smart\n"
        "    format: csv\n"
        "    url: smart.csv\n",
    )
    keys = feed_keys_from({"OC_AA_FEED_KEY": "s3cret", "PATH": "/bin"})
    assert keys == {"OC_AA_FEED_KEY": Secret("s3cret")}
    sources = load_sources(path, keys, programs=PROGRAMS)
    oc = sources["oc-aa"]
    assert (oc.program, oc.format, oc.key, oc.refresh) == (
        "aa",
        FeedFormat.MEETING_GUIDE,
        "s3cret",
        "15 4 * * *",
    )
    assert "s3cret" not in repr(oc)
    # A file path is relative to the registry, wherever the command runs from.
    assert sources["smart-csv"].location == str(tmp_path / "smart.csv")
    assert sources["smart-csv"].key is None


@pytest.mark.parametrize(
    ("entry", "line", "message"),
    [
        (
            "    program: xa\n    format: bmlt\n    url: u\n",
            4,
            "program 'xa' is not in programs.yaml",
        ),
        ("    program: aa\n    format: rss\n    url: u\n", 5, "format"),
        ("    program: aa\n    format: bmlt\n    url: u\n    timezone: PST\n", 7, "IANA"),
        ("    program: aa\n    format: bmlt\n    url: u\n    refresh: nightly\n", 7, "cron"),
        ("    program: aa\n    format: csv\n    url: u\n    search: x=1\n", 7, "BMLT servers only"),
        ("    program: aa\n    format: bmlt\n    url: u\n    key_env: KEY\n", 7, "_FEED_KEY"),
        ("    program: aa\n    format: bmlt\n    url: u\n    colour: red\n", 7, "colour"),
    ],
)
def test_problems_name_the_file_and_line(
    tmp_path: Path, entry: str, line: int, message: str
) -> None:
    path = write(tmp_path, "spec_version: 1\nsources:\n  one:\n" + entry)
    with pytest.raises(FlowProblems) as caught:
        load_sources(path, {}, programs=PROGRAMS)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert f"{path}:{line}:" in text, text
    assert message in text, text


def test_a_bad_source_id_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "spec_version: 1\nsources:\n  OC AA:\n    program: aa\n")
    with pytest.raises(FlowProblems, match=str(path)):
        load_sources(path, {}, programs=PROGRAMS)
