"""Timers for unanswered questions: one sorted-set member per waiting conversation.

A wait with a timeout (the triage flow's reminder after 4 h) used to be an rq job
scheduled with `enqueue_at`: about 1.2 KB of Redis per waiting conversation, most
of a conversation's footprint, held for hours. Here a timer is a member
"{ref}:{wait_id}" of one sorted set, scored by when it is due (under 100 bytes).
Each worker releases due timers about once a second into ordinary rq jobs with
deterministic ids (`timeout-{ref}-{wait_id}`), which the worker runs as before.

Releasing is at least once: the members are removed and their jobs enqueued in
one MULTI, so a releaser that dies leaves the timers in place; two releasers racing
enqueue the same job id twice, and the engine refuses a timeout whose wait has
already moved on (ResumeRejected), so a timer never acts twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from redis import Redis
from redis.client import Pipeline
from rq import Queue

from helpline import keys
from helpline.queueing import enqueue, job_id

log = logging.getLogger(__name__)

RELEASE_EVERY_SECONDS = 1.0
"""How late a timer may fire, as with rq's own scheduler."""

RELEASE_BATCH = 500
"""Timers released per round trip; a backlog (workers down for hours) drains batch by batch."""

RESUME_JOB = "helpline.jobs.resume_timeout"


def _member(ref: str, wait_id: int | str) -> str:
    return f"{ref}:{wait_id}"


def start(pipe: Pipeline, ref: str, wait_id: int, at: datetime) -> None:
    """The caller has until `at` to answer wait `wait_id`."""
    pipe.zadd(keys.timeouts(), {_member(ref, wait_id): at.timestamp()})


def cancel(pipe: Pipeline, ref: str, wait_id: int) -> None:
    """The wait was answered or left: its timer is not needed."""
    pipe.zrem(keys.timeouts(), _member(ref, wait_id))


def release_due(redis: Redis, queue: Queue, now: datetime) -> int:
    """Turn every timer due by `now` into a `resume_timeout` job. Returns how many."""
    released = 0
    while True:
        due = redis.zrangebyscore(keys.timeouts(), "-inf", now.timestamp(), 0, RELEASE_BATCH)
        if not due:
            return released
        with redis.pipeline(transaction=True) as pipe:
            pipe.multi()  # now, as rq's enqueue would, before the first buffered command
            for raw in due:
                member = raw.decode() if isinstance(raw, bytes) else str(raw)
                ref, _, wait = member.rpartition(":")
                pipe.zrem(keys.timeouts(), member)
                enqueue(
                    queue,
                    RESUME_JOB,
                    ref,
                    int(wait),
                    id=job_id("timeout", ref, wait),
                    pipeline=pipe,
                )
            pipe.execute()
        released += len(due)
        if len(due) < RELEASE_BATCH:
            return released


def forget(redis: Redis, ref: str) -> int:
    """Remove every timer of one caller (`helpline privacy forget`). Returns how many."""
    members = [m for m, _ in redis.zscan_iter(keys.timeouts(), match=_member(ref, "*"))]
    return int(redis.zrem(keys.timeouts(), *members)) if members else 0


def pending(redis: Redis) -> int:
    """Timers not yet due or not yet released."""
    return int(redis.zcard(keys.timeouts()))


class TimeoutReleaser(threading.Thread):
    """Runs `release_due` about once a second until stopped; an error waits for the next tick."""

    def __init__(
        self,
        redis: Redis,
        queue: Queue,
        clock: Callable[[], datetime],
        *,
        every: float = RELEASE_EVERY_SECONDS,
    ) -> None:
        super().__init__(name="timeout-releaser", daemon=True)
        self.redis, self.queue, self.clock, self.every = redis, queue, clock, every
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                release_due(self.redis, self.queue, self.clock())
            except Exception:
                log.exception("releasing due timeouts failed; trying again next tick")
            self.stopping.wait(self.every)

    def stop(self) -> None:
        self.stopping.set()
