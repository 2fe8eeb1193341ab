"""Numbers operators have blocked (abuse, harassment of staff): their texts reach neither
the flow nor staff. Now and then they get the safe reply, which names 988, 911 and the
24/7 line (helpline.conversation): a block must not leave someone in danger with silence.

Kept by ref, with the last four digits and a note for operators; the number
itself is never stored. `helpline blocklist add|remove|list` and the console's
blocklist page manage it; an escalation's page blocks its caller by ref alone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from redis.client import Pipeline

from helpline import keys
from helpline.privacy import contact_ref, mask_number
from helpline.settings import Secret
from helpline.store import as_text


@dataclass(frozen=True, slots=True)
class BlockedNumber:
    ref: str
    shown: str
    """The last four digits, for operators."""
    note: str
    since: str


class Blocklist:
    def __init__(self, redis: Redis, secret_key: Secret) -> None:
        self.redis = redis
        self._key = secret_key

    def add(self, number: str, note: str, now: datetime) -> BlockedNumber:
        return self.add_ref(contact_ref(number, self._key), mask_number(number), note, now)

    def add_ref(
        self,
        ref: str,
        shown: str,
        note: str,
        now: datetime,
        *,
        client: Redis | Pipeline | None = None,
    ) -> BlockedNumber:
        """Block a caller known only by ref (an escalation's), with the digits staff see.

        `client` may be a pipeline, so the block commits with an audit entry.
        """
        entry = BlockedNumber(
            ref=ref, shown=shown, note=note, since=now.isoformat(timespec="seconds")
        )
        value = {"shown": entry.shown, "note": note, "since": entry.since}
        (client or self.redis).hset(keys.blocklist(), ref, json.dumps(value))
        return entry

    def remove(self, number: str) -> bool:
        return self.remove_ref(contact_ref(number, self._key)) is not None

    def remove_ref(self, ref: str) -> BlockedNumber | None:
        """Unblock by ref (the console never has the number); the entry removed, if any."""
        with self.redis.pipeline() as pipe:
            pipe.hget(keys.blocklist(), ref)
            pipe.hdel(keys.blocklist(), ref)
            raw, removed = pipe.execute()
        return _entry(ref, raw) if removed and raw else None

    def blocks(self, ref: str) -> bool:
        return bool(self.redis.hexists(keys.blocklist(), ref))

    def entries(self) -> list[BlockedNumber]:
        found = [
            _entry(as_text(ref) or "", raw)
            for ref, raw in self.redis.hgetall(keys.blocklist()).items()
        ]
        return sorted(found, key=lambda e: e.since)


def _entry(ref: str, raw: bytes | str) -> BlockedNumber:
    return BlockedNumber(ref=ref, **json.loads(raw))
