"""`helpline meetings import | search | sources`, run as operators run them, on a real Redis."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer

from helpline.queueing import DEFAULT_QUEUE

REPO = Path(__file__).parents[2]
FEEDS = REPO / "tests" / "data" / "meeting-feeds"
OC = FEEDS / "meeting-guide" / "oc-aa-tsml.json"

pytestmark = pytest.mark.redis


def run(*args: str, redis_url: str, flows: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": redis_url,
        "HELPLINE_FLOWS_DIR": str(flows or REPO / "flows"),
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, "-m", "helpline", "meetings", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        cwd=REPO,
    )


def import_oc(redis_url: str) -> subprocess.CompletedProcess[str]:
    return run(
        "import",
        str(OC),
        "--format",
        "meeting-guide",
        "--program",
        "aa",
        "--id",
        "oc-aa",
        "--timezone",
        "America/Los_Angeles",
        redis_url=redis_url,
    )


def summary(output: str) -> dict[str, int]:
    """The rows of the summary table: label → count."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) == 2 and cells[1].replace(",", "").isdigit():
            rows[cells[0]] = int(cells[1].replace(",", ""))
    return rows


def test_import_prints_a_summary_and_a_second_import_changes_nothing(
    redis_url: str, redis_client: Redis
) -> None:
    raw = json.loads(OC.read_text())
    no_day = sum(1 for m in raw if m.get("day") in (None, "") or not m.get("time"))
    first = import_oc(redis_url)
    assert first.returncode == 0, first.stderr
    rows = summary(first.stdout)
    assert rows["read"] == len(raw)
    assert rows["added"] == len(raw) - no_day
    assert rows["rejected"] == no_day == 1
    assert rows["no weekly day and time (by appointment)"] == 1
    second = summary(import_oc(redis_url).stdout)
    assert (second["added"], second["updated"], second["removed"]) == (0, 0, 0)
    assert second["unchanged"] == len(raw) - no_day
    listed = run("sources", redis_url=redis_url)
    assert "oc-aa" in listed.stdout
    assert "1,966" in listed.stdout


def test_a_feed_that_cannot_be_parsed_changes_nothing(
    redis_url: str, redis_client: Redis, tmp_path: Path
) -> None:
    assert import_oc(redis_url).returncode == 0
    before = run("search", "--zip", "92660", "--json", redis_url=redis_url)
    broken = tmp_path / "broken.json"
    broken.write_text(OC.read_text()[:5000])  # cut off mid-file, as a failed download would be
    result = run(
        "import", str(broken), "--format", "meeting-guide", "--id", "oc-aa", redis_url=redis_url
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: oc-aa: ")
    assert "Traceback" not in result.stderr
    after = run("search", "--zip", "92660", "--json", redis_url=redis_url)
    assert json.loads(after.stdout) == json.loads(before.stdout) != []


def test_search_json_has_the_documented_fields(redis_url: str, redis_client: Redis) -> None:
    assert import_oc(redis_url).returncode == 0
    at = "2026-11-24T18:00:00-08:00"
    result = run(
        "search", "--zip", "92660", "--at", at, "--limit", "4", "--json", redis_url=redis_url
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert len(found) == 4
    for item in found:
        for key in (
            "name",
            "program",
            "starts_at",
            "distance_miles",
            "address",
            "conference_url",
            "url",
        ):
            assert key in item
        assert item["program"] == "aa"
        assert 0 <= item["distance_miles"] <= 10
        starts = datetime.fromisoformat(item["starts_at"])
        assert starts.utcoffset() is not None
        now = datetime.fromisoformat(at)
        assert now - timedelta(minutes=10) <= starts < now + timedelta(days=7)
    times = [datetime.fromisoformat(item["starts_at"]) for item in found]
    assert times == sorted(times)
    online = json.loads(run("search", "--online", "--at", at, "--json", redis_url=redis_url).stdout)
    assert online
    assert all(item["distance_miles"] is None for item in online)
    assert all(item["conference_url"] or item["conference_phone"] for item in online)


def test_search_prints_texts_and_spoken_forms(redis_url: str, redis_client: Redis) -> None:
    assert import_oc(redis_url).returncode == 0
    at = "2026-11-24T18:00:00-08:00"
    text = run("search", "--zip", "92660", "--at", at, redis_url=redis_url)
    assert text.returncode == 0
    assert " mi\n" in text.stdout
    spoken = run("search", "--zip", "92660", "--at", at, "--spoken", redis_url=redis_url)
    assert spoken.returncode == 0
    assert "http" not in spoken.stdout
    assert " PM: " in spoken.stdout


@pytest.mark.parametrize(
    ("zip_code", "message"),
    [("9266", "five"), ("00000", "00000")],
)
def test_a_bad_zip_is_one_clear_line(
    redis_url: str, redis_client: Redis, zip_code: str, message: str
) -> None:
    result = run("search", "--zip", zip_code, redis_url=redis_url)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert message in result.stderr.lower()


def test_import_needs_a_format_for_a_file_and_a_known_program(
    redis_url: str, redis_client: Redis
) -> None:
    result = run("import", str(OC), redis_url=redis_url)
    assert result.returncode == 1
    assert "--format" in result.stderr
    result = run(
        "import", str(OC), "--format", "meeting-guide", "--program", "xx", redis_url=redis_url
    )
    assert result.returncode == 1
    assert "'xx' is not in programs.yaml" in result.stderr
    result = run("import", "missing.json", "--format", "bmlt", redis_url=redis_url)
    assert result.returncode == 1
    assert "no such file" in result.stderr


def test_a_registry_source_imports_by_its_id(
    redis_url: str, redis_client: Redis, tmp_path: Path
) -> None:
    flows = tmp_path / "flows"
    subprocess.run(["cp", "-r", str(REPO / "flows"), str(flows)], check=True)
    (flows / "meeting-sources.yaml").write_text(
        "spec_version: 1\n"
        "sources:\n"
        "  nyna:\n"
        "    program: na\n"
        "    format: bmlt\n"
        f"    url: {FEEDS / 'bmlt' / 'meeting-search-42.867970-day2.json'}\n"
    )
    result = run("import", "nyna", redis_url=redis_url, flows=flows)
    assert result.returncode == 0, result.stderr
    assert summary(result.stdout)["added"] == 53


def test_background_import_queues_a_json_job_for_the_worker(
    redis_url: str, redis_client: Redis, tmp_path: Path
) -> None:
    flows = tmp_path / "flows"
    subprocess.run(["cp", "-r", str(REPO / "flows"), str(flows)], check=True)
    (flows / "meeting-sources.yaml").write_text(
        "spec_version: 1\nsources:\n  nyna:\n    program: na\n    format: bmlt\n"
        f"    url: {FEEDS / 'bmlt' / 'meeting-search-42.867970-day2.json'}\n"
    )
    result = run("import", "nyna", "--background", redis_url=redis_url, flows=flows)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("queued import-nyna")
    queue = Queue(DEFAULT_QUEUE, connection=redis_client, serializer=JSONSerializer)
    (job,) = queue.get_jobs()
    assert (job.func_name, job.args) == ("helpline.jobs.import_meetings", ["nyna"])
    missing = run("import", "elsewhere", "--background", redis_url=redis_url, flows=flows)
    assert missing.returncode == 1
    assert "'elsewhere' is not a source" in missing.stderr
