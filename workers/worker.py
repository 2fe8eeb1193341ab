"""The RQ worker entrypoint: Settings → Runtime, installed once, then jobs from every queue."""

from __future__ import annotations

from rq import Queue, SimpleWorker, Worker
from rq.serializers import JSONSerializer

from helpline.escalation.sweeper import SweeperThread
from helpline.queueing import QUEUES, URGENT_QUEUE
from helpline.runtime import build_runtime, install
from helpline.settings import Settings


def run_worker(settings: Settings, *, burst: bool = False, urgent_only: bool = False) -> bool:
    """Run until stopped (or, with burst, until the queues are empty).

    A worker takes the urgent queue first, but a job already running is not
    interrupted: `urgent_only` workers exist so that a page never waits behind
    a batch of program texts. They run each job in their own process rather
    than a fork of it: a fork per job costs more than a page itself under load,
    and a crash mid-page is covered by the sweeper and the page's claim.
    """
    runtime = build_runtime(settings)
    install(runtime)
    names = (URGENT_QUEUE,) if urgent_only else QUEUES
    queues = [Queue(name, connection=runtime.redis, serializer=JSONSerializer) for name in names]
    kind = SimpleWorker if urgent_only else Worker
    worker = kind(queues, connection=runtime.redis, serializer=JSONSerializer)
    # The sweeper re-drives overdue escalations even when their scheduled job was lost.
    sweeper = SweeperThread(runtime.desk, runtime.pager, runtime.urgent_queue)
    sweeper.start()
    try:
        # The scheduler moves due timeouts and retries onto the queues, about once a second.
        return bool(worker.work(burst=burst, with_scheduler=True))
    finally:
        sweeper.stop()


def main() -> None:
    from helpline.logs import setup_logging

    setup_logging()
    run_worker(Settings.from_environ())


if __name__ == "__main__":
    main()
