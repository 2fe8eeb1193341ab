"""`helpline worker`: which queues a worker takes, and where its jobs run."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis
from rq import Queue, get_current_job
from rq.serializers import JSONSerializer

from helpline.queueing import DEFAULT_QUEUE, URGENT_QUEUE
from helpline.runtime import install
from helpline.settings import Settings
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


def test_an_ordinary_worker_takes_every_queue_in_a_fork_per_job(
    settings: Settings, redis_client: redis.Redis, queues: dict[str, Queue]
) -> None:
    enqueue_both(queues)
    run_worker(settings, burst=True)
    for name in queues:
        pid = redis_client.get(f"ran:{name}")
        assert pid is not None, name
        assert pid != str(os.getpid()).encode(), name
        assert queues[name].count == 0
