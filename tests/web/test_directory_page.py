"""Operators' view of the meeting directory: sources, last import, rejects, Import now."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpline.runtime import Runtime
from helpline.settings import Settings
from tests.support.console import Console, add_accounts
from tests.support.worker import run_jobs

FEED = Path(__file__).parents[1] / "data" / "meeting-feeds" / "bmlt"
FEED_FILE = FEED / "meeting-search-42.867970-day2.json"


@pytest.fixture(autouse=True)
def sources(flows_dir: Path, settings: Settings) -> None:
    add_accounts(settings)
    (flows_dir / "meeting-sources.yaml").write_text(
        f"spec_version: 1\nsources:\n  nyna:\n    program: na\n    format: bmlt\n"
        f"    url: {FEED_FILE}\n"
    )


def test_an_operator_starts_an_import_and_sees_what_it_did(
    operator: Console, runtime: Runtime
) -> None:
    before = operator.get("/console/directory")
    assert before.status_code == 200
    assert 'data-source="nyna"' in before.text
    assert "none yet" in before.text
    assert FEED_FILE.name in before.text
    assert str(FEED_FILE.parent) not in before.text  # a file name, not the machine's paths

    queued = operator.post("/console/directory/nyna/import")
    assert queued.status_code == 303
    page = operator.get(queued.headers["location"])
    assert "Import of nyna queued" in page.text
    assert "import job: queued" in page.text

    assert run_jobs(runtime) >= 1
    after = operator.get("/console/directory")
    assert '<td class="count">53</td>' in after.text
    assert "import job: queued" not in after.text
    row = after.text.split('data-source="nyna"')[1].split("</tr>")[0]
    assert "53 read" in row
    assert "UTC" in row  # when it last imported
    assert '<td class="rejects">none</td>' in row


def test_rejected_entries_are_counted_by_reason(
    operator: Console, runtime: Runtime, flows_dir: Path
) -> None:
    feed = json.loads(FEED_FILE.read_text())
    feed["meetings"][0]["start_time"] = "teatime"
    del feed["meetings"][1]["weekday_tinyint"]
    broken = flows_dir / "broken-feed.json"
    broken.write_text(json.dumps(feed))
    (flows_dir / "meeting-sources.yaml").write_text(
        "spec_version: 1\nsources:\n  nyna:\n    program: na\n    format: bmlt\n"
        f"    url: {broken}\n"
    )
    operator.post("/console/directory/nyna/import")
    run_jobs(runtime)
    row = operator.get("/console/directory").text.split('data-source="nyna"')[1]
    row = row.split("</tr>")[0]
    assert '<td class="count">51</td>' in row
    assert "53 read" in row
    rejects = row.split('<td class="rejects">')[1].split("</td>")[0]
    assert sum(int(line.split()[0]) for line in rejects.split("<br>") if line.strip()) == 2


def test_an_unknown_source_or_a_forged_form_queues_nothing(
    operator: Console, runtime: Runtime
) -> None:
    unknown = operator.post("/console/directory/elsewhere/import")
    assert unknown.status_code == 403
    assert "no source &#39;elsewhere&#39;" in unknown.text
    forged = operator.post("/console/directory/nyna/import", csrf="forged")
    assert forged.status_code == 403
    assert run_jobs(runtime) == 0
