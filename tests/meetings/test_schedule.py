"""Scheduled refreshes: rq's cron queues a JSON import job that the real worker runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rq import Queue
from rq.serializers import JSONSerializer

from helpline.meetings.schedule import IMPORT_JOB, build_cron
from helpline.meetings.source import FeedFormat, Source
from helpline.queueing import DEFAULT_QUEUE
from helpline.runtime import Runtime
from tests.support.worker import run_jobs

FEEDS = Path(__file__).parents[1] / "data" / "meeting-feeds"

pytestmark = pytest.mark.redis


def test_only_sources_with_a_refresh_are_scheduled(runtime: Runtime) -> None:
    sources = [
        Source(id="a", program="aa", format=FeedFormat.BMLT, location="x", refresh="15 4 * * *"),
        Source(id="b", program="aa", format=FeedFormat.BMLT, location="y"),
    ]
    cron = build_cron(runtime.redis, sources)
    (job,) = cron.get_jobs()
    assert (job.name, job.args, job.cron) == ("import-a", ("a",), "15 4 * * *")
    assert job.next_enqueue_time is not None
    assert job.next_enqueue_time.hour == 4
    assert job.next_enqueue_time.minute == 15


def test_a_due_refresh_imports_the_source_through_the_worker(
    runtime: Runtime, flows_dir: Path
) -> None:
    feed = FEEDS / "bmlt" / "meeting-search-42.867970-day3.json"
    (flows_dir / "meeting-sources.yaml").write_text(
        "spec_version: 1\n"
        "sources:\n"
        "  finger-lakes-na:\n"
        "    program: na\n"
        "    format: bmlt\n"
        f"    url: {feed}\n"
        '    refresh: "0 */6 * * *"\n'
    )
    source = Source(
        id="finger-lakes-na",
        program="na",
        format=FeedFormat.BMLT,
        location=str(feed),
        refresh="0 */6 * * *",
    )
    cron = build_cron(runtime.redis, [source])
    (job,) = cron.get_jobs()
    job.next_enqueue_time = datetime.now(UTC) - timedelta(seconds=1)  # it is due
    assert cron.enqueue_jobs() == [job]
    queue = Queue(DEFAULT_QUEUE, connection=runtime.redis, serializer=JSONSerializer)
    (queued,) = queue.get_jobs()
    # A JSON job our workers can read, never rq's default pickle.
    assert queued.func_name == IMPORT_JOB
    assert queued.args == ["finger-lakes-na"]
    assert runtime.directory.sources() == []
    assert run_jobs(runtime) == 1
    (status,) = runtime.directory.sources()
    assert (status.id, status.program, status.meetings) == ("finger-lakes-na", "na", 54)
