"""Run the real RQ worker code in the test process, with the test's clock for scheduled jobs."""

from __future__ import annotations

from datetime import datetime

from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from helpline import timeouts
from helpline.queueing import QUEUES
from helpline.runtime import Runtime, install


def release_due(runtime: Runtime, at: datetime) -> int:
    """What rq's scheduler and the timeout releaser do once a second, at the test's time:
    due jobs and due timers onto their queue."""
    released = timeouts.release_due(runtime.redis, runtime.queue, at)
    for name in QUEUES:
        queue = Queue(name, connection=runtime.redis, serializer=JSONSerializer)
        registry = ScheduledJobRegistry(queue=queue)  # type: ignore[no-untyped-call]
        ids = registry.get_jobs_to_schedule(int(at.timestamp()))
        for job in Job.fetch_many(ids, connection=runtime.redis, serializer=JSONSerializer):
            if job is not None:
                queue.enqueue_job(job)
                registry.remove(job)
                released += 1
    return released


class QuietWorker(SimpleWorker):
    """No pubsub thread: stopping rq 3.0's with redis-py 8 can stall a burst worker for 60 s."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


def run_jobs(runtime: Runtime, *, at: datetime | None = None) -> int:
    """Work every queue empty (releasing jobs due by `at` first, repeatedly). Returns jobs run."""
    install(runtime)
    total = 0
    try:
        while True:
            if at is not None:
                release_due(runtime, at)
            queues = [Queue(n, connection=runtime.redis, serializer=JSONSerializer) for n in QUEUES]
            if not any(q.count for q in queues):
                return total
            worker = QuietWorker(queues, connection=runtime.redis, serializer=JSONSerializer)
            worker.work(burst=True)
            total += 1
    finally:
        install(None)
