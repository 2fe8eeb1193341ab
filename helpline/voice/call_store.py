"""Calls in Redis: one JSON CallState per call, changed only under WATCH."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from redis import Redis
from redis.client import Pipeline

from helpline import keys
from helpline.privacy import contact_ref
from helpline.settings import Secret
from helpline.store import as_text
from helpline.transaction import watched_update
from helpline.voice.call_state import CallState

T = TypeVar("T")

MAX_UPDATE_ATTEMPTS = 20


class CallStore:
    def __init__(self, redis: Redis, secret: Secret) -> None:
        self.redis = redis
        self._secret = secret

    def ref(self, call_sid: str) -> str:
        """A keyed hash of the CallSid: no call is findable from its keys alone."""
        return contact_ref("call:" + call_sid, self._secret)

    def get(self, call_ref: str) -> CallState | None:
        raw = self.redis.get(keys.call(call_ref))
        return CallState.from_json(raw) if raw else None

    def update(self, call_ref: str, decide: Callable[[CallState | None, Pipeline], T]) -> T:
        """Read the call, let `decide` queue writes, commit only if nobody changed it meanwhile."""
        key = keys.call(call_ref)

        def read(pipe: Pipeline) -> CallState | None:
            raw = pipe.get(key)
            return CallState.from_json(raw) if raw else None

        return watched_update(
            self.redis,
            (key,),
            read,
            decide,
            attempts=MAX_UPDATE_ATTEMPTS,
            conflict=f"call changed {MAX_UPDATE_ATTEMPTS} times in a row",
        )

    def save(self, pipe: Pipeline, call_ref: str, state: CallState) -> None:
        pipe.set(keys.call(call_ref), state.to_json(), ex=int(keys.CALL_TTL.total_seconds()))

    def once(self, call_ref: str, key: str, answer: str) -> str:
        """The answer first given to callback `key`; a redelivered callback gets the same one."""
        seen = keys.call_callback_seen(call_ref, key)
        ttl = int(keys.CALL_CALLBACK_DEDUPE_TTL.total_seconds())
        if self.redis.set(seen, answer, nx=True, ex=ttl):
            return answer
        return as_text(self.redis.get(seen)) or answer

    def seen(self, call_ref: str, key: str) -> str | None:
        return as_text(self.redis.get(keys.call_callback_seen(call_ref, key)))
