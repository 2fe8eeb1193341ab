"""Texts to a caller that go out later, through a worker, in order."""

from __future__ import annotations

from redis.client import Pipeline
from rq import Queue, RateLimit

from helpline.queueing import SEND_RETRY, enqueue, job_id

SENDS_AT_ONCE_PER_CALLER = 1
"""One batch to a caller at a time (rq's rate limit): a burst of MORE replies or timeouts
queues behind the batch in flight, so texts arrive in order and one caller cannot take
every worker. Twilio then paces the number's own sending (1 segment a second on a long code)."""


def send_limit_key(ref: str) -> str:
    """The rq rate-limit key for one caller's sends (rq keeps it under `rq:rl:`)."""
    return f"send-{ref}"


def send_texts_later(
    queue: Queue,
    pipe: Pipeline | None,
    ref: str,
    texts: list[str],
    *,
    batch: str,
    validity: int | None = None,
) -> None:
    """Queue an ordered batch of texts to one caller; a retry resumes where it stopped.

    Inside a transaction (`pipe`) the batch is not rate limited: rq cannot rate-limit
    a job on a pipeline, and those batches are the replies that commit with the
    conversation (timeouts, relays from staff), which must never be lost.
    """
    limit = None if pipe is not None else RateLimit(send_limit_key(ref), SENDS_AT_ONCE_PER_CALLER)
    enqueue(
        queue,
        "helpline.jobs.send_texts",
        ref,
        texts,
        batch,
        *([validity] if validity is not None else []),
        id=job_id("send", batch),
        pipeline=pipe,
        retry=SEND_RETRY,
        rate_limit=limit,
    )
