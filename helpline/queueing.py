"""RQ queues, always with the JSON serializer: job arguments are ids and strings, never pickles."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from redis import Redis
from redis.client import Pipeline
from rq import Queue, RateLimit, Retry
from rq.job import Job
from rq.serializers import JSONSerializer

URGENT_QUEUE = "helpline-urgent"
"""Escalations: a person in trouble never waits behind program texts."""

DEFAULT_QUEUE = "helpline"
QUEUES = (URGENT_QUEUE, DEFAULT_QUEUE)
"""Workers take jobs in this order."""

JOB_TIMEOUT_SECONDS = 60
"""A job that takes longer is stuck: every REST call inside has a 10 s timeout."""

SEND_RETRY_INTERVALS_SECONDS = [10, 30, 60, 120]
"""Backoff for 429s, 5xx and timeouts; needs the scheduler, which `helpline worker` runs."""

SEND_RETRY = Retry(max=len(SEND_RETRY_INTERVALS_SECONDS), interval=SEND_RETRY_INTERVALS_SECONDS)

PAGE_RETRY_INTERVALS_SECONDS = [2, 5, 10]
"""Pages retry sooner than program texts: the ladder moves on after ack_timeout anyway."""

PAGE_RETRY = Retry(max=len(PAGE_RETRY_INTERVALS_SECONDS), interval=PAGE_RETRY_INTERVALS_SECONDS)

JOB_RESULT_TTL_SECONDS = 0
"""Results are not kept: job arguments can hold a caller's answers, so they leave Redis at once."""

JOB_FAILURE_TTL_SECONDS = 7 * 24 * 3600
"""Failed jobs stay a week for operators to inspect (they hold refs, never numbers)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def build_queue(redis: Redis, name: str = DEFAULT_QUEUE) -> Queue:
    return Queue(
        name, connection=redis, serializer=JSONSerializer, default_timeout=JOB_TIMEOUT_SECONDS
    )


def job_id(*parts: object) -> str:
    """A deterministic RQ job id: the same work twice gets the same id."""
    return "-".join(_UNSAFE.sub("_", str(p)) for p in parts)


def enqueue(
    queue: Queue,
    func: str,
    *args: object,
    id: str,
    pipeline: Pipeline | None = None,
    at: datetime | None = None,
    retry: Retry | None = None,
    rate_limit: RateLimit | None = None,
) -> Job:
    """Enqueue (or schedule, with `at`) a job by name, the only way the helpline does.

    RQ logs a job's description, which by default spells out its arguments:
    answers and message texts. The description is set to the job id instead,
    which holds only a ref and counters.
    """
    options: dict[str, Any] = {
        "job_id": id,
        "description": id,
        "pipeline": pipeline,
        "result_ttl": JOB_RESULT_TTL_SECONDS,
        "failure_ttl": JOB_FAILURE_TTL_SECONDS,
        "retry": retry,
    }
    if rate_limit is not None:
        options["rate_limit"] = rate_limit
    job: Job
    if at is not None:
        job = queue.enqueue_at(at, func, *args, **options)
    else:
        job = queue.enqueue(func, *args, **options)
    return job
