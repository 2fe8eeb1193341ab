"""Scheduled re-imports with rq's cron: one cron job per source that has a `refresh`.

rq 3.0's CronJob enqueues with the default (pickle) serializer, which our
JSON workers refuse; the subclass below enqueues through the helpline's own
JSON queue and job options instead. Everything else (timing, history,
heartbeats) is rq's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from redis import Redis
from rq.cron import CronJob, CronScheduler
from rq.job import Job

from helpline.meetings.source import Source
from helpline.queueing import DEFAULT_QUEUE, build_queue, enqueue, job_id

IMPORT_JOB = "helpline.jobs.import_meetings"


class _JsonCronJob(CronJob):
    def enqueue(self, connection: Redis) -> Job:
        source_id = self.args[0]
        job = enqueue(
            build_queue(connection, self.queue_name),
            IMPORT_JOB,
            source_id,
            # One import of a source at a time: a re-run while one is queued is the same job.
            id=job_id("import", source_id),
        )
        if job.enqueued_at is not None:  # rq's history of what each cron job spawned
            connection.zadd(self.job_history_key, {job.id: job.enqueued_at.timestamp()})
        return job


class MeetingCron(CronScheduler):
    def register_source(self, source: Source) -> CronJob:
        cron_job = _JsonCronJob(
            queue_name=DEFAULT_QUEUE,
            func_name=IMPORT_JOB,
            args=(source.id,),
            cron=source.refresh,
            name=f"import-{source.id}",
        )
        self._cron_jobs.append(cron_job)
        return cron_job


def build_cron(redis: Redis, sources: Iterable[Source], **options: Any) -> MeetingCron:
    """A scheduler with one cron job per source that asks to be refreshed."""
    cron = MeetingCron(connection=redis, **options)
    for source in sources:
        if source.refresh:
            cron.register_source(source)
    return cron
