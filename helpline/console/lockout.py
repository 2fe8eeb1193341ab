"""Too many wrong passwords lock an account name for a while.

Counted per name typed (known or not, so a locked answer says nothing about
which names exist), in Redis so every web process agrees.
"""

from __future__ import annotations

import hashlib
import hmac

from redis import Redis

from helpline import keys
from helpline.settings import Secret

MAX_LOGIN_FAILURES = 5
"""Wrong passwords within keys.LOGIN_FAILURE_WINDOW before the name is locked for as long."""


class Lockout:
    def __init__(self, redis: Redis, secret_key: Secret) -> None:
        self.redis = redis
        self._key = secret_key.reveal().encode()

    def locked(self, name: str) -> bool:
        raw = self.redis.get(self._counter(name))
        return raw is not None and int(raw) >= MAX_LOGIN_FAILURES

    def failed(self, name: str) -> int:
        """Count one wrong password; the window starts at the first."""
        key = self._counter(name)
        with self.redis.pipeline() as pipe:
            pipe.incr(key)
            pipe.expire(key, int(keys.LOGIN_FAILURE_WINDOW.total_seconds()), nx=True)
            count, _ = pipe.execute()
        return int(count)

    def cleared(self, name: str) -> None:
        self.redis.delete(self._counter(name))

    def _counter(self, name: str) -> str:
        digest = hmac.new(self._key, name.strip().casefold().encode(), hashlib.sha256)
        return keys.login_failures(digest.hexdigest()[:32])
