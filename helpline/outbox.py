"""Texts to a caller that go out later, through a worker, in order."""

from __future__ import annotations

from redis.client import Pipeline
from rq import Queue

from helpline.queueing import SEND_RETRY, enqueue, job_id


def send_texts_later(
    queue: Queue, pipe: Pipeline | None, ref: str, texts: list[str], *, batch: str
) -> None:
    """Queue an ordered batch of texts to one caller; a retry resumes where it stopped."""
    enqueue(
        queue,
        "helpline.jobs.send_texts",
        ref,
        texts,
        batch,
        id=job_id("send", batch),
        pipeline=pipe,
        retry=SEND_RETRY,
    )
