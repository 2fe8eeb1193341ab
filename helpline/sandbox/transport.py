"""The sandbox's phone line: every text to and from a sandbox phone, in order, in a Redis stream.

The /sandbox page reads the stream live; workers send through SandboxSender
exactly where they would call Twilio.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from redis.client import Pipeline

from helpline import keys
from helpline.privacy import contact_ref
from helpline.settings import Secret
from helpline.telephony.dialer import PlacedCall
from helpline.telephony.sender import SentMessage


@dataclass(frozen=True, slots=True)
class SandboxMessage:
    id: str
    direction: str  # "in" (typed on the phone) or "out" (from the helpline)
    body: str
    via: str  # "phone", "reply" (inline TwiML) or "worker" (sent by a background job)
    at: str


class SandboxLine:
    def __init__(self, redis: Redis, key: Secret) -> None:
        self.redis = redis
        self.key = key

    def record(
        self, number: str, *, direction: str, body: str, via: str, pipe: Pipeline | None = None
    ) -> None:
        """Append one text; with `pipe`, inside the caller's transaction (keeps order)."""
        ref = contact_ref(number, self.key)
        fields = {
            "direction": direction,
            "body": body,
            "via": via,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        target = pipe if pipe is not None else self.redis
        target.xadd(
            keys.sandbox_stream(ref),
            fields,  # type: ignore[arg-type]
            maxlen=keys.SANDBOX_STREAM_MAX,
            approximate=True,
        )

    def read(
        self, number: str, *, after: str = "0-0", block_ms: int | None = None, count: int = 100
    ) -> list[SandboxMessage]:
        stream = keys.sandbox_stream(contact_ref(number, self.key))
        answer: Any = self.redis.xread({stream: after}, count=count, block=block_ms)
        out = []
        for _stream, entries in answer or []:
            for entry_id, fields in entries:
                f = {k.decode(): v.decode() for k, v in fields.items()}
                out.append(
                    SandboxMessage(
                        id=entry_id.decode(),
                        direction=f["direction"],
                        body=f["body"],
                        via=f["via"],
                        at=f["at"],
                    )
                )
        return out


class SandboxSender:
    """An SmsSender that delivers to the sandbox phone instead of Twilio."""

    def __init__(self, line: SandboxLine) -> None:
        self.line = line

    def send(
        self,
        to: str,
        body: str,
        *,
        status_callback: str | None = None,
        validity_period: int | None = None,
    ) -> SentMessage:
        self.line.record(to, direction="out", body=body, via="worker")
        return SentMessage(sid="SB" + secrets.token_hex(16), status="delivered")


class SandboxDialer:
    """A Dialer for the sandbox: the staff phone shows that the helpline called."""

    def __init__(self, line: SandboxLine) -> None:
        self.line = line

    def call(self, to: str, *, url: str, status_callback: str | None) -> PlacedCall:
        self.line.record(
            to, direction="out", body="(a call from the helpline: reply by text)", via="call"
        )
        return PlacedCall(sid="CB" + secrets.token_hex(16), status="queued")
