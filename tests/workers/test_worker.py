"""`helpline worker`: which queues a worker takes, and where its jobs run."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from rq import Queue, get_current_job
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer

from helpline.queueing import DEFAULT_QUEUE, URGENT_QUEUE
from helpline.runtime import install
from helpline.settings import Settings
from workers import worker as worker_module
from workers.worker import run_worker


def note_pid(key: str) -> None:
    """A job that records which process ran it."""
    job = get_current_job()
    assert job is not None
    job.connection.set(key, str(os.getpid()))


@pytest.fixture
def queues(settings: Settings, redis_client: redis.Redis) -> Iterator[dict[str, Queue]]:
    yield {
        name: Queue(name, connection=redis_client, serializer=JSONSerializer)
        for name in (URGENT_QUEUE, DEFAULT_QUEUE)
    }
    install(None)  # run_worker installs its runtime for its jobs


def enqueue_both(queues: dict[str, Queue]) -> None:
    for name, queue in queues.items():
        queue.enqueue(f"{__name__}.note_pid", f"ran:{name}")


def test_an_urgent_only_worker_leaves_bulk_jobs_and_runs_pages_in_its_own_process(
    settings: Settings, redis_client: redis.Redis, queues: dict[str, Queue]
) -> None:
    enqueue_both(queues)
    run_worker(settings, burst=True, urgent_only=True)
    # No fork per job: a page costs one send, not a process.
    assert redis_client.get(f"ran:{URGENT_QUEUE}") == str(os.getpid()).encode()
    assert redis_client.get(f"ran:{DEFAULT_QUEUE}") is None
    assert queues[DEFAULT_QUEUE].count == 1


def test_an_ordinary_worker_takes_every_queue_in_its_own_process(
    settings: Settings, redis_client: redis.Redis, queues: dict[str, Queue]
) -> None:
    enqueue_both(queues)
    run_worker(settings, burst=True)
    # No fork per job: two forking workers ran about 60 jobs a second (bench.endtoend).
    for name in queues:
        assert redis_client.get(f"ran:{name}") == str(os.getpid()).encode(), name
        assert queues[name].count == 0


def beat_slowly(key: str, seconds: float) -> None:
    """A job that outlasts several heartbeat intervals, noting its registry score as it goes."""
    job = get_current_job()
    assert job is not None
    registry = StartedJobRegistry(job.origin, connection=job.connection)
    scores: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        members: Any = job.connection.zrange(registry.key, 0, -1, withscores=True)
        scores += [score for _, score in members]
        time.sleep(0.2)
    job.connection.set(key, json.dumps(scores))


def test_a_long_job_keeps_its_heartbeat_and_finishes_unrequeued(
    settings: Settings,
    redis_client: redis.Redis,
    queues: dict[str, Queue],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """In-process jobs still prove they are alive: the heartbeat is renewed while they run,
    so a slow job is never taken for abandoned, and a dead worker's job soon is."""
    monkeypatch.setattr(worker_module, "JOB_MONITORING_INTERVAL_SECONDS", 0.5)
    queues[DEFAULT_QUEUE].enqueue(
        f"{__name__}.beat_slowly", "beats", 3.5, job_id="slow", result_ttl=0
    )
    run_worker(settings, burst=True)
    raw = redis_client.get("beats")
    assert raw is not None
    scores = json.loads(raw)
    assert len(set(scores)) >= 3  # renewed several times during the job
    assert scores == sorted(scores)
    registry = StartedJobRegistry(DEFAULT_QUEUE, connection=redis_client)
    assert registry.get_job_ids(cleanup=False) == []  # no heartbeat after it finished
    assert redis_client.exists("rq:job:slow") == 0  # result_ttl 0: gone, not half-recreated
