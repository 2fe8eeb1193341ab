"""What Redis holds about one caller, read and written as one compare-and-set.

A conversation is saved only if nobody else saved it since we read it
(WATCH/MULTI): two texts from the same person that arrive together are
processed one after the other, never interleaved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from redis import Redis
from redis.client import Pipeline

from helpline import keys
from helpline.engine.session import Session
from helpline.privacy import NumberVault
from helpline.transaction import watched_update

MAX_SAVE_ATTEMPTS = 5
"""Retries when another request saved the same conversation between our read and write."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Contact:
    """One caller as Redis knows them, by ref."""

    ref: str
    session: Session | None
    opted_out: bool
    language: str | None
    escalation: int | None = None
    """The caller's open escalation: while there is one, their texts go to it."""
    junk: int = 0
    """Replies in a row the flow could not understand (helpline.conversation caps them)."""


class ContactStore:
    def __init__(self, redis: Redis, vault: NumberVault) -> None:
        self.redis = redis
        self.vault = vault

    def claim_inbound(self, message_sid: str) -> bool:
        """True the first time a MessageSid is seen; a redelivery gets False."""
        ttl = int(keys.INBOUND_DEDUPE_TTL.total_seconds())
        return bool(self.redis.set(keys.inbound_seen(message_sid), b"1", nx=True, ex=ttl))

    def release_inbound(self, message_sid: str) -> None:
        """Forget a MessageSid we could not process, so Twilio's retry is not dropped."""
        self.redis.delete(keys.inbound_seen(message_sid))

    def update(self, ref: str, decide: Callable[[Contact, Pipeline], T]) -> T:
        """Read the contact, let `decide` queue writes on the pipeline, commit if unchanged."""
        return watched_update(
            self.redis,
            (keys.session(ref), keys.opted_out(ref), keys.caller_escalation(ref)),
            lambda pipe: _read(pipe, ref),
            decide,
            attempts=MAX_SAVE_ATTEMPTS,
            conflict=f"conversation changed {MAX_SAVE_ATTEMPTS} times while we saved it",
        )

    def load(self, ref: str) -> Contact:
        return _read(self.redis, ref)

    def number(self, ref: str) -> str | None:
        """The caller's number, opened from its encrypted form; None when not held."""
        token = self.redis.get(keys.number(ref))
        return self.vault.open(token) if token else None

    def hold_number(self, client: Redis | Pipeline, ref: str, number: str, ttl: timedelta) -> None:
        """Keep the number, encrypted, for workers that must text the caller later."""
        client.set(keys.number(ref), self.vault.seal(number), ex=max(1, int(ttl.total_seconds())))

    def record_opt_out(self, ref: str, when: datetime) -> None:
        with self.redis.pipeline() as pipe:
            write_opt_out(pipe, ref, when)
            pipe.execute()


def write_opt_out(pipe: Pipeline, ref: str, when: datetime) -> None:
    """Queue an opt-out: remember it, and drop the conversation and the number it needs."""
    pipe.set(keys.opted_out(ref), when.isoformat())
    pipe.delete(keys.session(ref), keys.number(ref))


def _read(client: Redis | Pipeline, ref: str) -> Contact:
    raw_session, raw_optout, raw_language, raw_escalation, raw_junk = client.mget(
        keys.session(ref),
        keys.opted_out(ref),
        keys.language(ref),
        keys.caller_escalation(ref),
        keys.junk_replies(ref),
    )
    escalation = as_text(raw_escalation)
    return Contact(
        ref=ref,
        session=parse_session(raw_session),
        opted_out=raw_optout is not None,
        language=as_text(raw_language),
        escalation=int(escalation) if escalation else None,
        junk=int(raw_junk or 0),
    )


def as_text(raw: bytes | str | None) -> str | None:
    """Redis answers bytes (decode_responses is off); None stays None."""
    if raw is None:
        return None
    return raw.decode() if isinstance(raw, bytes) else raw


# A session is kept as compact JSON: one-letter names and times as integer microseconds
# since the epoch (exact, as the ISO form was). Every live conversation holds one, so this
# halves the largest part of a conversation's Redis footprint (394 → about 200 bytes).
_COMPACT = (
    ("f", "flow"), ("fv", "flow_version"), ("l", "language"), ("s", "status"),
    ("n", "node"), ("v", "variables"), ("w", "wait_id"), ("r", "retries"), ("p", "sprints"),
)  # fmt: skip
_TIMES = (("t0", "started_at"), ("t", "updated_at"), ("x", "expires_at"), ("to", "timeout_at"))
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def _instant(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def parse_session(raw: bytes | str | None) -> Session | None:
    """A session as stored under keys.session(ref); None when there is none.

    Sessions written before the compact form (long names, ISO times) still read."""
    if not raw:
        return None
    data = json.loads(raw)
    if "flow" in data:
        return Session.from_dict(data)
    full: dict[str, Any] = {name: data[short] for short, name in _COMPACT if short in data}
    for short, name in _TIMES:
        value = data.get(short)
        full[name] = _instant(value).isoformat() if value is not None else None
    return Session.from_dict(full)


def dump_session(session: Session) -> str:
    full = session.to_dict()
    data: dict[str, Any] = {short: full[name] for short, name in _COMPACT}
    for short, name in _TIMES:
        at: datetime | None = getattr(session, name)
        if at is not None:
            data[short] = _micros(at)
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
