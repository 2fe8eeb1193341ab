"""The RQ worker entrypoint: Settings → Runtime, installed once, then jobs from every queue.

A worker that dies mid-job (SIGKILL, OOM, a lost machine) leaves its job in the
queue's StartedJobRegistry until the job's heartbeat there expires; RQ's
maintenance then retries or fails it. With RQ's defaults that took about 14
minutes (measured: 820 s; a 90 s heartbeat, maintenance every 10 minutes and
only between 405 s waits on the queues, then the job's first retry interval,
through a scheduler whose lock the dead worker held for another minute), and a
job with no retries (perform_actions, a conversation timeout) was failed
outright: the caller's texts were never sent. Here the heartbeat is short,
maintenance runs every few seconds, and an abandoned job goes straight back to
the front of its queue: another worker picks it up within about 20 s (measured:
15 s). Every job is safe to run twice (helpline.jobs); a send resumes after the
last text recorded.

The same short maintenance restarts the scheduler within seconds when it dies,
as it does on any Redis connection error; before, scheduled work (retries,
timeouts) stopped for up to 10 minutes after a Redis restart. And a failed
job's log line leaves out the job's arguments, which hold texts.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from rq import Queue, SimpleWorker
from rq.exceptions import DeserializationError
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.job_lifecycle import call_exception_handlers, format_exc_info
from rq.serializers import JSONSerializer
from rq.utils import as_text
from rq.worker import WorkerStatus

from helpline.escalation.sweeper import SweeperThread
from helpline.queueing import QUEUES, URGENT_QUEUE
from helpline.runtime import build_runtime, install
from helpline.settings import Settings
from helpline.timeouts import TimeoutReleaser
from workers.preload import preload

log = logging.getLogger(__name__)

WORKER_TTL_SECONDS = 20
"""How long a worker's registration outlives its last heartbeat. RQ waits on the
queues for this less 15 s, and runs its maintenance only between those waits."""

MAINTENANCE_INTERVAL_SECONDS = 5
"""How often a worker looks for abandoned jobs and takes over a dead scheduler."""

JOB_MONITORING_INTERVAL_SECONDS = 5
"""How often a worker renews the heartbeat of the job its work-horse is running."""

HEARTBEAT_GRACE_SECONDS = 10
"""How long a running job's heartbeat outlives the next one due (RQ allows 60 s):
past it, the job is abandoned. Two missed heartbeats in a row."""

MAX_RESCUES = 3
"""Times an abandoned job is put straight back; after that RQ retries or fails it
as usual, so a job that kills its worker every time cannot do so for ever."""

RESCUES_META_KEY = "helpline_rescues"


def rescue_abandoned(queue: Queue) -> list[str]:
    """Put jobs whose worker died back at the front of `queue`; returns their ids.

    An entry of the StartedJobRegistry whose heartbeat has expired is a job whose
    worker is gone. Removing the entry is the claim: when several workers look at
    once, only the one whose ZREM removed it requeues the job.
    """
    registry = queue.started_job_registry
    connection = queue.connection
    rescued: list[str] = []
    for raw in connection.zrangebyscore(registry.key, 0, time.time()):
        entry = as_text(raw) if isinstance(raw, bytes | str) else str(raw)
        job: Job | None = queue.fetch_job(registry.parse_job_id(entry))
        if job is None or job.get_status(refresh=False) != JobStatus.STARTED:
            continue  # gone, or finished: RQ's own cleanup drops the entry
        rescues = int(job.meta.get(RESCUES_META_KEY, 0))
        if rescues >= MAX_RESCUES:
            continue  # RQ's cleanup retries it with backoff, or fails it
        if not connection.zrem(registry.key, entry):
            continue  # another worker claimed it
        # The dead run's execution goes too: RQ keeps its id in the job's execution
        # registry a minute longer than the execution itself, and the rescued run's
        # success would then fail on the missing execution (and be retried).
        with connection.pipeline() as pipe:
            Execution.from_composite_key(entry, connection).delete(job, pipe)
            pipe.execute()
        job.meta[RESCUES_META_KEY] = rescues + 1
        job.save_meta()  # type: ignore[no-untyped-call]
        job.started_at = None
        queue.enqueue_job(job, at_front=True)
        rescued.append(job.id)
        log.warning(
            "abandoned job requeued",
            extra={"job_id": job.id, "queue": queue.name, "rescues": rescues + 1},
        )
    return rescued


class _Recovering:
    """What both worker kinds add to RQ's: short heartbeats, abandoned jobs requeued."""

    queues: list[Queue]
    name: str
    log: logging.Logger
    _exc_handlers: list[Any]

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        """RQ's failed-job log line, without the job's arguments.

        RQ logs `arguments` and `kwargs` with every failed job: for a send, the
        texts themselves, and for a relay to staff, the caller's own words.
        """
        try:
            func_name = job.func_name
        except DeserializationError:
            func_name = "<DeserializationError>"
        self.log.error(
            "Worker %s: job %s: exception raised while executing (%s)\n%s",
            self.name,
            job.id,
            func_name,
            format_exc_info(exc_info),
            extra={"func": func_name, "queue": job.origin, "job_id": job.id},
        )
        call_exception_handlers(self._exc_handlers, job, *exc_info)

    def clean_registries(self) -> None:
        for queue in self.queues:
            try:
                rescue_abandoned(queue)
            except Exception:
                log.exception("looking for abandoned jobs failed", extra={"queue": queue.name})
        super().clean_registries()  # type: ignore[misc]


