"""`helpline privacy forget NUMBER`: remove everything the helpline holds about one caller.

A caller may ask to be forgotten, and substance-use records should not outlive
their use (42 CFR Part 2). Everything is found by the caller's ref (the number
is never a key): conversation, encrypted number, opt-out, language, meetings
waiting for MORE, escalations with their transcripts, delivery records, calls,
queued or scheduled jobs for them, and a blocklist entry. The erasure itself is
recorded, by count only, in the privacy audit stream.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.rate_limit import RateLimitRegistry
from rq.serializers import JSONSerializer

from helpline import keys, timeouts
from helpline.outbox import send_limit_key
from helpline.privacy import contact_ref
from helpline.settings import Secret
from helpline.store import as_text

SCAN_COUNT = 1000
PRIVACY_AUDIT_MAX = 10_000
_ESCALATION_KEY = re.compile(rf"^{keys.PREFIX}:esc:(\d+)$")


@dataclass
class Erasure:
    """What one `forget` removed, by kind (counts only: nothing about the caller)."""

    removed: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, n: int = 1) -> None:
        if n:
            self.removed[kind] = self.removed.get(kind, 0) + n

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def forget(redis: Redis, secret_key: Secret, number: str, now: datetime) -> Erasure:
    ref = contact_ref(number, secret_key)
    erasure = Erasure()
    simple = {
        "conversation": keys.session(ref),
        "number": keys.number(ref),
        "opt-out": keys.opted_out(ref),
        "language": keys.language(ref),
        "meetings page": keys.meetings_page(ref),
        "cannot-text mark": keys.cannot_text(ref),
        "escalation pointer": keys.caller_escalation(ref),
        "sandbox texts": keys.sandbox_stream(ref),
        "junk count": keys.junk_replies(ref),
    }
    for kind, key in simple.items():
        erasure.count(kind, int(redis.delete(key)))
    erasure.count("inbound counters", _delete_matching(redis, keys.inbound_count(ref, "*")))
    erasure.count("send progress", _delete_matching(redis, keys.outbox_progress(f"*{ref}*")))
    erasure.count("blocklist entry", int(redis.hdel(keys.blocklist(), ref)))
    erasure.count("blocked notices", _delete_matching(redis, keys.blocked_notice(ref, "*")))
    erasure.count("question timers", timeouts.forget(redis, ref))
    _forget_escalations(redis, ref, erasure)
    _forget_records(redis, ref, erasure)
    _forget_jobs(redis, ref, erasure)
    limit = RateLimitRegistry(send_limit_key(ref), redis)
    erasure.count(
        "send limit", int(redis.delete(limit.config_key, limit.allowed_key, limit.rate_limited_key))
    )
    redis.srem(RateLimitRegistry.rl_keys_key, limit.key)
    redis.xadd(
        keys.privacy_audit(),
        {
            "event": "forgotten",
            "at": now.isoformat(timespec="seconds"),
            "removed": str(erasure.total),
        },
        maxlen=PRIVACY_AUDIT_MAX,
        approximate=True,
    )
    return erasure


def _delete_matching(redis: Redis, pattern: str) -> int:
    found = list(redis.scan_iter(match=pattern, count=SCAN_COUNT))
    return int(redis.delete(*found)) if found else 0


def _forget_escalations(redis: Redis, ref: str, erasure: Erasure) -> None:
    for key in redis.scan_iter(match=keys.escalation("*"), count=SCAN_COUNT):
        match = _ESCALATION_KEY.match(as_text(key) or "")
        raw = redis.get(key) if match else None
        if not match or raw is None or json.loads(raw).get("ref") != ref:
            continue
        esc_id = match.group(1)
        redis.delete(
            keys.escalation(esc_id),
            keys.escalation_pages(esc_id),
            keys.escalation_log(esc_id),
            keys.escalation_hold_notice(esc_id),
        )
        redis.srem(keys.escalations_open(), esc_id)
        redis.zrem(keys.escalations_due(), esc_id)
        redis.zrem(keys.escalations_closed(), esc_id)
        erasure.count("escalations with transcripts")


def _forget_records(redis: Redis, ref: str, erasure: Erasure) -> None:
    """Delivery records (which text went to whom) and calls name the caller by ref inside."""
    for key in redis.scan_iter(match=keys.outbound("*"), count=SCAN_COUNT):
        if as_text(redis.hget(key, "ref")) == ref:
            erasure.count("delivery records", int(redis.delete(key)))
    for key in redis.scan_iter(match=keys.call_pattern(), count=SCAN_COUNT):
        if b":seen:" in key or redis.type(key) != b"string":
            continue
        raw = redis.get(key)
        if raw is not None and json.loads(raw).get("ref") == ref:
            erasure.count("calls", int(redis.delete(key)))


def _forget_jobs(redis: Redis, ref: str, erasure: Erasure) -> None:
    """Timeouts, sends and actions waiting for this caller: their ids carry the ref."""
    prefix = Job.redis_job_namespace_prefix
    for key in redis.scan_iter(match=f"{prefix}*{ref}*", count=SCAN_COUNT):
        job_id = (as_text(key) or "")[len(prefix) :]
        try:
            Job.fetch(job_id, connection=redis, serializer=JSONSerializer).delete()
        except NoSuchJobError:
            continue
        erasure.count("queued jobs")
