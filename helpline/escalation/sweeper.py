"""The sweeper: every few seconds, drive whatever is overdue and re-queue lost pages.

Scheduled jobs make the ladder fast; the sweeper makes it sure. Every worker
runs one (a thread), so a dead worker, a lost job or a Redis restart that
dropped the scheduled-job registry never strands a caller. Running several at
once is safe: each step is a compare-and-set on the escalation.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from rq import Queue

from helpline.escalation.desk import Desk
from helpline.escalation.pages import Pager
from helpline.queueing import PAGE_RETRY, enqueue, job_id

log = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 5.0
"""Worst-case lateness of a step whose scheduled job was lost."""


@dataclass(frozen=True, slots=True)
class Swept:
    driven: int
    requeued: int


def sweep(desk: Desk, pager: Pager, queue: Queue, now: datetime) -> Swept:
    driven = requeued = 0
    for esc_id in desk.store.due_ids(now):
        desk.drive(esc_id)
        driven += 1
    for esc_id in desk.store.open_ids():
        for key, staff, channel in pager.sweep_pages(esc_id, now):
            enqueue(
                queue,
                "helpline.jobs.send_page",
                esc_id,
                key,
                staff,
                channel,
                id=job_id("page", esc_id, key, "again"),
                retry=PAGE_RETRY,
            )
            requeued += 1
    if driven or requeued:
        log.info("sweep", extra={"driven": driven, "requeued": requeued})
    return Swept(driven=driven, requeued=requeued)


class SweeperThread(threading.Thread):
    """Runs `sweep` until stopped; an error is logged and the next tick tries again."""

    def __init__(
        self, desk: Desk, pager: Pager, queue: Queue, *, every: float = SWEEP_EVERY_SECONDS
    ):
        super().__init__(name="escalation-sweeper", daemon=True)
        self.desk, self.pager, self.queue, self.every = desk, pager, queue, every
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                sweep(self.desk, self.pager, self.queue, self.desk.clock())
            except Exception:
                log.exception("sweep failed; trying again next tick")
            self.stopping.wait(self.every)

    def stop(self) -> None:
        self.stopping.set()
