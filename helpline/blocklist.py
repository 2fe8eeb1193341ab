"""Numbers operators have blocked (abuse, harassment of staff): their texts get no reply.

Kept by ref, with the last four digits and a note for operators; the number
itself is never stored. `helpline blocklist add|remove|list` manages it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from redis import Redis

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
        entry = BlockedNumber(
            ref=contact_ref(number, self._key),
            shown=mask_number(number),
            note=note,
            since=now.isoformat(timespec="seconds"),
        )
        value = {"shown": entry.shown, "note": note, "since": entry.since}
        self.redis.hset(keys.blocklist(), entry.ref, json.dumps(value))
        return entry

    def remove(self, number: str) -> bool:
        return bool(self.redis.hdel(keys.blocklist(), contact_ref(number, self._key)))

    def blocks(self, ref: str) -> bool:
        return bool(self.redis.hexists(keys.blocklist(), ref))

    def entries(self) -> list[BlockedNumber]:
        found = []
        for ref, raw in self.redis.hgetall(keys.blocklist()).items():
            data = json.loads(raw)
            found.append(BlockedNumber(ref=as_text(ref) or "", **data))
        return sorted(found, key=lambda e: e.since)
