"""A per-number limit on inbound texts: a flood gets one notice, then silence for a while.

A person texting fast sends a dozen short texts in a few minutes; a bot or a
stuck phone sends hundreds, and each would cost a reply and a worker's time.
Counted in fixed windows per caller ref (never the number). Texts the crisis
screen flags are never limited: the caller is let through to a person.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from redis import Redis

from helpline import keys


class Admission(enum.Enum):
    ADMIT = "admit"
    NOTICE = "notice"
    """The first text over the limit: it gets one reply saying how to reach a person."""
    SILENCE = "silence"


class InboundLimit:
    def __init__(self, redis: Redis, *, limit: int, window: timedelta) -> None:
        self.redis = redis
        self.limit = limit
        self.window = window

    def admit(self, ref: str, now: datetime) -> Admission:
        key, expiry = self.counter(ref, now)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, expiry)
            count = int(pipe.execute()[0])
        return self.judge(count)

    def counter(self, ref: str, now: datetime) -> tuple[str, int]:
        """The key counting `ref`'s texts in the window `now` is in, and its expiry in seconds.

        For a caller that counts in its own round trip (helpline.conversation folds the count
        into the MessageSid claim): INCR the key, EXPIRE it, and `judge` the count.
        """
        seconds = max(1, int(self.window.total_seconds()))
        # It outlives its window by a second: no early reset.
        return keys.inbound_count(ref, int(now.timestamp()) // seconds), seconds + 1

    def judge(self, count: int) -> Admission:
        """What the `count`th text in a window gets."""
        if count <= self.limit:
            return Admission.ADMIT
        return Admission.NOTICE if count == self.limit + 1 else Admission.SILENCE
