"""Timers for unanswered questions: released once due, at least once, never lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis
from rq import Queue

from helpline import keys, timeouts
from helpline.queueing import build_queue

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def start(client: redis.Redis, ref: str, wait_id: int, at: datetime) -> None:
    with client.pipeline() as pipe:
        timeouts.start(pipe, ref, wait_id, at)
        pipe.execute()


def queued(queue: Queue) -> list[tuple[str, list[object]]]:
    return [(job.id, list(job.args)) for job in queue.get_jobs()]


def test_only_due_timers_become_jobs(redis_client: redis.Redis) -> None:
    queue = build_queue(redis_client)
    start(redis_client, "ref-a", 3, NOW - timedelta(seconds=1))
    start(redis_client, "ref-b", 7, NOW + timedelta(hours=4))
    assert timeouts.release_due(redis_client, queue, NOW) == 1
    assert queued(queue) == [("timeout-ref-a-3", ["ref-a", 3])]
    assert timeouts.pending(redis_client) == 1
    assert timeouts.release_due(redis_client, queue, NOW) == 0  # released once, not again
    assert timeouts.release_due(redis_client, queue, NOW + timedelta(hours=4)) == 1
    assert [job_id for job_id, _ in queued(queue)] == ["timeout-ref-a-3", "timeout-ref-b-7"]


def test_a_cancelled_timer_never_fires(redis_client: redis.Redis) -> None:
    queue = build_queue(redis_client)
    start(redis_client, "ref-a", 1, NOW)
    with redis_client.pipeline() as pipe:
        timeouts.cancel(pipe, "ref-a", 1)
        pipe.execute()
    assert timeouts.release_due(redis_client, queue, NOW + timedelta(days=1)) == 0
    assert queued(queue) == []


def test_a_backlog_is_released_batch_by_batch(redis_client: redis.Redis) -> None:
    queue = build_queue(redis_client)
    count = timeouts.RELEASE_BATCH * 2 + 3
    with redis_client.pipeline() as pipe:
        for n in range(count):
            timeouts.start(pipe, f"ref-{n}", 1, NOW - timedelta(seconds=n))
        pipe.execute()
    assert timeouts.release_due(redis_client, queue, NOW) == count
    assert queue.count == count
    assert timeouts.pending(redis_client) == 0


def test_a_timer_costs_far_less_than_a_scheduled_job(redis_client: redis.Redis) -> None:
    """Why timers are not rq jobs: measured, not assumed."""
    queue = build_queue(redis_client)
    ref = "f" * 43
    start(redis_client, ref, 12, NOW + timedelta(hours=4))
    timer = int(redis_client.memory_usage(keys.timeouts(), samples=0) or 0)
    job = queue.enqueue_at(NOW + timedelta(hours=4), timeouts.RESUME_JOB, ref, 12, job_id="t-1")
    scheduled = int(redis_client.memory_usage(job.key, samples=0) or 0)
    assert timer * 5 < scheduled


def test_forget_removes_one_callers_timers_only(redis_client: redis.Redis) -> None:
    start(redis_client, "ref-a", 1, NOW)
    start(redis_client, "ref-a", 2, NOW)
    start(redis_client, "ref-ab", 1, NOW)
    assert timeouts.forget(redis_client, "ref-a") == 2
    assert redis_client.zrange(keys.timeouts(), 0, -1) == [b"ref-ab:1"]
