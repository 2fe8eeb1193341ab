"""Delivery status of the texts we sent, from Twilio's status callbacks.

Callbacks can repeat and arrive out of order ("delivered" before "sent"), so
each (message, status) is counted once and a status never moves backwards.
"""

from __future__ import annotations

from datetime import datetime

from redis import Redis

from helpline import keys, metrics
from helpline.store import ContactStore, as_text
from helpline.telephony.sender import OPTED_OUT_CODE

STATUS_ORDER = {
    "accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
    "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "read": 5,
}  # fmt: skip
"""Later statuses win; the final ones (4+) are never replaced by an earlier one."""


def record_status(
    redis: Redis,
    store: ContactStore,
    *,
    message_sid: str,
    status: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """Record one callback; False when it was a repeat."""
    ttl = int(keys.STATUS_DEDUPE_TTL.total_seconds())
    if not redis.set(keys.status_seen(message_sid, status), b"1", nx=True, ex=ttl):
        return False
    key = keys.outbound(message_sid)
    ref_raw, current_raw, esc_raw = redis.hmget(key, "ref", "status", "esc")
    current = as_text(current_raw)
    ref = as_text(ref_raw)
    with redis.pipeline() as pipe:
        if STATUS_ORDER.get(status, -1) >= STATUS_ORDER.get(current or "", -1):
            pipe.hset(key, "status", status)
            pipe.hset(key, "updated", now.isoformat(timespec="seconds"))
            if error_code:
                pipe.hset(key, "error_code", error_code)
            pipe.expire(key, int(keys.OUTBOUND_RECORD_TTL.total_seconds()))
        # Counted even when late ("sent" after "delivered"): each (message, status) once.
        kind = "caller" if ref else "page" if esc_raw else "other"
        metrics.count_delivery(pipe, kind, status)
        pipe.execute()
    if error_code == str(OPTED_OUT_CODE) and ref:
        store.record_opt_out(ref, now)
    return True
