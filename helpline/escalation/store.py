"""Escalations in Redis: the record, its due time, its pages, its conversation and the audit trail.

Every change is a compare-and-set on the escalation's key (WATCH/MULTI), so
two staff members answering at once, a sweeper and a scheduled job racing,
or a job retried after a crash all see one consistent history.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from redis import Redis
from redis.client import Pipeline

from helpline import keys
from helpline.escalation.model import Escalation, EscalationState, epoch
from helpline.store import as_text
from helpline.transaction import watched_update

MAX_UPDATE_ATTEMPTS = 8
"""An escalation changes a few times a minute at most; more conflicts than this is a bug."""

LOG_MAX = 2_000
"""Messages kept in one escalation's conversation."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRecord:
    staff: str
    channel: str
    state: str
    """queued, sending, sent, delivered, failed, unknown (fate not known: never resent), skipped"""
    at: str
    sid: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"staff": self.staff, "channel": self.channel, "state": self.state, "at": self.at,
             "sid": self.sid},
            separators=(",", ":"),
        )  # fmt: skip

    @classmethod
    def from_json(cls, raw: str | bytes) -> PageRecord:
        return cls(**json.loads(raw))


class EscalationStore:
    def __init__(self, redis: Redis, *, retention: timedelta = keys.ESCALATION_RETENTION) -> None:
        self.redis = redis
        self.retention = retention
        """A closed escalation's record, pages and transcript expire this long after closing."""

    # --- reading ------------------------------------------------------------------------

    def get(self, esc_id: int) -> Escalation | None:
        raw = self.redis.get(keys.escalation(esc_id))
        return Escalation.from_json(raw) if raw else None

    def open_for(self, ref: str) -> int | None:
        raw = as_text(self.redis.get(keys.caller_escalation(ref)))
        return int(raw) if raw else None

    def due_ids(self, now: datetime) -> list[int]:
        due: Any = self.redis.zrangebyscore(keys.escalations_due(), "-inf", epoch(now))
        return [int(i) for i in due]

    def open_ids(self) -> list[int]:
        return sorted(int(i) for i in self.redis.smembers(keys.escalations_open()))

    def closed_ids(self, *, limit: int) -> list[int]:
        """The most recently closed, newest first."""
        raw: Any = self.redis.zrevrange(keys.escalations_closed(), 0, limit - 1)
        return [int(i) for i in raw]

    def many(self, ids: list[int]) -> list[Escalation]:
        """The escalations that still exist, in the order asked (one round trip)."""
        if not ids:
            return []
        raws: Any = self.redis.mget([keys.escalation(i) for i in ids])
        return [Escalation.from_json(raw) for raw in raws if raw]

    def pages(self, esc_id: int) -> dict[str, PageRecord]:
        raw: Any = self.redis.hgetall(keys.escalation_pages(esc_id))
        return {k.decode(): PageRecord.from_json(v) for k, v in raw.items()}

    def conversation(self, esc_id: int, *, last: int = 50) -> list[dict[str, str]]:
        """The latest messages, oldest first: {who, body, at}."""
        entries: Any = self.redis.xrevrange(keys.escalation_log(esc_id), count=last)
        return [
            {k.decode(): v.decode() for k, v in fields.items()} for _id, fields in reversed(entries)
        ]

    def audit(self, *, count: int = 1000) -> list[dict[str, str]]:
        entries: Any = self.redis.xrange(keys.escalation_audit(), count=count)
        return [{k.decode(): v.decode() for k, v in fields.items()} for _id, fields in entries]

    # --- writing ------------------------------------------------------------------------

    def new_id(self) -> int:
        """The next short code. Taken outside the transaction: a retried one wastes a number."""
        return int(self.redis.incr(keys.escalation_counter()))

    def update(self, esc_id: int, decide: Callable[[Escalation | None, Pipeline], T]) -> T:
        """Read the escalation, let `decide` queue writes, commit only if nobody changed it."""
        key = keys.escalation(esc_id)

        def read(pipe: Pipeline) -> Escalation | None:
            raw = pipe.get(key)
            return Escalation.from_json(raw) if raw else None

        return watched_update(
            self.redis,
            (key,),
            read,
            decide,
            attempts=MAX_UPDATE_ATTEMPTS,
            conflict=f"escalation {esc_id} changed {MAX_UPDATE_ATTEMPTS} times in a row",
        )

    def save(
        self, pipe: Pipeline, esc: Escalation, event: str, now: datetime, *, staff: str = ""
    ) -> None:
        """Queue the new state, its due time, the open set and one audit entry."""
        pipe.set(keys.escalation(esc.id), esc.to_json())
        calling = esc.state is EscalationState.CALLING
        if (
            esc.due_at is not None
            and esc.state is not EscalationState.TAKEN
            and (esc.is_open or calling)
        ):
            pipe.zadd(keys.escalations_due(), {str(esc.id): epoch(esc.due_at)})
        else:
            pipe.zrem(keys.escalations_due(), str(esc.id))
        if esc.state is EscalationState.CLOSED:
            pipe.srem(keys.escalations_open(), str(esc.id))
            # The console's recent list: newest kept, the rest gone with their records.
            pipe.zadd(keys.escalations_closed(), {str(esc.id): epoch(esc.closed_at or now)})
            pipe.zremrangebyrank(keys.escalations_closed(), 0, -keys.CLOSED_ESCALATIONS_MAX - 1)
            pipe.delete(keys.caller_escalation(esc.ref))
            retention = int(self.retention.total_seconds())
            for key in (keys.escalation(esc.id), keys.escalation_pages(esc.id),
                        keys.escalation_log(esc.id)):  # fmt: skip
                pipe.expire(key, retention)
        else:
            pipe.sadd(keys.escalations_open(), str(esc.id))
            pipe.set(keys.caller_escalation(esc.ref), str(esc.id))
        self.record(pipe, esc, event, now, staff=staff)

    def record(
        self, pipe: Pipeline, esc: Escalation, event: str, now: datetime, *, staff: str = ""
    ) -> None:
        """One audit entry: what happened to which escalation, never a number or a body."""
        pipe.xadd(
            keys.escalation_audit(),
            {
                "esc": str(esc.id),
                "event": event,
                "state": str(esc.state),
                "round": str(esc.round),
                "step": str(esc.step),
                "staff": staff,
                "reason": esc.reason,
                "at": now.isoformat(timespec="seconds"),
            },
            maxlen=keys.ESCALATION_AUDIT_MAX,
            approximate=True,
        )

    def set_page(self, client: Redis | Pipeline, esc_id: int, key: str, page: PageRecord) -> None:
        client.hset(keys.escalation_pages(esc_id), key, page.to_json())

    def note(
        self,
        pipe: Pipeline | Redis,
        esc_id: int,
        who: str,
        body: str,
        now: datetime,
        *,
        kind: str = "",
    ) -> None:
        """Append to the escalation's conversation (read by the holder, purged with it).

        `kind` marks entries that are not messages (a staff note); plain messages have none.
        """
        fields = {"who": who, "body": body, "at": now.isoformat(timespec="seconds")}
        if kind:
            fields["kind"] = kind
        pipe.xadd(
            keys.escalation_log(esc_id),
            fields,  # type: ignore[arg-type]
            maxlen=LOG_MAX,
            approximate=True,
        )
