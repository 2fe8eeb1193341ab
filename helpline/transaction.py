"""Optimistic Redis transactions: read under WATCH, queue writes, commit only if unchanged.

Contacts, escalations and calls are all changed this way; each store says what
to watch, how to read its record and how many times to try.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from redis import Redis, WatchError
from redis.client import Pipeline

from helpline.errors import SessionConflict

R = TypeVar("R")
T = TypeVar("T")


def watched_update(
    redis: Redis,
    watch: Sequence[str],
    read: Callable[[Pipeline], R],
    decide: Callable[[R, Pipeline], T],
    *,
    attempts: int,
    conflict: str,
) -> T:
    """`decide` sees what `read` found and queues writes; a concurrent change retries it all."""
    for _ in range(attempts):
        with redis.pipeline() as pipe:
            try:
                pipe.watch(*watch)  # type: ignore[no-untyped-call]
                current = read(pipe)
                pipe.multi()
                result = decide(current, pipe)
                pipe.execute()
                return result
            except WatchError:
                continue
    raise SessionConflict(conflict)