class HelplineWorker(_Recovering, SimpleWorker):
    """Jobs in the worker's own process, with a thread renewing the job's heartbeat.

    rq's default Worker forks a work horse per job. Measured under bench.endtoend, two
    forking workers ran about 60 jobs a second, and every horse opened new connections
    to Redis and to Twilio (a TLS handshake per job in production). In the worker's own
    process a job reuses both, and what the worker has loaded. A job that overruns is
    still stopped at its timeout (rq's death penalty), and a worker that dies mid-job
    is covered as before: its heartbeat stops and the job is requeued within seconds.
    """

    _beating: threading.Event | None = None
    _beat: threading.Thread | None = None

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        # Renewed every interval while the job runs (below), so it need not outlast the
        # job's timeout: a job whose worker died is taken for abandoned within seconds.
        return int(self.job_monitoring_interval) + HEARTBEAT_GRACE_SECONDS

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        self._start_beating(job, execution)
        try:
            self.perform_job(job, queue, execution)
        finally:
            self._stop_beating()
        self.set_state(WorkerStatus.IDLE)

    def handle_job_success(self, *args: Any, **kwargs: Any) -> None:
        # The job's function has returned: no heartbeat may land after rq removes the job
        # from its registries, or the finished job would look started (and abandoned).
        self._stop_beating()
        super().handle_job_success(*args, **kwargs)

    def handle_job_failure(self, *args: Any, **kwargs: Any) -> None:
        self._stop_beating()
        super().handle_job_failure(*args, **kwargs)

    def _start_beating(self, job: Job, execution: Execution) -> None:
        beating = threading.Event()

        def beat() -> None:
            while not beating.wait(self.job_monitoring_interval):
                try:
                    self.maintain_heartbeats(job, execution)
                except Exception:
                    log.exception("renewing a job's heartbeat failed", extra={"job_id": job.id})

        self._beating = beating
        self._beat = threading.Thread(target=beat, name="job-heartbeat", daemon=True)
        self._beat.start()

    def _stop_beating(self) -> None:
        if self._beating is not None and self._beat is not None:
            self._beating.set()
            self._beat.join()
        self._beating = self._beat = None


def build_worker(queues: list[Queue], redis: Any) -> HelplineWorker:
    return HelplineWorker(
        queues,
        connection=redis,
        serializer=JSONSerializer,
        worker_ttl=WORKER_TTL_SECONDS,
        maintenance_interval=MAINTENANCE_INTERVAL_SECONDS,
        job_monitoring_interval=JOB_MONITORING_INTERVAL_SECONDS,
    )


def run_worker(settings: Settings, *, burst: bool = False, urgent_only: bool = False) -> bool:
    """Run until stopped (or, with burst, until the queues are empty).

    A worker takes the urgent queue first, but a job already running is not
    interrupted: `urgent_only` workers exist so that a page never waits behind
    a batch of program texts.
    """
    runtime = build_runtime(settings)
    install(runtime)
    if not urgent_only:
        preload()  # before the first job, not during a caller's
    names = (URGENT_QUEUE,) if urgent_only else QUEUES
    queues = [Queue(name, connection=runtime.redis, serializer=JSONSerializer) for name in names]
    worker = build_worker(queues, runtime.redis)
    # The sweeper re-drives overdue escalations even when their scheduled job was lost.
    sweeper = SweeperThread(runtime.desk, runtime.pager, runtime.urgent_queue)
    sweeper.start()
    releaser = None
    if not urgent_only:
        # Unanswered questions' timers become jobs on the default queue, about once a second.
        releaser = TimeoutReleaser(runtime.redis, runtime.queue, runtime.clock)
        releaser.start()
    try:
        # The scheduler moves due retries (and scheduled pages) onto the queues, once a second.
        return bool(worker.work(burst=burst, with_scheduler=True))
    finally:
        sweeper.stop()
        if releaser is not None:
            releaser.stop()


def main() -> None:
    from helpline.logs import setup_logging

    setup_logging()
    run_worker(Settings.from_environ())


if __name__ == "__main__":
    main()
